import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { gatewayEnvSchema } from '../../apps/gateway/src/config';
import { portalEnvSchema } from '../../apps/portal/src/config';
import { buildManifests, names, ports } from '../../scripts/k8s/manifests';
import { parseCli, topologies, UsageError, type ManifestOptions, type Topology } from '../../scripts/k8s/options';
import { unknownFields, validateObject } from './k8s-models.testing';

// A stand-in of the right length, not a secret.
const token = 'test-internal-token-'.padEnd(40, 'x');
const repo = new URL('../../', import.meta.url).pathname;

const optionsFor = (topology: Topology, extra: Partial<ManifestOptions> = {}): ManifestOptions => ({
  topology,
  namespace: 'tollgate',
  image: 'tollgate:0.1.0',
  gatewayReplicas: 2,
  maxGatewayReplicas: 10,
  authorizer: 'http',
  ingressPrincipal: 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
  internalToken: token,
  ...extra,
});

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };
const find = (objects: Obj[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const podSpecOf = (o: Obj) => o.spec.template.spec;
const containerOf = (o: Obj) => podSpecOf(o).containers[0];
/** A container's environment as the app sees it, with secretKeyRef values resolved from the Secret. */
const envOf = (objects: Obj[], workload: Obj) => {
  const secret = find(objects, 'Secret', names.secret);
  return Object.fromEntries(
    (containerOf(workload).env as Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>).map((e) => {
      if (e.value !== undefined) return [e.name, e.value];
      expect(e.valueFrom!.secretKeyRef.name).toBe(secret.metadata.name);
      return [e.name, secret.stringData[e.valueFrom!.secretKeyRef.key]];
    }),
  );
};

describe('buildManifests', () => {
  for (const topology of topologies) {
    for (const authorizer of ['http', 'grpc'] as const) {
      it(`${topology} (${authorizer} authorizer): every object validates, with no field its schema does not know`, () => {
        const objects = buildManifests(optionsFor(topology, { authorizer })) as Obj[];
        const kinds = ['Deployment', 'HorizontalPodAutoscaler', 'Namespace', 'PodDisruptionBudget', 'Secret', 'Service', 'Service', 'Service', 'StatefulSet', 'StatefulSet'];
        expect(objects.map((o) => o.kind).sort()).toEqual((topology === 'front' ? kinds : ['AuthorizationPolicy', ...kinds]));
        for (const object of objects) {
          validateObject(object);
          expect(unknownFields(object), `${object.kind} ${object.metadata.name}`).toEqual([]);
          if (object.kind !== 'Namespace') expect(object.metadata.namespace).toBe('tollgate');
        }
      });
    }
  }

  it('the unknown-field probe finds a misspelt field, and validate() finds a wrong type', () => {
    const gateway = find(buildManifests(optionsFor('behind')) as Obj[], 'Deployment', names.gateway);
    const misspelt = structuredClone(gateway);
    containerOf(misspelt).readinesProbe = structuredClone(containerOf(misspelt).readinessProbe);
    expect(unknownFields(misspelt)).toContain('spec.template.spec.containers.0.readinesProbe.httpGet.path');
    const wrongType = structuredClone(gateway);
    wrongType.spec.replicas = 'two';
    expect(() => validateObject(wrongType)).toThrow(/Deployment tollgate-gateway/);
  });

  it('gateways: readiness on /readyz and liveness on /healthz, on the port the gateway listens on and its Service targets', () => {
    const objects = buildManifests(optionsFor('behind')) as Obj[];
    const deployment = find(objects, 'Deployment', names.gateway);
    const container = containerOf(deployment);
    const named = Object.fromEntries(container.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(named[container.readinessProbe.httpGet.port]).toBe(ports.gateway);
    expect(named[container.livenessProbe.httpGet.port]).toBe(ports.gateway);
    const env = gatewayEnvSchema.parse(envOf(objects, deployment));
    expect(env.TOLLGATE_GATEWAY_PORT).toBe(ports.gateway);
    expect(env.TOLLGATE_GATEWAY_HOST).toBe('0.0.0.0');
    const service = find(objects, 'Service', names.gateway);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports).toEqual([{ name: 'http', port: ports.gateway, targetPort: 'http', appProtocol: 'http' }]);
    expect(container.command).toEqual(['node', 'dist/gateway.mjs']);
  });

  it('the HPA scales the gateway Deployment on CPU, from the requested replicas up, and the PDB selects its pods', () => {
    const objects = buildManifests(optionsFor('behind', { gatewayReplicas: 3, maxGatewayReplicas: 12 })) as Obj[];
    const deployment = find(objects, 'Deployment', names.gateway);
    const hpa = find(objects, 'HorizontalPodAutoscaler', names.gateway);
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: deployment.apiVersion, kind: 'Deployment', name: deployment.metadata.name });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas, deployment.spec.replicas]).toEqual([3, 12, 3]);
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    // Utilization is a share of the request: without one the HPA cannot compute it.
    expect(containerOf(deployment).resources.requests.cpu).toBeDefined();
    expect(find(objects, 'PodDisruptionBudget', names.gateway).spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
  });

  it('the Secret holds the token and the Redis URL, and the portal and the gateways read the same values from it', () => {
    const objects = buildManifests(optionsFor('behind')) as Obj[];
    const secret = find(objects, 'Secret', names.secret);
    expect(secret.stringData).toEqual({ TOLLGATE_INTERNAL_TOKEN: token, TOLLGATE_REDIS_URL: `redis://${names.redis}:${ports.redis}` });
    const portalSet = find(objects, 'StatefulSet', names.portal);
    const gatewayEnv = envOf(objects, find(objects, 'Deployment', names.gateway));
    const portalEnv = envOf(objects, portalSet);
    // Only variables the apps parse, with values their schemas accept (as tests/deploy/compose.test.ts).
    expect(Object.keys(portalEnv).filter((k) => !(k in portalEnvSchema.shape))).toEqual([]);
    expect(Object.keys(gatewayEnv).filter((k) => !(k in gatewayEnvSchema.shape))).toEqual([]);
    const portal = portalEnvSchema.parse(portalEnv);
    const gateway = gatewayEnvSchema.parse(gatewayEnv);
    expect(gateway.TOLLGATE_INTERNAL_TOKEN).toBe(token);
    expect(portal.TOLLGATE_INTERNAL_TOKEN).toBe(token);
    expect(gateway.TOLLGATE_REDIS_URL).toBe(portal.TOLLGATE_REDIS_URL);
    // The token never appears as a plain value in a pod spec.
    for (const o of objects) if (o.kind !== 'Secret') expect(JSON.stringify(o)).not.toContain(token);
    // The gateway reaches the portal through its Service, on the port the portal listens on.
    expect(gateway.TOLLGATE_PORTAL_URL).toBe(`http://${names.portal}:${portal.TOLLGATE_PORTAL_PORT}`);
    expect(find(objects, 'Service', names.portal).spec.ports[0].port).toBe(portal.TOLLGATE_PORTAL_PORT);
  });

  it('the portal: one replica of a StatefulSet, its data dir on its own volume, probed on /healthz', () => {
    const objects = buildManifests(optionsFor('behind')) as Obj[];
    const portal = find(objects, 'StatefulSet', names.portal);
    expect(portal.spec.replicas).toBe(1);
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.spec.scaleTargetRef.name)).toEqual([names.gateway]);
    const container = containerOf(portal);
    expect(container.command).toEqual(['node', 'dist/portal.mjs']);
    expect(envOf(objects, portal).TOLLGATE_DATA_DIR).toBe('/data');
    expect(container.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(portal.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(portal.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(['ReadWriteOnce']);
    // The image runs as node (uid 1000): the volume must be writable by it.
    expect(podSpecOf(portal).securityContext.fsGroup).toBe(1000);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(container[probe].httpGet).toEqual({ path: '/healthz', port: 'http' });
  });

  it('Redis as compose runs it (append-only, noeviction) on a volume; a managed Redis URL replaces it', () => {
    const own = buildManifests(optionsFor('behind')) as Obj[];
    const command = containerOf(find(own, 'StatefulSet', names.redis)).command as string[];
    expect(command[command.indexOf('--appendonly') + 1]).toBe('yes');
    expect(command[command.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    const managed = buildManifests(optionsFor('behind', { redisUrl: 'rediss://:pw@redis.example.com:6380' })) as Obj[];
    expect(managed.some((o) => o.metadata.name === names.redis)).toBe(false);
    expect(find(managed, 'Secret', names.secret).stringData.TOLLGATE_REDIS_URL).toBe('rediss://:pw@redis.example.com:6380');
  });

  it('the sidecar: every pod in the mesh behind the ingress and as its authorizer, none in front of it', () => {
    const podsOf = (topology: Topology) => (buildManifests(optionsFor(topology)) as Obj[]).filter((o) => o.spec?.template);
    for (const topology of ['behind', 'authorizer'] as const) {
      for (const workload of podsOf(topology)) {
        const meta = workload.spec.template.metadata;
        expect(meta.labels['sidecar.istio.io/inject'], `${topology} ${workload.metadata.name}`).toBe('true');
        expect(JSON.parse(meta.annotations['proxy.istio.io/config'])).toEqual({ holdApplicationUntilProxyStarts: true });
      }
    }
    for (const workload of podsOf('front')) {
      expect(workload.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
      expect(workload.spec.template.metadata.annotations).toBeUndefined();
    }
    // The namespace's own injection policy is left to the operator.
    for (const topology of topologies) expect(find(buildManifests(optionsFor(topology)) as Obj[], 'Namespace', 'tollgate').metadata.labels).not.toHaveProperty('istio-injection');
  });

  it('as the authorizer, the gateway gets the gRPC port ADR 0031 assumes (9191) for the gRPC check and the access log', () => {
    for (const authorizer of ['http', 'grpc'] as const) {
      const objects = buildManifests(optionsFor('authorizer', { authorizer })) as Obj[];
      expect(find(objects, 'Service', names.gateway).spec.ports[1]).toEqual({ name: 'grpc-ext-authz', port: 9191, targetPort: 'grpc-ext-authz', appProtocol: 'grpc' });
      // The settings the topology needs, accepted by the gateway's own config schema.
      const env = gatewayEnvSchema.parse(envOf(objects, find(objects, 'Deployment', names.gateway)));
      expect(env).toMatchObject({ TOLLGATE_TRUSTED_PROXIES: ['127.0.0.6'], TOLLGATE_EXT_AUTHZ_GRPC_PORT: 9191, TOLLGATE_EXT_AUTHZ_ACCESS_LOG_WAIT_MS: 300_000 });
      expect(env.TOLLGATE_EXT_AUTHZ_PATH_PREFIX).toBe(authorizer === 'http' ? '/ext-authz' : undefined);
    }
    for (const topology of ['behind', 'front'] as const) {
      const objects = buildManifests(optionsFor(topology, { authorizer: 'grpc' })) as Obj[];
      expect(find(objects, 'Service', names.gateway).spec.ports).toHaveLength(1);
      const env = gatewayEnvSchema.parse(envOf(objects, find(objects, 'Deployment', names.gateway)));
      expect(env.TOLLGATE_EXT_AUTHZ_GRPC_PORT).toBeUndefined();
      expect(env.TOLLGATE_TRUSTED_PROXIES).toEqual(topology === 'behind' ? ['127.0.0.6'] : []);
    }
  });

  it('in the mesh only the ingress and Tollgate\u2019s own namespace reach the gateway, so trusting its sidecar is safe', () => {
    for (const topology of ['behind', 'authorizer'] as const) {
      const objects = buildManifests(optionsFor(topology, { ingressPrincipal: 'example.org/ns/edge/sa/ingress' })) as Obj[];
      const policy = find(objects, 'AuthorizationPolicy', names.gateway);
      expect(policy.spec).toEqual({
        selector: { matchLabels: find(objects, 'Deployment', names.gateway).spec.selector.matchLabels },
        action: 'ALLOW',
        rules: [{ from: [{ source: { principals: ['example.org/ns/edge/sa/ingress'] } }] }, { from: [{ source: { namespaces: ['tollgate'] } }] }],
      });
    }
    expect(buildManifests(optionsFor('front')).some((o) => o.kind === 'AuthorizationPolicy')).toBe(false);
  });
});

describe('parseCli', () => {
  const env = { TOLLGATE_INTERNAL_TOKEN: token };
  const usage = (argv: string[], environment: NodeJS.ProcessEnv = env) => {
    try {
      parseCli(argv, environment);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error(`accepted ${argv.join(' ')}`);
  };

  it('defaults, and every flag', () => {
    expect(parseCli([], env)).toMatchObject({ topology: 'behind', namespace: 'tollgate', gatewayReplicas: 2, maxGatewayReplicas: 10, format: 'yaml' });
    const argv = ['--topology', 'front', '--namespace', 'edge', '--image', 'registry.example.com/tollgate@sha256:' + 'a'.repeat(64), '--gateway-replicas', '4', '--max-gateway-replicas', '8', '--format', 'json', '--out', 'x.json'];
    expect(parseCli(argv, env)).toMatchObject({ topology: 'front', namespace: 'edge', gatewayReplicas: 4, maxGatewayReplicas: 8, format: 'json', out: 'x.json' });
    expect(parseCli(['--ingress-principal', 'example.org/ns/edge/sa/ingress'], env).ingressPrincipal).toBe('example.org/ns/edge/sa/ingress');
  });

  it('names the bad flag or variable', () => {
    expect(usage(['--replicas', '3'])).toMatch(/--replicas/);
    expect(usage(['--topology', 'sideways'])).toMatch(/^--topology:/);
    expect(usage(['--namespace', 'Tollgate'])).toMatch(/^--namespace:/);
    expect(usage(['--gateway-replicas', '0'])).toMatch(/^--gateway-replicas:/);
    expect(usage(['--gateway-replicas', '1.5'])).toMatch(/^--gateway-replicas:/);
    expect(usage(['--gateway-replicas', '5', '--max-gateway-replicas', '4'])).toMatch(/^--max-gateway-replicas:/);
    expect(usage(['--image', 'Not An Image'])).toMatch(/^--image:/);
    expect(usage(['--ingress-principal', 'spiffe://cluster.local/ns/a/sa/b'])).toMatch(/^--ingress-principal: use <trust domain>\/ns\/<namespace>\/sa\/<service account>/);
    expect(usage(['stray'])).toMatch(/stray/);
    expect(usage([], {})).toMatch(/^TOLLGATE_INTERNAL_TOKEN: is not set/);
    expect(usage([], { TOLLGATE_INTERNAL_TOKEN: 'short' })).toMatch(/^TOLLGATE_INTERNAL_TOKEN: use at least 32/);
    expect(usage([], { ...env, TOLLGATE_REDIS_URL: 'http://redis' })).toMatch(/^TOLLGATE_REDIS_URL:/);
  });
});

describe('npm run manifests (the CLI, spawned)', () => {
  const run = promisify(execFile);
  const cli = (args: string[], environment: Record<string, string> = { TOLLGATE_INTERNAL_TOKEN: token }) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/manifests.ts', ...args], { cwd: repo, env: { PATH: process.env.PATH!, ...environment } });
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-manifests-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a YAML stream kubectl takes as it is, each document a valid object', async () => {
    const { stdout } = await cli(['--topology', 'authorizer', '--namespace', 'mesh-tollgate']);
    const docs = parseAllDocuments(stdout);
    expect(docs.every((d) => d.errors.length === 0)).toBe(true);
    const objects = docs.map((d) => d.toJS()) as Obj[];
    expect(objects).toHaveLength(11);
    for (const object of objects) validateObject(object);
    expect(find(objects, 'Namespace', 'mesh-tollgate')).toBeDefined();
    expect(podSpecOf(find(objects, 'Deployment', names.gateway))).toBeDefined();
  });

  it('--format json --out writes a v1 List to a file only its owner reads', async () => {
    const out = join(dir, 'tollgate.json');
    const { stdout, stderr } = await cli(['--format', 'json', '--out', out, '--topology', 'front']);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/wrote 10 objects/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const list = JSON.parse(readFileSync(out, 'utf8'));
    expect(list.kind).toBe('List');
    expect(list.items.map((o: Obj) => o.kind)).toContain('HorizontalPodAutoscaler');
  });

  it('a bad flag or a missing token: exit code 2 and a message naming it, nothing on stdout', async () => {
    for (const [args, environment, message] of [
      [['--topology', 'sideways'], undefined, /--topology/],
      [['--nope'], undefined, /--nope/],
      [[], {}, /TOLLGATE_INTERNAL_TOKEN/],
    ] as const) {
      const failed = await cli([...args], environment as Record<string, string> | undefined).then(
        () => {
          throw new Error(`exit 0 for ${args.join(' ')}`);
        },
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
      expect(failed.code).toBe(2);
      expect(failed.stdout).toBe('');
      expect(failed.stderr).toMatch(message);
    }
  });
});
