import type { ManifestOptions, Topology } from './options';

/**
 * Tollgate's own scaled-out deployment as Kubernetes objects (ADR 0034): the shape of docker-compose.yml
 * (one portal that owns the SQLite database and the master key, stateless gateways that pull snapshots with the
 * internal token, one Redis they share), plus what a cluster adds: probes, an autoscaler, a disruption budget,
 * and the Istio injection labels of the mesh topology (DESIGN §5). Plain objects; the tests check them against
 * the typed `kubernetes-models`.
 */

type K8sObject = { apiVersion: string; kind: string; metadata: Metadata; [field: string]: unknown };
interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export const names = {
  secret: 'tollgate-config',
  portal: 'tollgate-portal',
  gateway: 'tollgate-gateway',
  redis: 'tollgate-redis',
} as const;

export const ports = { portal: 8080, gateway: 8081, grpcAuthz: 9191, redis: 6379 } as const;

/** The uid and gid of the image's `node` user (Dockerfile: USER node): the data volume must be theirs. */
const nodeUser = 1000;

const partOf = { 'app.kubernetes.io/part-of': 'tollgate', 'app.kubernetes.io/managed-by': 'tollgate-manifests' };
const selectorOf = (component: string) => ({ 'app.kubernetes.io/name': 'tollgate', 'app.kubernetes.io/component': component });
const labelsOf = (component: string) => ({ ...selectorOf(component), ...partOf });

/**
 * Istio's injection switch, as a pod label (Istio reads the label before the older annotation). Behind the
 * ingress and as its authorizer every Tollgate pod joins the mesh, so the ingress reaches the gateway and the
 * gateways reach the portal and Redis over mTLS. In front of the ingress Tollgate is outside the mesh: an
 * explicit "false" keeps it out even in a namespace labelled `istio-injection=enabled`.
 */
export function meshLabels(topology: Topology): Record<string, string> {
  return { 'sidecar.istio.io/inject': topology === 'front' ? 'false' : 'true' };
}

/**
 * In the mesh the app must not start before its sidecar: the gateway's first snapshot pull and Redis connect
 * would fail and it would report unready for a poll interval. `holdApplicationUntilProxyStarts` is the proxy
 * setting Istio documents for this, per pod through `proxy.istio.io/config`.
 */
export function meshAnnotations(topology: Topology): Record<string, string> {
  return topology === 'front' ? {} : { 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}' };
}

function podMeta(component: string, topology: Topology) {
  const annotations = meshAnnotations(topology);
  return { labels: { ...labelsOf(component), ...meshLabels(topology) }, ...(Object.keys(annotations).length ? { annotations } : {}) };
}

const secretEnv = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: names.secret, key: name } } });

const podSecurity = { runAsNonRoot: true, runAsUser: nodeUser, runAsGroup: nodeUser, fsGroup: nodeUser, seccompProfile: { type: 'RuntimeDefault' } };
const containerSecurity = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
const httpGet = (path: string, port: string) => ({ httpGet: { path, port } });

export function buildManifests(options: ManifestOptions): K8sObject[] {
  const { namespace, topology } = options;
  const meta = (name: string, component: string): Metadata => ({ name, namespace, labels: labelsOf(component) });
  const redisUrl = options.redisUrl ?? `redis://${names.redis}:${ports.redis}`;
  const objects: K8sObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      // Injection is decided per pod (meshLabels), so the namespace keeps whatever policy the operator gave it.
      metadata: { name: namespace, labels: { ...partOf } },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(names.secret, 'config'),
      type: 'Opaque',
      // stringData: the API server encodes it; the token is the operator's, from the environment.
      stringData: { TOLLGATE_INTERNAL_TOKEN: options.internalToken, TOLLGATE_REDIS_URL: redisUrl },
    },
  ];
  if (!options.redisUrl) objects.push(...redis(options, meta));
  objects.push(...portal(options, meta), ...gateway(options, meta));
  return objects;
}

type Meta = (name: string, component: string) => Metadata;

/** A one-replica StatefulSet whose pod mounts its own `data` volume (claim of `storage`) at /data. */
const oneReplicaWithData = (meta: Meta, name: string, component: string, topology: ManifestOptions['topology'], storage: string, podSpec: object): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: meta(name, component),
  spec: {
    serviceName: name,
    replicas: 1,
    selector: { matchLabels: selectorOf(component) },
    template: { metadata: podMeta(component, topology), spec: podSpec },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } }],
  },
});

