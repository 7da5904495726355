import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { restIds, restKeys, type RestSnapshotOptions } from '../../testing/rest-snapshot';
import { checkSnapshot } from '../check-snapshot';
import { startRestUpstream, type RestUpstreamServer } from '../../testing/rest-upstream';
import { extAuthzUpstream } from '../check-pipeline';
import { envoyCheck, headersOf, httpStatusNumber, startGrpcGateway, type GrpcGateway } from './grpc-harness';

/**
 * Tollgate as Envoy's gRPC ext_authz service (`envoy.service.auth.v3.Authorization/Check`), on real loopback
 * HTTP/2 with a grpc-js client built from the same protos. Each CheckRequest is shaped as Envoy's filter
 * sends it (see `envoyCheck`).
 */
let node: RestUpstreamServer;
const started: GrpcGateway[] = [];
let mesh: GrpcGateway;

const snapshot = (o: Partial<RestSnapshotOptions> = {}) => checkSnapshot(node.url, o);

async function start(o: Partial<RestSnapshotOptions> | null, deps: Parameters<typeof startGrpcGateway>[1] = { trustedProxies: ['127.0.0.1'] }) {
  const g = await startGrpcGateway(o === null ? null : snapshot(o), deps);
  started.push(g);
  return g;
}

beforeAll(async () => {
  node = await startRestUpstream('a');
  mesh = await start({});
});
afterAll(async () => {
  for (const g of started) await g.close();
  await node.close();
});

