import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServiceId } from '@tollgate/domain';
import type { NodeLease } from './contract';
import { createRestUpstreams, type RestUpstreamsRuntime } from './rest-upstreams';
import { manualClock, noFacts, none, seeded, service, serviceId, upstream } from './upstream-fixtures';

let runtime: RestUpstreamsRuntime | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  runtime?.close();
  runtime = undefined;
  await Promise.all(closers.splice(0).map((close) => close()));
});

const outlier = { consecutive5xx: 1, consecutiveConnectFailures: 1, baseEjectionMs: 60_000, maxEjectionMs: 300_000, maxEjectedPercent: 100 };

function make() {
  const clock = manualClock();
  runtime = createRestUpstreams({ now: clock.now, random: seeded(2) });
  return { rt: runtime, clock };
}

function leaseOn(rt: RestUpstreamsRuntime, up: ReturnType<typeof upstream>, node: string, id: ServiceId = serviceId): NodeLease {
  const others = new Set(up.nodes.map((n) => n.url).filter((url) => url !== node));
  const lease = rt.lease(id, up, noFacts, others);
  expect(lease?.node).toBe(node);
  return lease!;
}

const view = (rt: RestUpstreamsRuntime, node: string, name = 'default', id: ServiceId = serviceId) => rt.inspect(id, name)?.find((v) => v.url === node);

describe('install', () => {
  it('keeps ejections and in-flight counts of unchanged nodes, and drops removed ones', () => {
    const { rt } = make();
    const first = upstream('default', ['a', 'b', 'c'], { outlier });
    rt.install([service([first])]);
    const held = [leaseOn(rt, first, 'a'), leaseOn(rt, first, 'a')];
    leaseOn(rt, first, 'b').done({ kind: 'response', status: 502 });
    leaseOn(rt, first, 'c').done({ kind: 'connect-failure' });

    // A new revision: a's weight changes (same identity), c leaves, d joins.
    const second = upstream('default', [['a', 3], 'b', 'd'], { outlier });
    rt.install([service([second])]);
    expect(view(rt, 'a')).toMatchObject({ inFlight: 2, weight: 3 });
    expect(view(rt, 'b')).toMatchObject({ timesEjected: 1 });
    expect(view(rt, 'b')!.ejectedUntil).not.toBeNull();
    expect(view(rt, 'c')).toBeUndefined();
    expect(view(rt, 'd')).toMatchObject({ inFlight: 0, timesEjected: 0 });
    for (let i = 0; i < 20; i++) {
      const lease = rt.lease(serviceId, second, noFacts, none)!;
      expect(lease.node).not.toBe('b');
      lease.done({ kind: 'aborted' });
    }
    // Leases taken under the old snapshot still end on the node's one state.
    for (const lease of held) lease.done({ kind: 'response', status: 200 });
    expect(view(rt, 'a')!.inFlight).toBe(0);

    // c comes back as a new node: its ejection was forgotten with it.
    rt.install([service([upstream('default', ['a', 'b', 'c'], { outlier })])]);
    expect(view(rt, 'c')).toMatchObject({ ejectedUntil: null, timesEjected: 0 });
  });

  it('keys node state by service, upstream name and URL', () => {
    const { rt } = make();
    const other = 'svc_other' as ServiceId;
    const stable = upstream('stable', ['a', 'b'], { outlier });
    rt.install([service([stable]), service([upstream('stable', ['a', 'b'], { outlier })], {}, other)]);
    leaseOn(rt, stable, 'a').done({ kind: 'response', status: 500 });
    expect(view(rt, 'a', 'stable')!.ejectedUntil).not.toBeNull();
    expect(view(rt, 'a', 'stable', other)!.ejectedUntil).toBeNull();
    rt.install([service([upstream('renamed', ['a', 'b'], { outlier })])]);
    expect(view(rt, 'a', 'renamed')!.ejectedUntil).toBeNull();
    expect(rt.inspect(serviceId, 'stable')).toBeUndefined();
  });

  it('applies new outlier settings without forgetting the balancer position', () => {
    const { rt } = make();
    const first = upstream('default', [['a', 2], ['b', 1]]);
    rt.install([service([first])]);
    const picks = [rt.lease(serviceId, first, noFacts, none)!.node];
    const second = upstream('default', [['a', 2], ['b', 1]], { outlier: { ...outlier, consecutive5xx: 1 } });
    rt.install([service([second])]);
    picks.push(rt.lease(serviceId, second, noFacts, none)!.node, rt.lease(serviceId, second, noFacts, none)!.node);
    // One smooth cycle across the two revisions.
    expect(picks).toEqual(['a', 'b', 'a']);
    leaseOn(rt, second, 'b').done({ kind: 'response', status: 500 });
    expect(view(rt, 'b')!.ejectedUntil).not.toBeNull();
  });

  it('serves an upstream object that was never installed, sharing state with its installed twin', () => {
    const { rt } = make();
    rt.install([service([upstream('default', ['a', 'b'], { outlier })])]);
    const twin = upstream('default', ['a', 'b'], { outlier });
    leaseOn(rt, twin, 'a').done({ kind: 'response', status: 500 });
    expect(view(rt, 'a')!.ejectedUntil).not.toBeNull();
    const stranger = upstream('elsewhere', ['x'], { outlier });
    const lease = rt.lease(serviceId, stranger, noFacts, none)!;
    expect(lease.node).toBe('x');
    lease.done({ kind: 'response', status: 200 });
  });
});

async function probeCounter(status: number) {
  let probes = 0;
  const server: Server = createServer((_req, res) => {
    probes++;
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, probes: () => probes };
}

describe('install and health checks', () => {
  const healthCheck = { path: '/', intervalMs: 40, timeoutMs: 500, healthyThreshold: 1, unhealthyThreshold: 1 };
  const waitFor = (fn: () => void) => vi.waitFor(fn, { timeout: 5_000, interval: 10 });

  it('stops checks of removed nodes, starts new ones, keeps the health of the rest', async () => {
    const { rt } = make();
    const down = await probeCounter(500);
    const removed = await probeCounter(200);
    const added = await probeCounter(200);
    rt.install([service([upstream('default', [down.url, removed.url], { healthCheck })])]);
    await waitFor(() => expect(view(rt, down.url)!.healthy).toBe(false));
    await waitFor(() => expect(removed.probes()).toBeGreaterThan(0));

    // A slower interval restarts the probe loop but not the node's health.
    rt.install([service([upstream('default', [down.url, added.url], { healthCheck: { ...healthCheck, intervalMs: 60, healthyThreshold: 5 } })])]);
    expect(rt.activeHealthChecks).toBe(2);
    expect(view(rt, down.url)!.healthy).toBe(false);
    const removedProbes = removed.probes();
    await waitFor(() => expect(added.probes()).toBeGreaterThanOrEqual(3));
    expect(view(rt, down.url)!.healthy).toBe(false);
    expect(removed.probes()).toBeLessThanOrEqual(removedProbes + 1);

    // Checks switched off: nothing would ever bring the node back, so it is healthy again at once.
    rt.install([service([upstream('default', [down.url, added.url])])]);
    expect(rt.activeHealthChecks).toBe(0);
    expect(view(rt, down.url)!.healthy).toBe(true);
  });

  it('leaves nothing running after close: the process exits by itself', async () => {
    const script = fileURLToPath(new URL('./exit-after-close.script.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
    clearTimeout(killer);
    expect(output).toMatch(/closed after \d+ probes/);
    expect(code).toBe(0);
  });
});
