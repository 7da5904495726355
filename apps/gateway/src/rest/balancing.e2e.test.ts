import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { ActiveHealthCheck, BalancerPolicy, OutlierDetection } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';
import { restKeys, restSnapshot } from '../testing/rest-snapshot';
import { echo, startRestUpstream, type RestUpstreamServer } from '../testing/rest-upstream';

/**
 * Balancing, passive ejection and active health checks through the whole gateway, against real nodes on
 * loopback: counted where the calls landed, timed as they recover.
 */
let fast: RestUpstreamServer;
let slow: RestUpstreamServer;
let flaky: RestUpstreamServer;
let flakyFails = true;
let checked: RestUpstreamServer;
let checkedHealthy = true;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  fast = await startRestUpstream('fast');
  slow = await startRestUpstream('slow', async (req, res, seen) => {
    await new Promise((resolve) => setTimeout(resolve, 60));
    await echo('slow')(req, res, seen);
  });
  flaky = await startRestUpstream('flaky', async (req, res, seen) => {
    if (!flakyFails) return echo('flaky')(req, res, seen);
    req.resume();
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ node: 'flaky', error: 'broken' }));
  });
  checked = await startRestUpstream('checked', async (req, res, seen) => {
    if (req.url === '/health') {
      req.resume();
      res.writeHead(checkedHealthy ? 200 : 503).end();
      return;
    }
    await echo('checked')(req, res, seen);
  });
  closers.push(fast.close, slow.close, flaky.close, checked.close);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const noEjection: OutlierDetection = { consecutive5xx: 0, consecutiveConnectFailures: 0, baseEjectionMs: 1_000, maxEjectionMs: 1_000, maxEjectedPercent: 50 };

async function gatewayWith(nodes: Array<{ url: string; weight: number }>, o: { balancer?: BalancerPolicy; outlier?: OutlierDetection; healthCheck?: ActiveHealthCheck } = {}) {
  const gateway = await startTestGateway(
    restSnapshot({
      upstreams: [{ name: 'default', nodes, ...(o.balancer ? { balancer: o.balancer } : {}), outlier: o.outlier ?? noEjection, healthCheck: o.healthCheck ?? null }],
      apis: [{ path: '/items' }],
    }),
  );
  closers.push(gateway.close);
  const call = async (headers: Record<string, string> = {}) => {
    const res = await request(`${gateway.url}/pets/items`, { headers: { authorization: `Bearer ${restKeys.approved}`, ...headers } });
    const body = (await res.body.json()) as { node?: string; error?: unknown };
    return { status: res.statusCode, node: body.node ?? 'gateway' };
  };
  const tally = async (n: number, concurrency = 1, headers: Record<string, string> = {}) => {
    const counts: Record<string, number> = {};
    let started = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started < n) {
          started++;
          const { node } = await call(headers);
          counts[node] = (counts[node] ?? 0) + 1;
        }
      }),
    );
    return counts;
  };
  return { call, tally };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('balancing across real nodes', () => {
  it('weighted round robin sends exactly by weight (3:1 over 400 calls)', async () => {
    const { tally } = await gatewayWith([{ url: fast.url, weight: 3 }, { url: checked.url, weight: 1 }]);
    expect(await tally(400)).toEqual({ fast: 300, checked: 100 });
  });

  it('least requests (power of two choices) sends most calls to the node that answers fastest', async () => {
    const { tally } = await gatewayWith([{ url: fast.url, weight: 1 }, { url: slow.url, weight: 1 }], { balancer: { type: 'least-requests' } });
    const counts = await tally(300, 8);
    // With 8 in flight, the slow node (60 ms a call) holds its calls while the fast one clears them.
    expect(counts.fast! + counts.slow!).toBe(300);
    expect(counts.fast!).toBeGreaterThan(counts.slow! * 2);
  });

  it('consistent hash on a header keeps a caller on one node and spreads callers over both', async () => {
    const { call } = await gatewayWith([{ url: fast.url, weight: 1 }, { url: checked.url, weight: 1 }], { balancer: { type: 'hash', on: 'header', name: 'x-user' } });
    const homes = new Set<string>();
    for (let user = 0; user < 40; user++) {
      const seen = new Set<string>();
      for (let i = 0; i < 5; i++) seen.add((await call({ 'x-user': `user-${user}` })).node);
      expect(seen.size, `user-${user}`).toBe(1);
      homes.add([...seen][0]!);
    }
    expect(homes).toEqual(new Set(['fast', 'checked']));
  });
});

