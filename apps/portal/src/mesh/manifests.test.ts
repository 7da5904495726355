import { describe, expect, it } from 'vitest';
import { apiRestDefaults, upstreamDefaults } from '@tollgate/domain';
import { ApiError } from '../http/errors';
import { celViolations, unknownFields, validateObject } from './crd-models.testing';
import { buildMeshManifests } from './manifests';
import type { K8sObject, MeshManifests, MeshService } from './model';
import { meshQuerySchema } from './options';

const upstream = (name: string, urls: string[], extra: Partial<ReturnType<typeof upstreamDefaults>> = {}) => ({
  name,
  nodes: urls.map((url) => ({ url, weight: 1 })),
  ...upstreamDefaults(),
  timeouts: { connectMs: 2_000, firstByteMs: 10_000, totalMs: 15_000 },
  ...extra,
});
const api = (name: string, methods: string[], path: string, rest: Partial<ReturnType<typeof apiRestDefaults>> = {}) => ({ name, methods, path, rest: { ...apiRestDefaults(), ...rest } });

/** A REST service with a bit of everything the mesh objects carry: a 90/10 canary, a 5% mirror, CORS, JWTs. */
const pets = (): MeshService => ({
  slug: 'pets',
  kind: 'rest',
  rest: {
    hosts: ['pets.example.test', '*.pets.example.org'],
    keyLocations: { header: 'X-Pets-Key', query: null },
    cors: { allowOrigins: ['https://app.example.test', 'https://*.example.org'], allowMethods: ['GET', 'POST'], allowHeaders: ['content-type'], exposeHeaders: [], allowCredentials: true, maxAgeSeconds: 600 },
    upstreams: [
      upstream('canary', ['https://canary.example.net'], { balancer: { type: 'hash', on: 'header', name: 'x-user' } }),
      upstream('default', ['http://pets.shop.svc.cluster.local:8080', 'http://pets-b.shop.svc.cluster.local:8080'], {
        balancer: { type: 'least-requests' },
        outlier: { consecutive5xx: 4, consecutiveConnectFailures: 2, baseEjectionMs: 15_000, maxEjectionMs: 60_000, maxEjectedPercent: 30 },
        healthCheck: { path: '/healthz', intervalMs: 5_000, timeoutMs: 1_000, healthyThreshold: 2, unhealthyThreshold: 3 },
      }),
      upstream('shadow', ['http://shadow:9000']),
    ],
    traffic: { split: [{ upstream: 'default', weight: 9 }, { upstream: 'canary', weight: 1 }], pin: null, mirror: { upstream: 'shadow', percent: 5 } },
  },
  apis: [
    api('Get pet', ['GET'], '/pets/{id}', { requestHeaders: { set: { 'x-from': 'mesh' }, add: {}, remove: ['x-debug'] } }),
    api('List or add pets', ['GET', 'POST'], '/pets'),
    api('Files', ['GET'], '/files', { pathType: 'prefix', rewrite: { stripPrefix: true } }),
    api('Pet by template', ['GET'], '/v1/pets/{id}', { rewrite: { template: '/animals/{id}' }, addQuery: { source: 'mesh' } }),
    api('Beta pets', ['GET'], '/pets', { headers: { 'x-beta': '1' } }),
  ],
  jwt: [
    { issuer: 'https://idp.example.test', jwksUrl: 'https://idp.example.test/jwks', keys: null, audiences: ['pets'] },
    { issuer: 'https://idp.example.test', jwksUrl: 'https://idp.example.test/jwks', keys: null, audiences: ['pets-admin'] },
    { issuer: 'https://inline.example.test', jwksUrl: null, keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }], audiences: [] },
  ],
});

const build = (service: MeshService, query: Record<string, string>) => buildMeshManifests(service, meshQuerySchema.parse(query));
const ofKind = (m: MeshManifests, kind: string) => m.items.filter((i) => i.kind === kind) as Array<K8sObject & { spec: any }>;

/** Every object: valid against its CRD schema, and nothing in it the schema does not know (so nothing pruned). */
function expectSchemaClean(m: MeshManifests) {
  expect(m.items.length).toBeGreaterThan(0);
  for (const item of m.items) {
    validateObject(item);
    expect(unknownFields(item), `${item.kind} ${item.metadata.name}`).toEqual([]);
    expect(celViolations(item), `${item.kind} ${item.metadata.name}`).toEqual([]);
  }
}

