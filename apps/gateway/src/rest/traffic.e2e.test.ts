import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { TrafficPolicy } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';
import { restKeys, restSnapshot, type TestUpstream } from '../testing/rest-snapshot';
import { readBody, startRestUpstream, startResettingNode, type RestUpstreamServer } from '../testing/rest-upstream';

/** Traffic split, pin and mirror end to end: real upstream servers, counted where the calls landed. */
let stable: RestUpstreamServer;
let canary: RestUpstreamServer;
let shadow: RestUpstreamServer;
let slowShadow: RestUpstreamServer;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  stable = await startRestUpstream('stable');
  canary = await startRestUpstream('canary');
  shadow = await startRestUpstream('shadow');
  slowShadow = await startRestUpstream('slow-shadow', async (req, res, seen) => {
    await readBody(req, seen);
    setTimeout(() => res.end('late'), 2_000).unref();
  });
  closers.push(stable.close, canary.close, shadow.close, slowShadow.close);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const upstream = (name: string, url: string): TestUpstream => ({ name, nodes: [{ url, weight: 1 }] });

async function gatewayWith(upstreams: TestUpstream[], traffic: Partial<TrafficPolicy>) {
  const gateway = await startTestGateway(restSnapshot({ upstreams, traffic, apis: [{ path: '/items', methods: ['GET', 'POST'] }] }));
  closers.push(gateway.close);
  const call = async (headers: Record<string, string> = {}, init: { method?: 'GET' | 'POST'; body?: AsyncIterable<Uint8Array> | string } = {}) => {
    const started = performance.now();
    const res = await request(`${gateway.url}/pets/items`, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${restKeys.approved}`, ...headers }, body: init.body as string });
    const body = (await res.body.json()) as { node: string; bodyBytes: number };
    return { status: res.statusCode, node: body.node, bodyBytes: body.bodyBytes, ms: performance.now() - started };
  };
  /** `n` calls, `concurrency` at a time. */
  const calls = async (n: number, concurrency = 16, headers: Record<string, string> = {}) => {
    const results: Awaited<ReturnType<typeof call>>[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          results.push(await call(headers));
        }
      }),
    );
    return results;
  };
  return { gateway, call, calls };
}

const until = async (done: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('traffic split', () => {
  it('sends 90/10 over 2,000 calls within ±3 points, and a pin header sends a caller to the named upstream', async () => {
    const { calls, gateway } = await gatewayWith([upstream('stable', stable.url), upstream('canary', canary.url)], {
      split: [
        { upstream: 'stable', weight: 90 },
        { upstream: 'canary', weight: 10 },
      ],
      pin: { header: 'x-canary' },
    });
    const results = await calls(2_000);
    expect(results.every((r) => r.status === 200)).toBe(true);
    const canaryShare = (results.filter((r) => r.node === 'canary').length / results.length) * 100;
    expect(canaryShare).toBeGreaterThanOrEqual(7);
    expect(canaryShare).toBeLessThanOrEqual(13);
    const pinned = await calls(50, 8, { 'x-canary': 'canary' });
    expect(pinned.every((r) => r.node === 'canary')).toBe(true);
    const records = await gateway.flushed();
    expect(records.at(-1)).toMatchObject({ upstream: 'canary', upstreamNode: canary.url });
  });
});

describe('mirroring', () => {
  it('copies about its percentage of calls to the shadow, whose answers are discarded', async () => {
    shadow.requests.length = 0;
    const { calls, gateway } = await gatewayWith([upstream('stable', stable.url), upstream('shadow', shadow.url)], {
      mirror: { upstream: 'shadow', percent: 30 },
    });
    const results = await calls(500);
    expect(results.every((r) => r.status === 200 && r.node === 'stable')).toBe(true);
    await until(() => gateway.restUpstreams.stats().mirrored >= shadow.requests.length && shadow.requests.length > 0);
    const share = (shadow.requests.length / 500) * 100;
    expect(share).toBeGreaterThan(20);
    expect(share).toBeLessThan(40);
    expect(shadow.requests[0]!.headers['x-tollgate-mirror']).toBe('true');
    await until(() => gateway.restUpstreams.stats().mirrored === shadow.requests.length);
    expect(gateway.restUpstreams.stats()).toMatchObject({ mirrored: shadow.requests.length, mirrorFailed: 0, mirrorDropped: 0 });
    const metrics = await (await request(`${gateway.url}/metrics`)).body.text();
    expect(metrics).toContain(`tollgate_gateway_rest_mirror_total{outcome="sent"} ${shadow.requests.length}`);
  });

  it('neither slows nor fails the main call when the shadow is slow or failing', async () => {
    const slow = await gatewayWith([upstream('stable', stable.url), upstream('shadow', slowShadow.url)], { mirror: { upstream: 'shadow', percent: 100 } });
    const slowResults = await slow.calls(20, 4);
    expect(slowResults.every((r) => r.status === 200)).toBe(true);
    // The shadow answers after 2 s; the main calls do not wait for it.
    expect(Math.max(...slowResults.map((r) => r.ms))).toBeLessThan(1_000);
    await until(() => slowShadow.requests.length === 20);
    expect(slowShadow.requests.length).toBe(20);

    const resetting = await startResettingNode();
    closers.push(resetting.close);
    const failing = await gatewayWith([upstream('stable', stable.url), upstream('shadow', resetting.url)], { mirror: { upstream: 'shadow', percent: 100 } });
    const failingResults = await failing.calls(20, 4);
    expect(failingResults.every((r) => r.status === 200)).toBe(true);
    await until(() => failing.gateway.restUpstreams.stats().mirrorFailed === 20);
    expect(failing.gateway.restUpstreams.stats().mirrorFailed).toBe(20);
  });

  it('gives the copy up (counted dropped) when the shadow falls 1 MiB behind the body, and the main call still gets it whole', async () => {
    // A shadow that accepts the connection and never reads: its socket buffers fill, then the tee would grow.
    const stuck = new Set<Socket>();
    const tarpit = createServer((socket) => {
      stuck.add(socket);
      socket.pause();
    });
    await new Promise<void>((resolve) => tarpit.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      for (const socket of stuck) socket.destroy();
      await new Promise<void>((resolve) => tarpit.close(() => resolve()));
    });
    const tarpitUrl = `http://127.0.0.1:${(tarpit.address() as { port: number }).port}`;
    const { call, gateway } = await gatewayWith([upstream('stable', stable.url), upstream('shadow', tarpitUrl)], { mirror: { upstream: 'shadow', percent: 100 } });
    const size = 32 * 1024 * 1024;
    async function* body() {
      const chunk = Buffer.alloc(64 * 1024, 7);
      for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
    }
    const res = await call({ 'content-length': String(size) }, { method: 'POST', body: body() });
    expect(res).toMatchObject({ status: 200, node: 'stable', bodyBytes: size });
    await until(() => gateway.restUpstreams.stats().mirrorDropped === 1);
    expect(gateway.restUpstreams.stats().mirrorDropped).toBe(1);
  });
});
