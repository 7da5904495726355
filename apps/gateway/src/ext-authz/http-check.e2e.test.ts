import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startTestGateway } from '../testing/gateway-harness';
import { restIds, restKeys, type RestSnapshotOptions } from '../testing/rest-snapshot';
import { checkSnapshot } from './check-snapshot';
import { startRestUpstream, type RestUpstreamServer } from '../testing/rest-upstream';
import { extAuthzUpstream } from './http-check';

/**
 * Tollgate as Envoy's HTTP ext_authz service (ADR 0035), on real loopback sockets. Each check is shaped as
 * Envoy's HTTP client sends it: the original method, `path_prefix` + the original path and query, the original
 * authority as Host, `content-length: 0`, and the headers Istio's `includeRequestHeadersInCheck` lists.
 */
let node: RestUpstreamServer;
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const gateways: Gateway[] = [];
let gateway: Gateway;

const snapshot = (o: Partial<RestSnapshotOptions> = {}) => checkSnapshot(node.url, o);

async function started(o: Partial<RestSnapshotOptions>, deps: Parameters<typeof startTestGateway>[1]) {
  const g = await startTestGateway(snapshot(o), deps);
  gateways.push(g);
  return g;
}

const mesh = { extAuthzPathPrefix: '/ext-authz', trustedProxies: ['127.0.0.1'] };

beforeAll(async () => {
  node = await startRestUpstream('a');
  gateway = await started({}, mesh);
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  await node.close();
});