describe('Istio objects in authorizer mode', () => {
  const m = build(pets(), { target: 'istio' });

  it('are valid against the Istio CRD schemas, field by field', () => {
    expect(m.mode).toBe('authorizer');
    expect(m.items.map((i) => i.kind)).toEqual(['AuthorizationPolicy', 'RequestAuthentication', 'Telemetry', 'DestinationRule', 'DestinationRule', 'DestinationRule', 'DestinationRule', 'DestinationRule', 'VirtualService']);
    expectSchemaClean(m);
  });

  it('routes the hosts, the APIs in the gateway\u2019s precedence, the 90/10 canary and the 5% mirror, without retries', () => {
    const [vs] = ofKind(m, 'VirtualService');
    expect(vs!.spec.hosts).toEqual(['pets.example.test', '*.pets.example.org']);
    expect(vs!.spec.gateways).toEqual(['istio-system/istio-ingressgateway']);
    const http = vs!.spec.http as any[];
    // Segment by segment a literal before a parameter, a prefix last, more conditions first (Istio takes the
    // first match): /pets with x-beta before plain /pets; the order of routes that cannot overlap is by path.
    expect(http.map((r) => r.match.map((x: any) => `${x.method.exact} ${Object.keys(x.uri)[0]}:${Object.values(x.uri)[0]}`))).toEqual([
      ['GET exact:/pets'],
      ['GET exact:/pets', 'POST exact:/pets'],
      ['GET regex:^/v1/pets/[^/]+$'],
      ['GET regex:^/pets/[^/]+$'],
      ['GET exact:/files', 'GET prefix:/files/'],
    ]);
    expect(http[0].match[0].headers).toEqual({ 'x-beta': { exact: '1' } });
    for (const r of http) {
      expect(r.retries).toEqual({ attempts: 0 });
      expect(r.timeout).toBe('15s');
      expect(r.mirror).toEqual({ host: 'shadow', port: { number: 9000 } });
      expect(r.mirrorPercentage).toEqual({ value: 5 });
      expect(r.route).toEqual([
        { destination: { host: 'pets.shop.svc.cluster.local', port: { number: 8080 } }, weight: 45 },
        { destination: { host: 'pets-b.shop.svc.cluster.local', port: { number: 8080 } }, weight: 45 },
        { destination: { host: 'canary.example.net', port: { number: 443 } }, weight: 10 },
      ]);
      expect(r.corsPolicy.allowOrigins).toEqual([{ exact: 'https://app.example.test' }, { regex: 'https://[^/]+\\.example\\.org' }]);
    }
    expect(http[4].rewrite).toEqual({ uri: '/' });
    expect(http[3].headers).toEqual({ request: { set: { 'x-from': 'mesh' }, remove: ['x-debug'] } });
    // What the mesh cannot say is said in the notes instead.
    expect(m.notes.join('\n')).toMatch(/rewrites its path to \/animals\/\{id\}/);
    expect(m.notes.join('\n')).toMatch(/adds query parameters \(source\)/);
    expect(m.notes.join('\n')).toMatch(/active health check \(GET \/healthz\)/);
  });

  it('template regexes match one segment per parameter, as the gateway does', () => {
    const re = new RegExp((ofKind(m, 'VirtualService')[0]!.spec.http as any[])[3].match[0].uri.regex);
    expect(['/pets/1', '/pets/abc'].every((p) => re.test(p))).toBe(true);
    expect(['/pets', '/pets/', '/pets/1/x', '/petsx/1'].some((p) => re.test(p))).toBe(false);
  });

  it('takes the balancer, outlier detection, connect timeout and TLS into each host\u2019s DestinationRule', () => {
    const upstreams = ofKind(m, 'DestinationRule').filter((d) => d.metadata.name !== 'tollgate-gateway-affinity');
    const rules = Object.fromEntries(upstreams.map((d) => [d.spec.host, d.spec.trafficPolicy]));
    expect(Object.keys(rules).sort()).toEqual(['canary.example.net', 'pets-b.shop.svc.cluster.local', 'pets.shop.svc.cluster.local', 'shadow']);
    expect(rules['pets.shop.svc.cluster.local']).toEqual({
      loadBalancer: { simple: 'LEAST_REQUEST' },
      connectionPool: { tcp: { connectTimeout: '2s' } },
      outlierDetection: { splitExternalLocalOriginErrors: true, consecutive5xxErrors: 4, consecutiveLocalOriginFailures: 2, baseEjectionTime: '15s', maxEjectionPercent: 30 },
    });
    expect(rules['canary.example.net']).toMatchObject({ loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } }, tls: { mode: 'SIMPLE', sni: 'canary.example.net' } });
  });

  it('hands each call to Tollgate as the CUSTOM provider, and names the JWT issuers of subscribed apps', () => {
    const [policy] = ofKind(m, 'AuthorizationPolicy');
    expect(policy!.metadata.namespace).toBe('istio-system');
    expect(policy!.spec).toEqual({
      selector: { matchLabels: { istio: 'ingressgateway' } },
      action: 'CUSTOM',
      provider: { name: 'tollgate-ext-authz' },
      rules: [{ to: [{ operation: { hosts: ['pets.example.test', 'pets.example.test:*', '*.pets.example.org'] } }] }],
    });
    const [auth] = ofKind(m, 'RequestAuthentication');
    expect(auth!.spec.jwtRules).toEqual([
      { issuer: 'https://idp.example.test', jwksUri: 'https://idp.example.test/jwks', audiences: ['pets', 'pets-admin'], forwardOriginalToken: true },
      { issuer: 'https://inline.example.test', jwks: '{"keys":[{"kty":"OKP","crv":"Ed25519","x":"abc"}]}', forwardOriginalToken: true },
    ]);
    expect(m.notes.join('\n')).toMatch(/not a JWT/);
  });

  it('writes the meshConfig entry with the credential headers, in the fields Istio\u2019s MeshConfig documents', () => {
    // Not a CRD (it is part of MeshConfig, which no typed model covers): checked against the field lists of
    // MeshConfig.ExtensionProvider.EnvoyExternalAuthorization{Http,Grpc}Provider in istio.io's reference.
    const httpFields = ['service', 'port', 'timeout', 'pathPrefix', 'failOpen', 'statusOnError', 'includeRequestHeadersInCheck', 'includeAdditionalHeadersInCheck', 'includeRequestBodyInCheck', 'headersToUpstreamOnAllow', 'headersToDownstreamOnDeny', 'headersToDownstreamOnAllow'];
    const grpcFields = ['service', 'port', 'timeout', 'failOpen', 'statusOnError', 'includeRequestBodyInCheck'];
    const [http] = m.meshConfig!.extensionProviders as any[];
    expect(Object.keys(http)).toEqual(['name', 'envoyExtAuthzHttp']);
    expect(http.name).toBe('tollgate-ext-authz');
    expect(Object.keys(http.envoyExtAuthzHttp).filter((k) => !httpFields.includes(k))).toEqual([]);
    expect(http.envoyExtAuthzHttp).toMatchObject({ service: 'tollgate-gateway.tollgate.svc.cluster.local', port: 8081, pathPrefix: '/ext-authz', failOpen: false, headersToUpstreamOnAllow: ['x-tollgate-*'] });
    expect(http.envoyExtAuthzHttp.includeRequestHeadersInCheck).toEqual(['authorization', 'x-api-key', 'x-pets-key', 'x-request-id', 'traceparent', 'tracestate', 'x-forwarded-for', 'x-envoy-external-address']);
    expect(http.envoyExtAuthzHttp.headersToDownstreamOnDeny).toEqual(expect.arrayContaining(['retry-after', 'www-authenticate', 'x-request-id']));
    expect(http.envoyExtAuthzHttp.headersToDownstreamOnAllow).toContain('ratelimit-policy');
    for (const list of ['includeRequestHeadersInCheck', 'headersToUpstreamOnAllow', 'headersToDownstreamOnDeny', 'headersToDownstreamOnAllow']) {
      expect(http.envoyExtAuthzHttp[list].every((h: unknown) => typeof h === 'string' && /^[a-z0-9-]+\*?$/.test(h)), list).toBe(true);
    }
    const grpc = (build(pets(), { target: 'istio', authorizer: 'grpc', provider: 'tg-grpc' }).meshConfig!.extensionProviders as any[])[0];
    expect(Object.keys(grpc)).toEqual(['name', 'envoyExtAuthzGrpc']);
    expect(Object.keys(grpc.envoyExtAuthzGrpc).filter((k) => !grpcFields.includes(k))).toEqual([]);
    expect(grpc.envoyExtAuthzGrpc).toMatchObject({ port: 9191, failOpen: false });
  });

  it('streams the ingress access log to the gateway, and keeps one ingress pod\u2019s checks and log on one gateway pod', () => {
    // MeshConfig.ExtensionProvider.EnvoyHttpGrpcV3LogProvider's fields in istio.io's reference.
    const alsFields = ['service', 'port', 'logName', 'filterStateObjectsToLog', 'additionalRequestHeadersToLog', 'additionalResponseHeadersToLog', 'additionalResponseTrailersToLog'];
    const grpc = build(pets(), { target: 'istio', authorizer: 'grpc' });
    const [, als] = grpc.meshConfig!.extensionProviders as any[];
    expect(Object.keys(als)).toEqual(['name', 'envoyHttpAls']);
    expect(Object.keys(als.envoyHttpAls).filter((k) => !alsFields.includes(k))).toEqual([]);
    expect(als).toEqual({ name: 'tollgate-access-log', envoyHttpAls: { service: 'tollgate-gateway.tollgate.svc.cluster.local', port: 9191, logName: 'tollgate', additionalRequestHeadersToLog: ['x-tollgate-app'] } });
    const [telemetry] = ofKind(grpc, 'Telemetry');
    expect(telemetry!.metadata.namespace).toBe('istio-system');
    expect(telemetry!.spec).toEqual({ selector: { matchLabels: { istio: 'ingressgateway' } }, accessLogging: [{ providers: [{ name: 'tollgate-access-log' }] }] });
    const affinity = ofKind(grpc, 'DestinationRule').find((d) => d.metadata.name === 'tollgate-gateway-affinity')!;
    // The gRPC check and the log share 9191: one port pinned, proxied calls on 8081 balanced as before.
    expect(affinity.spec).toEqual({
      host: 'tollgate-gateway.tollgate.svc.cluster.local',
      exportTo: ['.'],
      trafficPolicy: { portLevelSettings: [{ port: { number: 9191 }, loadBalancer: { consistentHash: { useSourceIp: true } } }] },
    });
    expectSchemaClean(grpc);
    // Over HTTP the check shares the proxy port, which the notes warn about; both ports are pinned.
    expect((ofKind(m, 'DestinationRule').find((d) => d.metadata.name === 'tollgate-gateway-affinity')!.spec.trafficPolicy as any).portLevelSettings.map((p: any) => p.port.number)).toEqual([8081, 9191]);
    expect(m.notes.join('\n')).toMatch(/prefer authorizer=grpc/);
    // failOpen is the operator's choice, said out loud in the notes.
    expect(m.notes.join('\n')).not.toMatch(/failOpen is true/);
    const open = build(pets(), { target: 'istio', authorizer: 'grpc', failOpen: 'true' });
    expect((open.meshConfig!.extensionProviders as any[])[0].envoyExtAuthzGrpc.failOpen).toBe(true);
    expect(open.notes.join('\n')).toMatch(/failOpen is true: .* no check, no limit and no record; the access log counts them/);
    const without = build(pets(), { target: 'istio', accessLog: 'none' });
    expect(without.items.map((i) => i.kind)).not.toContain('Telemetry');
    expect(without.meshConfig!.extensionProviders).toHaveLength(1);
  });

  it('catches a misspelt field that validate() alone lets through', () => {
    const vs = structuredClone(ofKind(m, 'VirtualService')[0]!);
    vs.spec.http[0].retries = { attempt: 0 };
    expect(() => validateObject(vs)).not.toThrow();
    expect(unknownFields(vs)).toEqual(['spec.http.0.retries.attempt']);
    // And validate() itself refuses what the schema types forbid.
    const policy = structuredClone(ofKind(m, 'AuthorizationPolicy')[0]!);
    policy.spec.action = 'DELEGATE';
    expect(() => validateObject(policy)).toThrow(/action/);
  });

  it('names the cluster as the query says', () => {
    const named = build(pets(), { target: 'istio', namespace: 'shop', gateway: 'edge/public', gatewaySelector: 'app=edge,tier=front', provider: 'authz' });
    expectSchemaClean(named);
    expect(ofKind(named, 'VirtualService')[0]!.metadata.namespace).toBe('shop');
    expect(ofKind(named, 'VirtualService')[0]!.spec.gateways).toEqual(['edge/public']);
    expect(ofKind(named, 'AuthorizationPolicy')[0]!.metadata.namespace).toBe('edge');
    expect(ofKind(named, 'AuthorizationPolicy')[0]!.spec.selector).toEqual({ matchLabels: { app: 'edge', tier: 'front' } });
    expect(ofKind(named, 'AuthorizationPolicy')[0]!.spec.provider).toEqual({ name: 'authz' });
  });
});