/** The Service in front of a component's pods. */
const serviceOf = (meta: Meta, name: string, component: string, servicePorts: unknown[]): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta(name, component),
  spec: { selector: selectorOf(component), ports: servicePorts },
});

function redis({ topology }: ManifestOptions, meta: Meta): K8sObject[] {
  const ping = { exec: { command: ['redis-cli', 'ping'] } };
  return [
    // "tcp-": Istio's protocol from the port name; Redis is plain TCP to the mesh.
    serviceOf(meta, names.redis, 'redis', [{ name: 'tcp-redis', port: ports.redis, targetPort: 'redis', appProtocol: 'tcp' }]),
    oneReplicaWithData(meta, names.redis, 'redis', topology, '2Gi', {
      containers: [
        {
          name: 'redis',
          image: 'redis:7-alpine',
          // As compose: append-only file, so call records queued for a stopped portal survive a Redis
          // restart; noeviction, because an evicted queue key is a lost call record.
          command: ['redis-server', '--save', '', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'],
          ports: [{ name: 'redis', containerPort: ports.redis }],
          readinessProbe: { ...ping, periodSeconds: 5, timeoutSeconds: 3 },
          livenessProbe: { ...ping, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 },
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1Gi' } },
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
    }),
  ];
}

function portal({ topology, image }: ManifestOptions, meta: Meta): K8sObject[] {
  const health = httpGet('/healthz', 'http');
  return [
    serviceOf(meta, names.portal, 'portal', [{ name: 'http', port: ports.portal, targetPort: 'http', appProtocol: 'http' }]),
    // One writer of the SQLite file, ever: a StatefulSet does not start the replacement pod before the old one
    // is gone, even when its node stops answering (ADR 0034). More replicas wait for PostgreSQL (issue 19).
    oneReplicaWithData(meta, names.portal, 'portal', topology, '10Gi', {
      securityContext: podSecurity,
      terminationGracePeriodSeconds: 30,
      containers: [
        {
          name: 'portal',
          image,
          command: ['node', 'dist/portal.mjs'],
          env: [
            // The database and master.key live in the data volume: back it up (README, Configuration).
            { name: 'TOLLGATE_DATA_DIR', value: '/data' },
            { name: 'TOLLGATE_PORTAL_HOST', value: '0.0.0.0' },
            { name: 'TOLLGATE_PORTAL_PORT', value: String(ports.portal) },
            secretEnv('TOLLGATE_INTERNAL_TOKEN'),
            secretEnv('TOLLGATE_REDIS_URL'),
          ],
          ports: [{ name: 'http', containerPort: ports.portal }],
          // The first start runs the migrations and creates the admin: give it a minute before liveness counts.
          startupProbe: { ...health, periodSeconds: 2, failureThreshold: 30 },
          readinessProbe: { ...health, periodSeconds: 5, timeoutSeconds: 3 },
          livenessProbe: { ...health, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
          resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
          securityContext: containerSecurity,
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
    }),
  ];
}

/**
 * In the mesh the gateway's socket peer is its own sidecar (Istio forwards inbound calls from 127.0.0.6), so
 * that is the trusted proxy; the AuthorizationPolicy below is what makes trusting it safe: only the ingress
 * (and Tollgate's own pods) reach the gateway, so only the ingress's forwarded headers and checks arrive.
 */
const sidecarPeer = '127.0.0.6';

/** What turns on the gateway's side of each topology (ADR 0033, 0035, 0036). */
function meshEnv(options: ManifestOptions): Array<{ name: string; value: string }> {
  if (options.topology === 'front') return [];
  const env = [{ name: 'TOLLGATE_TRUSTED_PROXIES', value: sidecarPeer }];
  if (options.topology === 'authorizer') {
    // The gRPC port serves the gRPC check and, for both flavours, the access log that completes each record.
    env.push({ name: 'TOLLGATE_EXT_AUTHZ_GRPC_PORT', value: String(ports.grpcAuthz) });
    if (options.authorizer === 'http') env.push({ name: 'TOLLGATE_EXT_AUTHZ_PATH_PREFIX', value: extAuthzPathPrefix });
    env.push({ name: 'TOLLGATE_EXT_AUTHZ_ACCESS_LOG_WAIT_MS', value: String(accessLogWaitMs) });
  }
  return env;
}

/** The HTTP check's prefix the portal's generated meshConfig entry names (ADR 0035). */
const extAuthzPathPrefix = '/ext-authz';
/** Above the gateway's own longest call (TOLLGATE_UPSTREAM_TOTAL_TIMEOUT_MS, 120 s) with room for streams. */
const accessLogWaitMs = 300_000;

/**
 * Who may reach the gateway pods through their sidecars: the ingress (its calls, checks and access log) and
 * Tollgate's own namespace (the portal's prompt test runs). Anything else in the mesh calls through the
 * ingress, so nothing else can send forwarded headers or checks the gateway would believe.
 */
function gatewayPolicy(options: ManifestOptions, meta: Meta): K8sObject {
  return {
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'AuthorizationPolicy',
    metadata: meta(names.gateway, 'gateway'),
    spec: {
      selector: { matchLabels: selectorOf('gateway') },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: [options.ingressPrincipal] } }] }, { from: [{ source: { namespaces: [options.namespace] } }] }],
    },
  };
}

function gateway(options: ManifestOptions, meta: Meta): K8sObject[] {
  const { topology, image } = options;
  const grpcPort = topology === 'authorizer';
  const servicePorts: object[] = [{ name: 'http', port: ports.gateway, targetPort: 'http', appProtocol: 'http' }];
  const containerPorts: object[] = [{ name: 'http', containerPort: ports.gateway }];
  if (grpcPort) {
    // ADR 0031 and 0036: the gRPC check and the access log service share 9191; the HTTP check shares 8081.
    servicePorts.push({ name: 'grpc-ext-authz', port: ports.grpcAuthz, targetPort: 'grpc-ext-authz', appProtocol: 'grpc' });
    containerPorts.push({ name: 'grpc-ext-authz', containerPort: ports.grpcAuthz });
  }
  return [
    ...(topology === 'front' ? [] : [gatewayPolicy(options, meta)]),
    serviceOf(meta, names.gateway, 'gateway', servicePorts),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(names.gateway, 'gateway'),
      spec: {
        replicas: options.gatewayReplicas,
        selector: { matchLabels: selectorOf('gateway') },
        // Never below the desired count during a rollout: a new gateway is ready (has a snapshot) before an old one goes.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: podMeta('gateway', topology),
          spec: {
            securityContext: podSecurity,
            // SIGTERM drains: open calls finish and the last call records are retried for up to 10 s
            // (TOLLGATE_METER_SHUTDOWN_RETRY_MS), inside this grace period.
            terminationGracePeriodSeconds: 45,
            containers: [
              {
                name: 'gateway',
                image,
                command: ['node', 'dist/gateway.mjs'],
                env: [
                  { name: 'TOLLGATE_GATEWAY_HOST', value: '0.0.0.0' },
                  { name: 'TOLLGATE_GATEWAY_PORT', value: String(ports.gateway) },
                  { name: 'TOLLGATE_PORTAL_URL', value: `http://${names.portal}:${ports.portal}` },
                  secretEnv('TOLLGATE_REDIS_URL'),
                  secretEnv('TOLLGATE_INTERNAL_TOKEN'),
                  ...meshEnv(options),
                ],
                ports: containerPorts,
                // /readyz answers 503 until the first snapshot is in: no traffic before there is config to serve.
                readinessProbe: { ...httpGet('/readyz', 'http'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
                livenessProbe: { ...httpGet('/healthz', 'http'), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
                // Endpoints are removed asynchronously: keep serving a few seconds after the pod is marked for
                // deletion, so calls routed to it meanwhile are not refused by the draining gateway.
                lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
                // A CPU request is what the autoscaler's utilization is a share of; no CPU limit, because
                // throttling shows as latency on every call. The meter buffer may hold 256 MiB of bodies.
                resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
                securityContext: containerSecurity,
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(names.gateway, 'gateway'),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: names.gateway },
        minReplicas: options.gatewayReplicas,
        maxReplicas: options.maxGatewayReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
        // Scale down slowly, so bursty traffic does not flap the count: each new gateway pulls a full snapshot first.
        behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(names.gateway, 'gateway'),
      // One gateway at a time during node drains; with a single replica this still lets a drain proceed.
      spec: { maxUnavailable: 1, selector: { matchLabels: selectorOf('gateway') } },
    },
  ];
}