const recordsOf = async (g: GrpcGateway, requestId: string) => {
  for (let i = 0; i < 40; i++) {
    const found = (await g.gateway.flushed()).filter((r) => r.requestId === requestId);
    if (found.length) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  return [];
};

const denialOf = (r: Awaited<ReturnType<GrpcGateway['check']>>) => {
  const denied = r.response!.denied_response!;
  return { rpc: r.response!.status.code, http: httpStatusNumber(denied.status.code), headers: headersOf(denied.headers), body: JSON.parse(denied.body) as { error: Record<string, string> } };
};

describe('allow', () => {
  it('answers OK with the identity for the upstream, the RateLimit headers for the client, and strips the key', async () => {
    const { request, requestId } = envoyCheck('POST', '/items?color=red', { 'x-api-key': restKeys.approved, 'x-tollgate-app': 'app_forged' });
    const before = node.requests.length;
    const r = await mesh.check(request);
    expect(r.error).toBeUndefined();
    expect(r.response!.status.code).toBe(status.OK);
    const ok = r.response!.ok_response!;
    expect(headersOf(ok.headers)).toEqual({
      'x-tollgate-app': restIds.app,
      'x-tollgate-team': restIds.team,
      'x-tollgate-subscription': restIds.subscription,
      'x-request-id': requestId,
    });
    // Overwrite, not append: the forged x-tollgate-app the client sent must not survive beside the real one.
    for (const option of ok.headers) expect(option).toMatchObject({ append: { value: false }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
    const toClient = headersOf(ok.response_headers_to_add);
    expect(toClient['ratelimit-policy']).toMatch(/;q=1000;w=60/);
    expect(toClient['ratelimit']).toMatch(/;r=999;/);
    // Only the RateLimit fields reach the client: nothing of the identity, no content headers of an empty 200.
    expect(Object.keys(toClient).every((name) => /ratelimit/.test(name))).toBe(true);
    expect(ok.headers_to_remove).toEqual(['x-api-key']);
    expect(ok.query_parameters_to_remove ?? []).toEqual([]);
    expect(node.requests.length).toBe(before);
  });

  it('strips the Authorization header when the key came as a Bearer token, and routes by slug', async () => {
    const { request } = envoyCheck('GET', '/pets/items', { authorization: `Bearer ${restKeys.approved}` }, { host: '127.0.0.1:8081' });
    const r = await mesh.check(request);
    expect(r.response!.status.code).toBe(status.OK);
    expect(r.response!.ok_response!.headers_to_remove).toEqual(['authorization']);
  });

  it('writes one call record per check, under Envoy’s request id, with Envoy’s downstream address as the client', async () => {
    const { request, requestId } = envoyCheck('GET', '/items', { 'x-api-key': restKeys.approved }, { clientIp: '192.0.2.44' });
    expect((await mesh.check(request)).response!.status.code).toBe(status.OK);
    const records = await recordsOf(mesh, requestId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ method: 'GET', path: '/items', status: 200, failed: false, appId: restIds.app, subscriptionId: restIds.subscription, upstream: extAuthzUpstream, upstreamNode: null });
  });

  it('counts per-IP limits on attributes.source, not on x-forwarded-for', async () => {
    const perIp = await start({ planLimits: { requestsPerMinute: 1_000, perIp: { requestsPerMinute: 1 } } });
    const call = (clientIp: string, xff: string) => perIp.check(envoyCheck('GET', '/items', { 'x-api-key': restKeys.approved, 'x-forwarded-for': xff }, { clientIp }).request);
    expect((await call('192.0.2.1', '198.51.100.1')).response!.status.code).toBe(status.OK);
    // Same client behind another forwarded address: still the same client.
    expect((await call('192.0.2.1', '198.51.100.2')).response!.status.code).toBe(status.RESOURCE_EXHAUSTED);
    // Another client with the first one's forwarded address: its own count.
    expect((await call('192.0.2.2', '198.51.100.1')).response!.status.code).toBe(status.OK);
  });
});

describe('deny: the proxy mode’s status, headers and body', () => {
  it('401 UNAUTHENTICATED for a key that does not exist, with the JSON error and the request id', async () => {
    const { request, requestId } = envoyCheck('GET', '/items', { 'x-api-key': 'tg_test_key_doesnotexist1' });
    const d = denialOf(await mesh.check(request));
    expect(d).toMatchObject({ rpc: status.UNAUTHENTICATED, http: 401 });
    expect(d.headers['content-type']).toMatch(/application\/json/);
    expect(d.headers['x-request-id']).toBe(requestId);
    expect(d.body.error).toMatchObject({ code: 'invalid_api_key', requestId });
  });

  it('403 PERMISSION_DENIED while the subscription is pending or missing, and the record says so', async () => {
    const pending = envoyCheck('GET', '/items', { 'x-api-key': restKeys.pending });
    expect(denialOf(await mesh.check(pending.request))).toMatchObject({ rpc: status.PERMISSION_DENIED, http: 403, body: { error: { code: 'subscription_pending' } } });
    expect(await recordsOf(mesh, pending.requestId)).toMatchObject([{ status: 403, failed: true, errorCode: 'subscription_pending', upstream: extAuthzUpstream }]);
    const none = envoyCheck('GET', '/items', { 'x-api-key': restKeys.unsubscribed });
    expect(denialOf(await mesh.check(none.request))).toMatchObject({ rpc: status.PERMISSION_DENIED, http: 403, body: { error: { code: 'not_subscribed' } } });
  });

  it('404 NOT_FOUND for a path the service has no API at', async () => {
    const d = denialOf(await mesh.check(envoyCheck('GET', '/owners', { 'x-api-key': restKeys.approved }).request));
    expect(d).toMatchObject({ rpc: status.NOT_FOUND, http: 404, body: { error: { code: 'route_not_found' } } });
  });

  it('needs an AI call\u2019s body, and refuses a prompt API: it renders a template only the gateway has', async () => {
    const d = denialOf(await mesh.check(envoyCheck('POST', '/v1/chat/completions', { 'x-api-key': restKeys.approved }).request));
    expect(d).toMatchObject({ rpc: status.INVALID_ARGUMENT, http: 400, body: { error: { code: 'ext_authz_body_required' } } });
    const said = denialOf(await mesh.check(envoyCheck('POST', '/llm/say', { 'x-api-key': restKeys.approved }).request));
    expect(said).toMatchObject({ rpc: status.NOT_FOUND, http: 404 });
    expect(said.body.error).toMatchObject({ code: 'ext_authz_not_supported', message: expect.stringMatching(/POST \/llm\/say needs the gateway itself/) });
  });

  it('429 RESOURCE_EXHAUSTED with Retry-After and the RateLimit headers once the plan’s limit is spent', async () => {
    const limited = await start({ planLimits: { requestsPerMinute: 2 } });
    const check = () => limited.check(envoyCheck('GET', '/items', { 'x-api-key': restKeys.approved }).request);
    for (let i = 0; i < 2; i++) expect((await check()).response!.status.code).toBe(status.OK);
    const d = denialOf(await check());
    expect(d).toMatchObject({ rpc: status.RESOURCE_EXHAUSTED, http: 429, body: { error: { code: 'rate_limit_exceeded' } } });
    expect(Number(d.headers['retry-after'])).toBeGreaterThan(0);
    expect(d.headers['x-ratelimit-remaining']).toBe('0');
    expect(d.headers['ratelimit']).toMatch(/;r=0;/);
  });
});

describe('who may ask, and what cannot be checked', () => {
  it('denies 403 ext_authz_untrusted to a peer outside the trusted proxies, and records nothing', async () => {
    const elsewhere = await start({}, { trustedProxies: ['10.0.0.0/8'] });
    const { request, requestId } = envoyCheck('GET', '/items', { 'x-api-key': restKeys.approved });
    const d = denialOf(await elsewhere.check(request));
    expect(d).toMatchObject({ rpc: status.PERMISSION_DENIED, http: 403, body: { error: { code: 'ext_authz_untrusted', requestId } } });
    expect((await elsewhere.gateway.flushed()).filter((x) => x.requestId === requestId)).toEqual([]);
  });

  it('answers UNAVAILABLE, not a denial, while there is no snapshot: Envoy’s failure mode decides', async () => {
    const starting = await start(null);
    const r = await starting.check(envoyCheck('GET', '/items', { 'x-api-key': restKeys.approved }).request);
    expect(r.response).toBeUndefined();
    expect(r.error!.code).toBe(status.UNAVAILABLE);
    expect(r.error!.details).toMatch(/no configuration yet/);
  });

  it('denies a malformed CheckRequest with a clear 400, never a crash', async () => {
    const cases: [object, RegExp][] = [
      [{}, /attributes\.request\.http is missing/],
      [{ attributes: { request: {} } }, /attributes\.request\.http is missing/],
      [{ attributes: { request: { http: { method: 'GET', host: 'pets.example.org' } } } }, /origin-form path/],
      [{ attributes: { request: { http: { method: 'GET', path: '/items', host: 'evil.example/v1' } } } }, /no valid host/],
      [{ attributes: { request: { http: { path: '/items', host: 'pets.example.org' } } } }, /no request method/],
      [{ attributes: { request: { http: { method: 'TRACE', path: '/items', host: 'pets.example.org' } } } }, /cannot be checked/],
    ];
    for (const [request, message] of cases) {
      const d = denialOf(await mesh.check(request));
      expect(d, JSON.stringify(request)).toMatchObject({ rpc: status.INVALID_ARGUMENT, http: 400, body: { error: { code: 'ext_authz_malformed_check' } } });
      expect(d.body.error.message).toMatch(message);
    }
  });

  it('takes raw headers (encode_raw_headers) and pseudo-headers for missing fields', async () => {
    const raw = (key: string, value: string) => ({ key, raw_value: Buffer.from(value) });
    const request = {
      attributes: {
        request: {
          http: {
            header_map: { headers: [raw(':method', 'GET'), raw(':path', '/items'), raw(':authority', 'pets.example.org'), raw('x-api-key', restKeys.approved)] },
          },
        },
      },
    };
    const r = await mesh.check(request);
    expect(r.response!.status.code).toBe(status.OK);
    expect(r.response!.ok_response!.headers_to_remove).toEqual(['x-api-key']);
  });
});
