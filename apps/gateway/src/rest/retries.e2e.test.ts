import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { RetryPolicy } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';
import { restKeys, restSnapshot, type TestApi, type TestUpstream } from '../testing/rest-snapshot';
import { readBody, startRestUpstream, startResettingNode, type RestUpstreamServer } from '../testing/rest-upstream';

/**
 * Retries and failures against real nodes on loopback: one answering 503, one answering 500, one slow, one
 * that resets every connection, a closed port, and a good one.
 */
let good: RestUpstreamServer;
let unavailable: RestUpstreamServer;
let broken: RestUpstreamServer;
let slow: RestUpstreamServer;
let resetting: Awaited<ReturnType<typeof startResettingNode>>;
let closedPort: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  good = await startRestUpstream('good');
  unavailable = await startRestUpstream('unavailable', async (req, res, seen) => {
    await readBody(req, seen);
    res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
  });
  broken = await startRestUpstream('broken', async (req, res, seen) => {
    await readBody(req, seen);
    res.writeHead(500, { 'content-type': 'application/json' }).end('{"upstream":"own error"}');
  });
  slow = await startRestUpstream('slow', async (req, res, seen) => {
    await readBody(req, seen);
    setTimeout(() => res.end('late'), 1_500).unref();
  });
  resetting = await startResettingNode();
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  closers.push(good.close, unavailable.close, broken.close, slow.close, resetting.close);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const generous: RetryPolicy = { attempts: 2, budgetPercent: 100, minPerSecond: 1_000 };
// Outlier ejection off: these tests count where each attempt went.
const noEjection = { consecutive5xx: 1_000_000, consecutiveConnectFailures: 1_000_000, baseEjectionMs: 1, maxEjectionMs: 1, maxEjectedPercent: 0 };

async function gatewayWith(nodes: string[], o: { retries?: RetryPolicy; api?: Partial<TestApi>; upstream?: Partial<TestUpstream> } = {}) {
  const gateway = await startTestGateway(
    restSnapshot({
      upstreams: [{ name: 'default', nodes: nodes.map((url) => ({ url, weight: 1 })), retries: o.retries ?? generous, outlier: noEjection, ...o.upstream }],
      apis: [{ path: '/items', methods: ['GET', 'POST', 'PUT'], ...o.api }],
    }),
  );
  closers.push(gateway.close);
  const call = async (method: 'GET' | 'POST' | 'PUT', body?: string) => {
    const res = await request(`${gateway.url}/pets/items`, { method, headers: { authorization: `Bearer ${restKeys.approved}` }, body });
    const text = await res.body.text();
    return { status: res.statusCode, text, headers: res.headers };
  };
  const many = async (n: number, method: 'GET' | 'POST' | 'PUT', body?: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) statuses.push((await call(method, body)).status);
    return statuses;
  };
  return { gateway, call, many };
}

const count = (list: number[], status: number) => list.filter((s) => s === status).length;
const reset = (...servers: RestUpstreamServer[]) => servers.forEach((s) => (s.requests.length = 0));