describe('Istio objects in proxy mode', () => {
  it('send the hosts to the Tollgate gateway with retries off and a timeout past the gateway\u2019s own', () => {
    const m = build(pets(), { target: 'istio', mode: 'proxy', host: 'api.example.test' });
    expectSchemaClean(m);
    expect(m.meshConfig).toBeNull();
    const [vs] = ofKind(m, 'VirtualService');
    expect(vs!.spec.hosts).toEqual(['pets.example.test', '*.pets.example.org', 'api.example.test']);
    expect(vs!.spec.http).toEqual([
      { name: 'tollgate-gateway', match: [{ uri: { prefix: '/' } }], route: [{ destination: { host: 'tollgate-gateway.tollgate.svc.cluster.local', port: { number: 8081 } } }], timeout: '16s', retries: { attempts: 0 } },
    ]);
  });

  it('is the mode of an AI service, which needs a host and has no authorizer mode', () => {
    const ai: MeshService = { slug: 'writer', kind: 'ai', rest: null, apis: [api('Chat completions', ['POST'], '/v1/chat/completions')], jwt: [] };
    const m = build(ai, { target: 'istio', host: 'ai.example.test' });
    expect(m.mode).toBe('proxy');
    expectSchemaClean(m);
    expect(ofKind(m, 'VirtualService')[0]!.spec.http[0]).not.toHaveProperty('timeout');
    const refused = (q: Record<string, string>) => {
      try {
        build(ai, q);
      } catch (err) {
        return err as ApiError;
      }
      throw new Error('not refused');
    };
    expect(refused({ target: 'istio', mode: 'authorizer' })).toMatchObject({ status: 400, message: expect.stringMatching(/^mode: /) });
    expect(refused({ target: 'gateway-api' })).toMatchObject({ status: 400, message: expect.stringMatching(/^host: /) });
  });
});

