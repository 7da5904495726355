import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ActiveHealthCheck } from '@tollgate/domain';
import { createRestUpstreams, type RestUpstreamsRuntime, type UpstreamsLogger } from './rest-upstreams';
import { noFacts, none, seeded, service, serviceId, upstream } from './upstream-fixtures';

interface Probe {
  at: number;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A real loopback node: answers `status`, or never answers while `status` is 'hang'. */
async function node(initial: number | 'hang') {
  const probes: Probe[] = [];
  const state = { status: initial };
  const server: Server = createServer((req, res) => {
    probes.push({ at: performance.now(), url: req.url ?? '', headers: req.headers });
    if (state.status === 'hang') return;
    res.writeHead(state.status, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push(close);
  return { url, probes, state, close };
}

/** A port that was just listened on and closed: connecting to it is refused. */
async function refusedUrl() {
  const { url, close } = await node(200);
  servers.splice(servers.indexOf(close), 1);
  await close();
  return url;
}

const servers: Array<() => Promise<void>> = [];
let runtime: RestUpstreamsRuntime | undefined;
afterEach(async () => {
  runtime?.close();
  runtime = undefined;
  await Promise.all(servers.splice(0).map((close) => close()));
});

interface Flip {
  at: number;
  node: string;
  healthy: boolean;
}

function make() {
  const flips: Flip[] = [];
  const record = (healthy: boolean) => (fields: { node: string }) => flips.push({ at: performance.now(), node: fields.node, healthy });
  const logger = { info: record(true), warn: record(false) } as unknown as UpstreamsLogger;
  runtime = createRestUpstreams({ random: seeded(1), logger });
  return { rt: runtime, flips };
}

const check: ActiveHealthCheck = { path: '/healthz', intervalMs: 100, timeoutMs: 250, healthyThreshold: 2, unhealthyThreshold: 3 };
const healthOf = (rt: RestUpstreamsRuntime, name = 'default') => Object.fromEntries(rt.inspect(serviceId, name)!.map((v) => [v.url, v.healthy]));

describe('active health checks', () => {
  it('marks failing, hanging and refusing nodes down after the threshold, in intervals', async () => {
    const { rt, flips } = make();
    const healthy = await node(200);
    const failing = await node(500);
    const hanging = await node('hang');
    const refused = await refusedUrl();
    const up = upstream('default', [healthy.url, failing.url, hanging.url, refused], { healthCheck: check });
    const installedAt = performance.now();
    rt.install([service([up])]);

    await vi.waitFor(() => expect(healthOf(rt)).toEqual({ [healthy.url]: true, [failing.url]: false, [hanging.url]: false, [refused]: false }), { timeout: 5_000, interval: 20 });

    const downAt = (url: string) => flips.find((f) => f.node === url && !f.healthy)!.at - installedAt;
    // Three failures, one interval apart, the first within the start jitter (≤ 10 % of an interval).
    expect(downAt(failing.url)).toBeGreaterThanOrEqual(2 * check.intervalMs - 5);
    expect(downAt(failing.url)).toBeLessThan(3 * check.intervalMs + 1_000);
    expect(downAt(refused)).toBeGreaterThanOrEqual(2 * check.intervalMs - 5);
    // A probe that hangs takes its whole timeout, and the next one starts only after it gave up.
    expect(downAt(hanging.url)).toBeGreaterThanOrEqual(3 * check.timeoutMs - 5);
    expect(failing.probes.length).toBeGreaterThanOrEqual(check.unhealthyThreshold);
    expect(flips.filter((f) => f.node === healthy.url)).toEqual([]);

    // Down nodes are out of rotation; the healthy one takes every call.
    for (let i = 0; i < 20; i++) {
      const lease = rt.lease(serviceId, up, noFacts, none)!;
      expect(lease.node).toBe(healthy.url);
      lease.done({ kind: 'response', status: 200 });
    }
  });

  it('never overlaps probes of one node and spaces them by the interval', async () => {
    const { rt } = make();
    const healthy = await node(200);
    const hanging = await node('hang');
    rt.install([service([upstream('default', [healthy.url, hanging.url], { healthCheck: check })])]);
    await vi.waitFor(() => expect(hanging.probes.length).toBeGreaterThanOrEqual(4), { timeout: 5_000, interval: 20 });

    const gaps = (probes: Probe[]) => probes.slice(1).map((p, i) => p.at - probes[i]!.at);
    for (const gap of gaps(hanging.probes)) expect(gap).toBeGreaterThanOrEqual(check.timeoutMs - 10);
    const healthyGaps = gaps(healthy.probes);
    expect(healthyGaps.length).toBeGreaterThanOrEqual(5);
    // Probes start an interval apart on the client; their arrival jitters with connection set-up, so single gaps
    // get some slack and the mean is held tight.
    for (const gap of healthyGaps) expect(gap).toBeGreaterThanOrEqual(check.intervalMs * 0.6);
    const mean = healthyGaps.reduce((a, b) => a + b, 0) / healthyGaps.length;
    expect(mean).toBeGreaterThanOrEqual(check.intervalMs - 5);
    expect(mean).toBeLessThan(check.intervalMs * 1.5);
  });

  it('brings a node back after healthyThreshold passes once it recovers', async () => {
    const { rt, flips } = make();
    const flaky = await node(500);
    const other = await node(200);
    rt.install([service([upstream('default', [flaky.url, other.url], { healthCheck: check })])]);
    await vi.waitFor(() => expect(healthOf(rt)[flaky.url]).toBe(false), { timeout: 5_000, interval: 10 });

    flaky.state.status = 204;
    const recoveredAtProbe = flaky.probes.length;
    await vi.waitFor(() => expect(healthOf(rt)[flaky.url]).toBe(true), { timeout: 5_000, interval: 10 });
    const up = flips.find((f) => f.node === flaky.url && f.healthy)!;
    const passesBeforeUp = flaky.probes.filter((p, i) => i >= recoveredAtProbe && p.at <= up.at).length;
    expect(passesBeforeUp).toBe(check.healthyThreshold);
  });

  it('returns no lease when every node failed its checks', async () => {
    const { rt } = make();
    const failing = await node(503);
    const refused = await refusedUrl();
    const up = upstream('default', [failing.url, refused], { healthCheck: { ...check, unhealthyThreshold: 1 } });
    rt.install([service([up])]);
    await vi.waitFor(() => expect(rt.lease(serviceId, up, noFacts, none)).toBeNull(), { timeout: 5_000, interval: 10 });
  });

  it('probes the base path with the upstream’s Host and credential, and counts 3xx as a pass', async () => {
    const { rt } = make();
    const healthy = await node(302);
    const up = upstream('default', [`${healthy.url}/base/`], {
      healthCheck: { ...check, path: 'healthz', unhealthyThreshold: 1 },
      hostHeader: 'orders.internal',
      credential: { header: 'X-Upstream-Key', value: 'secret' },
    });
    rt.install([service([up])]);
    await vi.waitFor(() => expect(healthy.probes.length).toBeGreaterThanOrEqual(3), { timeout: 5_000, interval: 10 });
    expect(healthy.probes[0]).toMatchObject({ url: '/base/healthz', headers: { host: 'orders.internal', 'x-upstream-key': 'secret' } });
    expect(healthOf(rt)[`${healthy.url}/base/`]).toBe(true);
  });

  it('stops probing on close', async () => {
    const { rt } = make();
    const healthy = await node(200);
    rt.install([service([upstream('default', [healthy.url], { healthCheck: check })])]);
    await vi.waitFor(() => expect(healthy.probes.length).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 10 });
    expect(rt.activeHealthChecks).toBe(1);
    rt.close();
    expect(rt.activeHealthChecks).toBe(0);
    const probes = healthy.probes.length;
    // Real timers drive the probes, so "none after close" needs real time: three intervals.
    await new Promise((resolve) => setTimeout(resolve, 3 * check.intervalMs));
    expect(healthy.probes.length).toBeLessThanOrEqual(probes + 1);
    const settled = healthy.probes.length;
    await new Promise((resolve) => setTimeout(resolve, 3 * check.intervalMs));
    expect(healthy.probes.length).toBe(settled);
  });
});
