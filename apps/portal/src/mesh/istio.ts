import type { ServiceRestSettings } from '@tollgate/db';
import type { MeshOptions } from './options';
import { destinationOf, duration, labelsFor, objectName, routeTimeoutMs, servedSplit, weightedDestinations, type K8sObject, type MeshManifests, type MeshService } from './model';
import { apiMatches, credentialHeaders, type ApiMatch } from './paths';
import { accessLogObjects, accessLogProvider } from './access-log';

/**
 * Istio objects for one service (ADR 0031). v1beta1 of both API groups: served by every Istio from 1.9 to
 * today (v1 has the same schema), and the version the typed CRD models the tests validate against describe.
 */
const networking = 'networking.istio.io/v1beta1';
const security = 'security.istio.io/v1beta1';

/**
 * Tollgate owns retries (its upstream `retries`, with a budget and only for what may be repeated) and meters
 * each call once; Istio's default of 2 retries would re-send metered calls, POSTs included. So every route
 * says 0.
 */
const noRetries = { attempts: 0 };

const metadata = (name: string, namespace: string, slug: string) => ({ name, namespace, labels: labelsFor(slug) });

/** What the rate-limit answer and the caller's identity travel in (the gateway's own header names). */
const rateLimitHeaders = ['ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'];

const headerOps = (rules: ApiMatch['requestHeaders']) => ({
  ...(Object.keys(rules.set).length ? { set: rules.set } : {}),
  ...(Object.keys(rules.add).length ? { add: rules.add } : {}),
  ...(rules.remove.length ? { remove: rules.remove } : {}),
});

/** `https://*.example.com` (one label or more) as an RE2 expression; exact origins stay exact. */
const originMatch = (origin: string) =>
  origin.includes('*.') ? { regex: origin.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace('*\\.', '[^/]+\\.') } : { exact: origin };

function corsPolicy(cors: ServiceRestSettings['cors']) {
  if (!cors) return null;
  return {
    allowOrigins: cors.allowOrigins.map(originMatch),
    ...(cors.allowMethods.length ? { allowMethods: cors.allowMethods } : {}),
    ...(cors.allowHeaders.length ? { allowHeaders: cors.allowHeaders } : {}),
    ...(cors.exposeHeaders.length ? { exposeHeaders: cors.exposeHeaders } : {}),
    allowCredentials: cors.allowCredentials,
    maxAge: duration(cors.maxAgeSeconds * 1000),
  };
}

function virtualServiceRoutes(service: MeshService, rest: ServiceRestSettings, notes: string[]) {
  const destinations = weightedDestinations(rest, notes);
  const route = destinations.map((d) => ({ destination: { host: d.host, port: { number: d.port } }, ...(destinations.length > 1 ? { weight: d.weight } : {}) }));
  const timeout = routeTimeoutMs(rest);
  const mirrorOf = rest.traffic.mirror;
  const mirrorUpstream = mirrorOf ? rest.upstreams.find((u) => u.name === mirrorOf.upstream) : undefined;
  const mirrorNode = mirrorUpstream?.nodes.find((n) => n.weight > 0);
  if (mirrorUpstream && mirrorUpstream.nodes.filter((n) => n.weight > 0).length > 1) {
    notes.push(`The mirror upstream ${mirrorUpstream.name} has several nodes; the mesh mirrors to the first (${mirrorNode!.url}).`);
  }
  const mirror = mirrorNode && mirrorOf ? destinationOf(mirrorNode.url) : null;
  const cors = corsPolicy(rest.cors);
  return apiMatches(service, notes).map((api, i) => {
    const match = api.paths.flatMap((p) =>
      api.methods.map((method) => ({
        uri: { [p.type]: p.value },
        method: { exact: method },
        ...(Object.keys(api.headers).length ? { headers: Object.fromEntries(Object.entries(api.headers).map(([k, v]) => [k, { exact: v }])) } : {}),
        ...(Object.keys(api.query).length ? { queryParams: Object.fromEntries(Object.entries(api.query).map(([k, v]) => [k, { exact: v }])) } : {}),
      })),
    );
    const request = headerOps(api.requestHeaders);
    const response = headerOps(api.responseHeaders);
    return {
      name: objectName(`api-${i + 1}`, api.name).slice(0, 63),
      match,
      route,
      ...(mirror && mirrorOf ? { mirror: { host: mirror.host, port: { number: mirror.port } }, mirrorPercentage: { value: mirrorOf.percent } } : {}),
      ...(api.rewrite ? { rewrite: { uri: api.rewrite.value } } : {}),
      ...(timeout !== null ? { timeout: duration(timeout) } : {}),
      retries: noRetries,
      ...(Object.keys(request).length || Object.keys(response).length
        ? { headers: { ...(Object.keys(request).length ? { request } : {}), ...(Object.keys(response).length ? { response } : {}) } }
        : {}),
      ...(cors ? { corsPolicy: cors } : {}),
    };
  });
}