let sequence = 0;
/** A check as Envoy sends it; `path` is the client's own path and query. */
async function check(g: Gateway, method: string, path: string, headers: Record<string, string> = {}) {
  const before = node.requests.length;
  const requestId = `0f6a3c2e-1b7d-4e0a-9c1f-${String(++sequence).padStart(12, '0')}`;
  const res = await request(`${g.url}/ext-authz${path}`, {
    method: method as 'GET',
    headers: { host: 'pets.example.org', 'content-length': '0', 'x-forwarded-for': '203.0.113.7', 'x-request-id': requestId, ...headers },
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, body: text ? (JSON.parse(text) as Record<string, any>) : null, upstreamCalled: node.requests.length > before, requestId };
}

const recordOf = async (g: Gateway, requestId: string) => {
  for (let i = 0; i < 40; i++) {
    const found = (await g.flushed()).filter((r) => r.requestId === requestId);
    if (found.length) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  return [];
};

describe('allow', () => {
  it('answers 200 with an empty body, the x-tollgate-* identity and the RateLimit headers, and never calls the upstream', async () => {
    const r = await check(gateway, 'POST', '/items?color=red', { 'x-api-key': restKeys.approved, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(r.headers['x-tollgate-app']).toBe(restIds.app);
    expect(r.headers['x-tollgate-team']).toBe(restIds.team);
    expect(r.headers['x-tollgate-subscription']).toBe(restIds.subscription);
    expect(r.headers['ratelimit-policy']).toMatch(/;q=1000;w=60/);
    expect(r.headers['ratelimit']).toMatch(/;r=999;/);
    expect(r.headers['x-request-id']).toBe(r.requestId);
    expect(r.upstreamCalled).toBe(false);
  });

  it('routes by slug as well as by host, and takes a Bearer key', async () => {
    const r = await check(gateway, 'GET', '/pets/items', { host: '127.0.0.1:8081', authorization: `Bearer ${restKeys.approved}` });
    expect(r.status).toBe(200);
    expect(r.headers['x-tollgate-app']).toBe(restIds.app);
  });

  it('writes one call record per check: the original method and path, the decision as status, upstream ext_authz', async () => {
    const r = await check(gateway, 'GET', '/items', { 'x-api-key': restKeys.approved });
    const records = await recordOf(gateway, r.requestId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      method: 'GET',
      path: '/items',
      status: 200,
      failed: false,
      appId: restIds.app,
      serviceId: restIds.service,
      subscriptionId: restIds.subscription,
      route: '/items',
      upstream: extAuthzUpstream,
      upstreamNode: null,
    });
    expect(records[0]!.api).toMatch(/^rest:api_test/);
  });
});

describe('deny: the proxy mode’s status, body and headers', () => {
  it('401 without a key, naming where to send one', async () => {
    const r = await check(gateway, 'GET', '/items');
    expect(r.status).toBe(401);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    expect(r.body!.error).toMatchObject({ code: 'invalid_api_key', requestId: r.requestId });
    expect(r.body!.error.message).toMatch(/^Missing API key/);
    expect(r.upstreamCalled).toBe(false);
  });

  it('401 for a key that does not exist', async () => {
    const r = await check(gateway, 'GET', '/items', { 'x-api-key': 'tg_test_key_doesnotexist1' });
    expect(r.status).toBe(401);
    expect(r.body!.error.code).toBe('invalid_api_key');
  });

  it('403 while the subscription is pending, and the record says so', async () => {
    const r = await check(gateway, 'GET', '/items', { 'x-api-key': restKeys.pending });
    expect(r.status).toBe(403);
    expect(r.body!.error.code).toBe('subscription_pending');
    const records = await recordOf(gateway, r.requestId);
    expect(records).toMatchObject([{ status: 403, failed: true, errorCode: 'subscription_pending', upstream: extAuthzUpstream }]);
  });

  it('404 route_not_found for a path the service has no API at, 405 with Allow for a method it does not take', async () => {
    const missing = await check(gateway, 'GET', '/owners', { 'x-api-key': restKeys.approved });
    expect(missing.status).toBe(404);
    expect(missing.body!.error.code).toBe('route_not_found');
    const method = await check(gateway, 'DELETE', '/items', { 'x-api-key': restKeys.approved });
    expect(method.status).toBe(405);
    expect(method.headers.allow).toBe('GET, POST');
  });

  it('decides a chat call on the body Envoy includes, and refuses what only the gateway can serve', async () => {
    const bare = await check(gateway, 'POST', '/v1/chat/completions', { 'x-api-key': restKeys.approved });
    expect(bare.status).toBe(400);
    expect(bare.body!.error).toMatchObject({ code: 'ext_authz_body_required', message: expect.stringMatching(/includeRequestBodyInCheck/) });
    // With includeRequestBodyInCheck the HTTP check carries the client's body as its own.
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const res = await request(`${gateway.url}/ext-authz/v1/chat/completions`, {
      method: 'POST',
      headers: { host: 'pets.example.org', 'content-type': 'application/json', 'x-api-key': restKeys.approved, 'x-request-id': 'ai-check-1' },
      body,
    });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-tollgate-subscription']).toBe('sub_approved000');
    const [record] = await recordOf(gateway, 'ai-check-1');
    expect(record).toMatchObject({ status: 200, upstream: extAuthzUpstream, model: 'gpt-4o-mini', bytesIn: Buffer.byteLength(body), usageProblem: 'usage_missing' });
    // A prompt API keeps its path even on a host routed to a REST service, as in the proxy mode: it renders a template.
    const said = await check(gateway, 'POST', '/llm/say', { 'x-api-key': restKeys.approved });
    expect(said.status).toBe(404);
    expect(said.body!.error).toMatchObject({ code: 'ext_authz_not_supported', message: expect.stringMatching(/POST \/llm\/say needs the gateway itself/) });
  });

  it('429 with Retry-After and the RateLimit headers once the plan’s limit is spent', async () => {
    const limited = await started({ planLimits: { requestsPerMinute: 2 } }, mesh);
    for (let i = 0; i < 2; i++) expect((await check(limited, 'GET', '/items', { 'x-api-key': restKeys.approved })).status).toBe(200);
    const r = await check(limited, 'GET', '/items', { 'x-api-key': restKeys.approved });
    expect(r.status).toBe(429);
    expect(r.body!.error.code).toBe('rate_limit_exceeded');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(r.headers['x-ratelimit-remaining']).toBe('0');
    expect(r.upstreamCalled).toBe(false);
  });
});

describe('who may ask, and when the feature is off', () => {
  it('answers 403 ext_authz_untrusted to a peer outside the trusted proxies, and records nothing', async () => {
    const elsewhere = await started({}, { extAuthzPathPrefix: '/ext-authz', trustedProxies: ['10.0.0.0/8'] });
    const r = await check(elsewhere, 'GET', '/items', { 'x-api-key': restKeys.approved });
    expect(r.status).toBe(403);
    expect(r.body!.error.code).toBe('ext_authz_untrusted');
    expect(r.headers['x-tollgate-app']).toBeUndefined();
    expect((await elsewhere.flushed()).filter((x) => x.requestId === r.requestId)).toEqual([]);
  });

  it('the prefix wins over a REST service whose slug is its first segment', async () => {
    const shadowed = await started({ slug: 'ext-authz', hosts: [] }, mesh);
    const before = node.requests.length;
    const res = await request(`${shadowed.url}/ext-authz/ext-authz/items`, { headers: { 'x-api-key': restKeys.approved } });
    await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(node.requests.length).toBe(before);
  });

  it('is off by default: the prefix is then a plain path (here an unknown URL)', async () => {
    const plain = await started({ hosts: [] }, { trustedProxies: ['127.0.0.1'] });
    const r = await check(plain, 'GET', '/items', { 'x-api-key': restKeys.approved });
    expect(r.status).toBe(404);
    expect(r.body!.error.code).toBe('unknown_url');
    expect(r.headers['x-tollgate-app']).toBeUndefined();
  });
});
