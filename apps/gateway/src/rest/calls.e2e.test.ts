import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { request } from 'undici';
import type { CorsPolicy } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';
import { restIds, restKeys, restSnapshot, type RestSnapshotOptions } from '../testing/rest-snapshot';
import { startRestUpstream, type RestUpstreamServer } from '../testing/rest-upstream';

/** Who may call, how much, what the call record and metrics say, and CORS headers as seen on the wire. */
let node: RestUpstreamServer;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  node = await startRestUpstream('a');
  closers.push(node.close);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function gatewayWith(o: Partial<RestSnapshotOptions> = {}, deps: Parameters<typeof startTestGateway>[1] = {}) {
  const gateway = await startTestGateway(restSnapshot({ upstreams: [{ name: 'default', nodes: [{ url: node.url, weight: 1 }] }], apis: [{ path: '/items', methods: ['GET', 'POST'], name: 'items' }], ...o }), deps);
  closers.push(gateway.close);
  const call = async (init: { key?: string | null; method?: 'GET' | 'POST' | 'OPTIONS'; headers?: Record<string, string>; body?: string; path?: string } = {}) => {
    const key = init.key === undefined ? restKeys.approved : init.key;
    const res = await request(`${gateway.url}${init.path ?? '/pets/items'}`, {
      method: init.method ?? 'GET',
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...init.headers },
      body: init.body,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: () => (text ? JSON.parse(text) : null) };
  };
  return { gateway, call };
}

describe('who may call', () => {
  it("refuses another team's key and a pending subscription with 403 naming why; the upstream sees nothing", async () => {
    const { call } = await gatewayWith();
    node.requests.length = 0;
    const other = await call({ key: restKeys.otherTeam });
    expect(other.status).toBe(403);
    expect(other.json().error).toMatchObject({ code: 'not_subscribed', message: "App 'other team app' is not subscribed to service 'Pets', which offers 'GET /items'. Subscribe to it in the portal." });
    const pending = await call({ key: restKeys.pending });
    expect(pending.json().error).toMatchObject({ code: 'subscription_pending', message: expect.stringMatching(/pending approval/) });
    expect((await call({ key: 'tg_made_up_key_0000000000' })).status).toBe(401);
    expect(node.requests).toHaveLength(0);
  });
});

describe('limits', () => {
  it("apply an API's own limit per subscription with 429 and RateLimit headers, in one limiter call with the plan's", async () => {
    const { call } = await gatewayWith({
      planLimits: { requestsPerMinute: 100 },
      apis: [{ path: '/items', name: 'items', limits: { requestsPerMinute: 2 } }, { path: '/other', name: 'other' }],
    });
    expect((await call()).status).toBe(200);
    const second = await call();
    expect(second.headers['ratelimit-policy']).toBe('"plan-requests-min";q=100;w=60, "api-requests-min";q=2;w=60');
    const third = await call();
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBeDefined();
    expect(third.headers.ratelimit).toContain('"api-requests-min";r=0');
    expect(third.json().error).toMatchObject({ code: 'rate_limit_exceeded', message: expect.stringContaining("API 'items' of plan 'pets-basic'") });
    // Another API of the same service is not counted against it.
    expect((await call({ path: '/pets/other' })).status).toBe(200);
  });

  it("apply the plan's request limits across the service's APIs", async () => {
    const { call } = await gatewayWith({ planLimits: { requestsPerMinute: 2 }, apis: [{ path: '/items' }, { path: '/other' }] });
    expect((await call()).status).toBe(200);
    expect((await call({ path: '/pets/other' })).status).toBe(200);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.json().error.message).toContain("plan 'pets-basic'");
  });
});

describe('metering', () => {
  it('records the REST call: ids, api and route, upstream and node, bytes each way, TTFT, and counts it under its route', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const { call, gateway } = await gatewayWith({}, { logger: pino({ level: 'info' }, sink) });
    const res = await call({ method: 'POST', body: 'x'.repeat(1_000), headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
    const [record] = await gateway.flushed();
    expect(record).toMatchObject({
      serviceId: restIds.service,
      subscriptionId: restIds.subscription,
      appId: restIds.app,
      teamId: restIds.team,
      keyId: 'key_approved000',
      api: 'rest:api_test00000000',
      route: '/items',
      upstream: 'default',
      upstreamNode: node.url,
      method: 'POST',
      path: '/pets/items',
      status: 200,
      failed: false,
      bytesIn: 1_000,
      bytesOut: Buffer.byteLength(res.text),
      costMicroUsd: 0,
      inputTokens: 0,
    });
    expect(record!.ttftMs).toBeGreaterThanOrEqual(0);
    expect(record!.latencyMs).toBeGreaterThanOrEqual(record!.ttftMs!);
    const metrics = await (await request(`${gateway.url}/metrics`)).body.text();
    expect(metrics).toContain('tollgate_gateway_requests_total{route="rest:api_test00000000",status="2xx"} 1');
    // The wide log event of the call says the same.
    expect(lines.find((l) => l.msg === 'call')).toMatchObject({ api: 'rest:api_test00000000', route: '/items', upstream: 'default', upstreamNode: node.url, status: 200, bytesIn: 1_000 });
  });

  it('captures bodies, redacted, for a service with capture on', async () => {
    const { call, gateway } = await gatewayWith({ capture: ['password'] });
    await call({ method: 'POST', body: JSON.stringify({ user: 'ann', password: 'hunter2' }), headers: { 'content-type': 'application/json' } });
    const [record] = await gateway.flushed();
    expect(record!.bodies!.request).toContain('"user":"ann"');
    expect(record!.bodies!.request).not.toContain('hunter2');
    expect(record!.bodies!.response).toContain('"node":"a"');
  });
});

describe('CORS on the wire', () => {
  const cors: CorsPolicy = { allowOrigins: ['https://app.example.com'], allowMethods: ['GET', 'POST'], allowHeaders: ['authorization', 'content-type'], exposeHeaders: ['x-request-id'], allowCredentials: true, maxAgeSeconds: 300 };

  it('answers a preflight itself without a key, and refuses one from another origin without CORS headers', async () => {
    const { call } = await gatewayWith({ cors });
    node.requests.length = 0;
    const preflight = await call({ key: null, method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '300',
    });
    expect(preflight.headers.vary).toContain('Origin');
    const foreign = await call({ key: null, method: 'OPTIONS', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' } });
    expect(foreign.status).toBe(403);
    expect(foreign.json().error.code).toBe('cors_origin_not_allowed');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    expect(node.requests).toHaveLength(0);
  });

  it('adds the CORS headers to answers and errors for an allowed origin', async () => {
    const { call } = await gatewayWith({ cors });
    const ok = await call({ headers: { origin: 'https://app.example.com' } });
    expect(ok.headers).toMatchObject({ 'access-control-allow-origin': 'https://app.example.com', 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'x-request-id', vary: 'Origin' });
    const denied = await call({ key: null, headers: { origin: 'https://app.example.com' } });
    expect(denied.status).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const foreign = await call({ headers: { origin: 'https://evil.example.com' } });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    expect(foreign.headers.vary).toBe('Origin');
  });
});