type Upstream = ServiceRestSettings['upstreams'][number];

function loadBalancer(balancer: Upstream['balancer']) {
  if (balancer.type === 'least-requests') return { simple: 'LEAST_REQUEST' };
  if (balancer.type === 'round-robin') return { simple: 'ROUND_ROBIN' };
  if (balancer.on === 'ip') return { consistentHash: { useSourceIp: true } };
  // A ttl of 0 makes Envoy hash on the cookie without ever setting one, as the gateway does.
  if (balancer.on === 'cookie') return { consistentHash: { httpCookie: { name: balancer.name ?? '', ttl: '0s' } } };
  return { consistentHash: { httpHeaderName: balancer.name ?? '' } };
}

/**
 * One DestinationRule per upstream host (the mesh keys them by host): the balancer, passive outlier detection
 * (5xx answers and connect failures counted apart, as the gateway does), the connect timeout, and TLS
 * origination for an https node.
 */
function destinationRules(service: MeshService, rest: ServiceRestSettings, options: MeshOptions, notes: string[]): K8sObject[] {
  const used = [...servedSplit(rest).map((s) => s.upstream), ...rest.upstreams.filter((u) => u.name === rest.traffic.mirror?.upstream)];
  const byHost = new Map<string, { upstream: Upstream; tls: boolean }>();
  for (const upstream of used) {
    if (upstream.healthCheck) notes.push(`Upstream ${upstream.name} has an active health check (GET ${upstream.healthCheck.path}); the mesh has none: give its pods a readiness probe on that path.`);
    for (const node of upstream.nodes) {
      const d = destinationOf(node.url);
      const seen = byHost.get(d.host);
      if (!seen) {
        byHost.set(d.host, { upstream, tls: d.tls });
        if (!isClusterService(d.host)) notes.push(`${d.host} is not a cluster Service name: the mesh reaches it only through a ServiceEntry for ${d.host}:${d.port}, which you add.`);
      } else if (seen.upstream.name !== upstream.name) notes.push(`Upstreams ${seen.upstream.name} and ${upstream.name} share the host ${d.host}; its DestinationRule takes ${seen.upstream.name}'s settings.`);
    }
  }
  return [...byHost].map(([host, { upstream, tls }]) => ({
    apiVersion: networking,
    kind: 'DestinationRule',
    metadata: metadata(objectName('tollgate', service.slug, upstream.name, host), options.namespace, service.slug),
    spec: {
      host,
      trafficPolicy: {
        loadBalancer: loadBalancer(upstream.balancer),
        connectionPool: { tcp: { connectTimeout: duration(upstream.timeouts.connectMs) } },
        outlierDetection: {
          splitExternalLocalOriginErrors: true,
          consecutive5xxErrors: upstream.outlier.consecutive5xx,
          consecutiveLocalOriginFailures: upstream.outlier.consecutiveConnectFailures,
          baseEjectionTime: duration(upstream.outlier.baseEjectionMs),
          maxEjectionPercent: upstream.outlier.maxEjectedPercent,
        },
        ...(tls ? { tls: { mode: 'SIMPLE', sni: host } } : {}),
      },
    },
  }));
}

/** `pets.shop.svc.cluster.local`, `pets.shop.svc` or a short name: hosts the mesh's registry knows without a ServiceEntry. */
const isClusterService = (host: string) => /\.svc(\.cluster\.local)?$/.test(host) || /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(host);

/** The hosts an AuthorizationPolicy operation matches: a Host header may carry a port. */
const policyHosts = (hosts: string[]) => hosts.flatMap((h) => (h.startsWith('*') ? [h] : [h, `${h}:*`]));

function requestAuthentication(service: MeshService, options: MeshOptions, notes: string[]): K8sObject | null {
  if (!service.jwt.length) return null;
  const rules = new Map<string, { issuer: string; jwksUri?: string; jwks?: string; audiences: Set<string> }>();
  for (const c of service.jwt) {
    const keySource = c.jwksUrl ? { jwksUri: c.jwksUrl } : { jwks: JSON.stringify({ keys: c.keys ?? [] }) };
    const key = `${c.issuer} ${JSON.stringify(keySource)}`;
    const rule = rules.get(key) ?? { issuer: c.issuer, ...keySource, audiences: new Set<string>() };
    for (const a of c.audiences) rule.audiences.add(a);
    rules.set(key, rule);
  }
  notes.push(
    'The RequestAuthentication applies to the whole ingress workload, and Envoy rejects an `Authorization: Bearer` value that is not a JWT: on these hosts consumers send API keys in x-api-key (or the service\u2019s key header), not as a Bearer token.',
  );
  return {
    apiVersion: security,
    kind: 'RequestAuthentication',
    metadata: metadata(objectName('tollgate', service.slug, 'jwt'), options.gateway.namespace, service.slug),
    spec: {
      selector: { matchLabels: options.gatewaySelector },
      jwtRules: [...rules.values()].map(({ audiences, ...rule }) => ({
        ...rule,
        ...(audiences.size ? { audiences: [...audiences].sort() } : {}),
        // The check identifies the app from the token itself (issuer and subject), so Envoy must pass it on.
        forwardOriginalToken: true,
      })),
    },
  };
}