describe('REST retries', () => {
  it('retry a GET answered 503 on another node, and pass an upstream 500 through untouched', async () => {
    reset(good, unavailable);
    const { many } = await gatewayWith([unavailable.url, good.url]);
    const statuses = await many(20, 'GET');
    expect(count(statuses, 200)).toBe(20);
    expect(unavailable.requests.length).toBeGreaterThan(0);
    expect(good.requests).toHaveLength(20);
    const own = await (await gatewayWith([broken.url])).call('GET');
    expect(own).toMatchObject({ status: 500, text: '{"upstream":"own error"}' });
  });

  it('never retry a POST answered 503 (its 503 passes through), unless the API says retryAll', async () => {
    reset(good, unavailable);
    const posts = await (await gatewayWith([unavailable.url, good.url])).many(20, 'POST');
    expect(count(posts, 503)).toBe(unavailable.requests.length);
    expect(count(posts, 503)).toBeGreaterThan(0);
    expect(good.requests).toHaveLength(count(posts, 200));
    reset(good, unavailable);
    const retried = await (await gatewayWith([unavailable.url, good.url], { api: { retryAll: true } })).many(20, 'POST');
    expect(count(retried, 200)).toBe(20);
    expect(unavailable.requests.length).toBeGreaterThan(0);
    // Even with retryAll, a body the 503 node already read cannot be sent again: nothing is buffered for it.
    reset(good, unavailable);
    const withBody = await (await gatewayWith([unavailable.url, good.url], { api: { retryAll: true } })).many(20, 'POST', '{"n":1}');
    expect(count(withBody, 503)).toBe(unavailable.requests.length);
    expect(count(withBody, 503)).toBeGreaterThan(0);
  });

  it('stop retrying once the budget is spent, and count the refusals', async () => {
    reset(good, unavailable);
    const { gateway, many } = await gatewayWith([unavailable.url, good.url], { retries: { attempts: 1, budgetPercent: 0, minPerSecond: 1 } });
    const statuses = await many(20, 'GET');
    // One retry per second is the whole budget: the other calls that met the 503 node got its answer.
    const firstOnUnavailable = unavailable.requests.length;
    const retried = good.requests.length - (20 - firstOnUnavailable);
    expect(retried).toBeGreaterThanOrEqual(1);
    expect(retried).toBeLessThanOrEqual(2); // 2 only if the calls straddled a second
    expect(count(statuses, 503)).toBe(firstOnUnavailable - retried);
    expect(count(statuses, 503)).toBeGreaterThan(0);
    expect(gateway.restUpstreams.stats().retriesRefusedByBudget).toBeGreaterThan(0);
  });

  it('retry a GET after a reset connection; never a PUT whose body already left, but one refused before connecting', async () => {
    reset(good);
    const gets = await (await gatewayWith([resetting.url, good.url])).many(10, 'GET');
    expect(count(gets, 200)).toBe(10);
    expect(resetting.accepted).toBeGreaterThan(0);
    // This node resets only after the body began to arrive: the bytes that left cannot be sent again.
    const cutting = await startRestUpstream('cutting', (req) => void req.once('data', () => req.socket.resetAndDestroy()));
    closers.push(cutting.close);
    reset(good);
    const puts = await (await gatewayWith([cutting.url, good.url])).many(10, 'PUT', 'x'.repeat(10_000));
    expect(count(puts, 502)).toBe(cutting.requests.length);
    expect(count(puts, 502)).toBeGreaterThan(0);
    expect(count(puts, 200)).toBe(good.requests.length);
    reset(good);
    const refused = await (await gatewayWith([closedPort, good.url])).many(10, 'PUT', 'y'.repeat(10_000));
    expect(count(refused, 200)).toBe(10);
    expect(good.requests.every((r) => r.bodyBytes === 10_000)).toBe(true);
  });
});

describe('REST upstream failures', () => {
  it('502 upstream_failed naming the service when no node can be reached, recorded as failed', async () => {
    const { call, gateway } = await gatewayWith([resetting.url, closedPort]);
    const res = await call('GET');
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text)).toEqual({
      error: { code: 'upstream_failed', message: "The upstream of service 'Pets' could not be reached or failed before answering.", requestId: expect.any(String) },
    });
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ status: 502, failed: true, errorCode: 'upstream_failed', upstream: 'default' });
  });

  it('504 upstream_timeout when the first byte is late, without a retry on another node', async () => {
    reset(good, slow);
    const { call, gateway } = await gatewayWith([slow.url], { upstream: { timeouts: { connectMs: 1_000, firstByteMs: 200, totalMs: 0 } } });
    const started = Date.now();
    const res = await call('GET');
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1_400);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 'upstream_timeout', message: expect.stringContaining("'Pets'") });
    expect((await gateway.flushed()).at(-1)).toMatchObject({ status: 504, errorCode: 'upstream_timeout', failed: true });
    const total = await (await gatewayWith([slow.url], { upstream: { timeouts: { connectMs: 1_000, firstByteMs: 10_000, totalMs: 300 } } })).call('GET');
    expect(total.status).toBe(504);
  });

  it('503 no_healthy_upstream naming the service when no node is in rotation', async () => {
    const gateway = await startTestGateway(
      restSnapshot({ upstreams: [{ name: 'default', nodes: [{ url: good.url, weight: 0 }] }], apis: [{ path: '/items' }] }),
    );
    closers.push(gateway.close);
    const res = await request(`${gateway.url}/pets/items`, { headers: { authorization: `Bearer ${restKeys.approved}` } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(await res.body.json()).toEqual({
      error: { code: 'no_healthy_upstream', message: "Service 'Pets' has no healthy upstream node right now; retry later.", requestId: expect.any(String) },
    });
  });
});