describe('passive outlier ejection', () => {
  it('ejects a node after consecutive 5xx, brings it back when the ejection ends, and ejects it for longer next time', async () => {
    flakyFails = true;
    const outlier: OutlierDetection = { consecutive5xx: 3, consecutiveConnectFailures: 3, baseEjectionMs: 400, maxEjectionMs: 10_000, maxEjectedPercent: 50 };
    const { call, tally } = await gatewayWith([{ url: fast.url, weight: 1 }, { url: flaky.url, weight: 1 }], { outlier });
    // Round robin: 6 calls give flaky its 3 consecutive 500s (passed through to the caller as they are).
    const first = await Promise.all([0, 1, 2, 3, 4, 5].map(() => call()));
    expect(first.filter((r) => r.status === 500)).toHaveLength(3);
    const ejectedAt = Date.now();
    expect(await tally(50)).toEqual({ fast: 50 });
    // Back after its 400 ms: still failing, it takes 3 more calls and is ejected again, now for 800 ms.
    await sleep(Math.max(0, ejectedAt + 450 - Date.now()));
    expect(await tally(6)).toEqual({ fast: 3, flaky: 3 });
    const again = Date.now();
    await sleep(Math.max(0, again + 500 - Date.now()));
    expect(await tally(20)).toEqual({ fast: 20 });
    // Healed by then: once the 800 ms are over it takes its share of the calls again, and stays in.
    flakyFails = false;
    await sleep(Math.max(0, again + 850 - Date.now()));
    expect(await tally(20)).toEqual({ fast: 10, flaky: 10 });
  });
});

describe('active health checks', () => {
  it('take a node out after its failed checks and put it back after its passing ones, with no call to it meanwhile', async () => {
    checkedHealthy = true;
    const healthCheck: ActiveHealthCheck = { path: '/health', intervalMs: 50, timeoutMs: 200, healthyThreshold: 2, unhealthyThreshold: 2 };
    const { tally } = await gatewayWith([{ url: fast.url, weight: 1 }, { url: checked.url, weight: 1 }], { healthCheck });
    expect(await tally(10)).toEqual({ fast: 5, checked: 5 });
    const callsBefore = checked.requests.filter((r) => r.url !== '/health').length;
    checkedHealthy = false;
    const wentDown = Date.now();
    // Two failed checks 50 ms apart: out within a few intervals.
    let counts: Record<string, number> = {};
    while (Date.now() - wentDown < 2_000) {
      counts = await tally(4);
      if (!counts.checked) break;
      await sleep(20);
    }
    expect(counts).toEqual({ fast: 4 });
    expect(Date.now() - wentDown).toBeLessThan(1_000);
    const outAt = checked.requests.filter((r) => r.url !== '/health').length;
    await sleep(200);
    expect(await tally(20)).toEqual({ fast: 20 });
    expect(checked.requests.filter((r) => r.url !== '/health').length).toBe(outAt);
    checkedHealthy = true;
    const cameBack = Date.now();
    while (Date.now() - cameBack < 2_000 && !(await tally(4)).checked) await sleep(20);
    expect(Date.now() - cameBack).toBeLessThan(1_000);
    expect(checked.requests.filter((r) => r.url !== '/health').length).toBeGreaterThan(callsBefore);
  });
});