/** The meshConfig entry that makes Tollgate the CUSTOM provider: HTTP or gRPC ext_authz, failing closed unless asked. */
function extensionProvider(service: MeshService, options: MeshOptions, notes: string[]) {
  const common = { service: options.tollgateService, port: options.authzPort, timeout: '1s', failOpen: options.failOpen, statusOnError: '503' };
  if (options.failOpen) {
    notes.push(
      `failOpen is true: while the gateway cannot answer (down, no snapshot yet, its limiter store unreachable for a limit that refuses then), calls reach ${service.slug}'s upstreams with no check, no limit and no record${options.accessLog === 'als' ? '; the access log counts them (tollgate_gateway_ext_authz_access_log_entries{outcome="unchecked"})' : ''}.`,
    );
  }
  if (options.authorizer === 'grpc') return { name: options.provider, envoyExtAuthzGrpc: common };
  return {
    name: options.provider,
    envoyExtAuthzHttp: {
      ...common,
      pathPrefix: options.authzPathPrefix,
      includeRequestHeadersInCheck: credentialHeaders(service),
      headersToUpstreamOnAllow: ['x-tollgate-*'],
      headersToDownstreamOnAllow: rateLimitHeaders,
      headersToDownstreamOnDeny: ['content-type', 'www-authenticate', 'x-request-id', ...rateLimitHeaders],
    },
  };
}

/** Authorizer mode: the ingress routes to the upstreams; Tollgate decides each call as the CUSTOM provider. */
export function istioAuthorizer(service: MeshService, rest: ServiceRestSettings, options: MeshOptions, notes: string[]): Pick<MeshManifests, 'items' | 'meshConfig'> {
  const name = objectName('tollgate', service.slug);
  const policy: K8sObject = {
    apiVersion: security,
    kind: 'AuthorizationPolicy',
    metadata: metadata(name, options.gateway.namespace, service.slug),
    spec: { selector: { matchLabels: options.gatewaySelector }, action: 'CUSTOM', provider: { name: options.provider }, rules: [{ to: [{ operation: { hosts: policyHosts(rest.hosts) } }] }] },
  };
  const auth = requestAuthentication(service, options, notes);
  const virtualService: K8sObject = {
    apiVersion: networking,
    kind: 'VirtualService',
    metadata: metadata(name, options.namespace, service.slug),
    spec: { hosts: rest.hosts, gateways: [`${options.gateway.namespace}/${options.gateway.name}`], http: virtualServiceRoutes(service, rest, notes) },
  };
  const logged = options.accessLog === 'als';
  return {
    items: [policy, ...(auth ? [auth] : []), ...(logged ? accessLogObjects(options, notes) : []), ...destinationRules(service, rest, options, notes), virtualService],
    meshConfig: { extensionProviders: [extensionProvider(service, options, notes), ...(logged ? [accessLogProvider(options)] : [])] },
  };
}

/**
 * Proxy mode: the service's hosts all go to the Tollgate gateway, which routes, forwards and retries. The
 * mesh waits a second longer than the gateway's own bound, so the caller gets the gateway's 504 (in the REST
 * error shape, metered) rather than Envoy's.
 */
export function istioProxy(service: MeshService, hosts: string[], options: MeshOptions): Pick<MeshManifests, 'items' | 'meshConfig'> {
  const bound = service.rest ? routeTimeoutMs(service.rest) : null;
  const timeout = bound === null ? null : bound + 1000;
  const virtualService: K8sObject = {
    apiVersion: networking,
    kind: 'VirtualService',
    metadata: metadata(objectName('tollgate', service.slug), options.namespace, service.slug),
    spec: {
      hosts,
      gateways: [`${options.gateway.namespace}/${options.gateway.name}`],
      http: [
        {
          name: 'tollgate-gateway',
          match: [{ uri: { prefix: '/' } }],
          route: [{ destination: { host: options.tollgateService, port: { number: options.tollgatePort } } }],
          ...(timeout !== null ? { timeout: duration(timeout) } : {}),
          retries: noRetries,
        },
      ],
    },
  };
  return { items: [virtualService], meshConfig: null };
}