describe('Gateway API objects', () => {
  it('route matches, weights and timeouts, with a ReferenceGrant for the other namespace, all valid against the CRDs', () => {
    const m = build(pets(), { target: 'gateway-api' });
    expect(m.items.map((i) => i.kind)).toEqual(['ReferenceGrant', 'HTTPRoute']);
    expectSchemaClean(m);
    const [grant] = ofKind(m, 'ReferenceGrant');
    expect(grant!.metadata.namespace).toBe('shop');
    expect(grant!.spec.from).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default' }]);
    const [route] = ofKind(m, 'HTTPRoute');
    expect(route!.spec.parentRefs).toEqual([{ name: 'istio-ingressgateway', namespace: 'istio-system' }]);
    const rules = route!.spec.rules as any[];
    expect(rules[0].backendRefs).toEqual([
      { name: 'pets', namespace: 'shop', port: 8080, weight: 45 },
      { name: 'pets-b', namespace: 'shop', port: 8080, weight: 45 },
      { group: 'networking.istio.io', kind: 'Hostname', name: 'canary.example.net', port: 443, weight: 10 },
    ]);
    expect(rules.every((r) => r.timeouts.request === '15s')).toBe(true);
    // The prefix API's exact and prefix matches are separate rules, each with its own kind of rewrite.
    const files = rules.filter((r) => r.matches[0].path.value.startsWith('/files'));
    expect(files[0]).toMatchObject({ matches: [{ path: { type: 'Exact', value: '/files' }, method: 'GET' }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/' } } }] });
    expect(files[1]).toMatchObject({ matches: [{ path: { type: 'PathPrefix', value: '/files/' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }] });
    // A 5% mirror is not standard Gateway API: left out and said so, rather than mirroring every call.
    expect(rules.some((r) => r.filters?.some((f: any) => f.type === 'RequestMirror'))).toBe(false);
    expect(m.notes.join('\n')).toMatch(/mirrors 5% of calls/);
  });

  it('mirror every call when the policy says 100%, and split rules and routes at the CRD\u2019s limits', () => {
    const service = pets();
    service.rest!.traffic.mirror = { upstream: 'shadow', percent: 100 };
    const methods = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'];
    service.apis = Array.from({ length: 9 }, (_, i) => api(`Op ${i}`, methods, `/r${i}/{id}`, { pathType: 'prefix' })).concat(api('Wide', [...methods], '/wide'));
    service.apis.push(api('Wider', methods, '/a/b/c/d/e/f/g/h/i'));
    // A prefix rewrite over two methods: one PathPrefix match per rule, as the CRD's CEL rule wants.
    service.apis.push(api('Uploads', ['GET', 'PUT'], '/uploads', { pathType: 'prefix', rewrite: { stripPrefix: true } }));
    const m = build(service, { target: 'gateway-api' });
    expectSchemaClean(m);
    const routes = ofKind(m, 'HTTPRoute');
    expect(routes.map((r) => r.metadata.name)).toEqual(['tollgate-pets']);
    const uploads = (routes[0]!.spec.rules as any[]).filter((r) => r.matches[0].path.value.startsWith('/uploads'));
    expect(uploads.map((r) => r.matches.map((x: any) => `${x.method} ${x.path.type} ${x.path.value}`))).toEqual([['GET Exact /uploads', 'PUT Exact /uploads'], ['GET PathPrefix /uploads/'], ['PUT PathPrefix /uploads/']]);
    const broken = structuredClone(routes[0]!);
    broken.spec.rules = [{ ...uploads[1], matches: [...uploads[1].matches, ...uploads[2].matches] }];
    expect(celViolations(broken)).toEqual(['rules.0: ReplacePrefixMatch needs exactly one PathPrefix match']);
    const many = pets();
    many.apis = Array.from({ length: 20 }, (_, i) => api(`Op ${i}`, ['GET'], `/op${i}`));
    const split = build(many, { target: 'gateway-api' });
    expectSchemaClean(split);
    expect(ofKind(split, 'HTTPRoute').map((r) => [r.metadata.name, r.spec.rules.length])).toEqual([['tollgate-pets', 16], ['tollgate-pets-2', 4]]);
    expect((routes[0]!.spec.rules as any[])[0].filters).toContainEqual({ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 9000 } } });
  });

  it('in proxy mode send every path to the Tollgate gateway Service', () => {
    const m = build(pets(), { target: 'gateway-api', mode: 'proxy', namespace: 'tollgate' });
    expectSchemaClean(m);
    expect(ofKind(m, 'HTTPRoute')[0]!.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'tollgate-gateway', port: 8081 }], timeouts: { request: '16s' } }]);
  });
});

describe('what cannot be routed', () => {
  it('is a clear 409 or 400', () => {
    const refusal = (service: MeshService, q: Record<string, string>) => {
      try {
        build(service, q);
        return null;
      } catch (err) {
        return err instanceof ApiError ? `${err.status} ${err.message}` : String(err);
      }
    };
    const noHosts = pets();
    noHosts.rest!.hosts = [];
    expect(refusal(noHosts, { target: 'istio' })).toMatch(/^409 The live release has no hosts/);
    const noApis = pets();
    noApis.apis = [];
    expect(refusal(noApis, { target: 'istio' })).toMatch(/^409 The live release has no APIs/);
    const noNodes = pets();
    noNodes.rest!.upstreams = [];
    expect(refusal(noNodes, { target: 'gateway-api' })).toMatch(/^409 The live release has no upstream nodes/);
    expect(refusal(pets(), { target: 'istio', host: 'x.example.test' })).toMatch(/^400 host: only mode=proxy/);
  });
});
