import { afterEach, describe, expect, it } from 'vitest';
import type { OutlierDetection } from '@tollgate/domain';
import type { NodeOutcome } from './contract';
import { createRestUpstreams, type RestUpstreamsRuntime } from './rest-upstreams';
import { manualClock, noFacts, none, seeded, service, serviceId, upstream } from './upstream-fixtures';

let runtime: RestUpstreamsRuntime | undefined;
afterEach(() => runtime?.close());

const outlier: OutlierDetection = { consecutive5xx: 3, consecutiveConnectFailures: 2, baseEjectionMs: 10_000, maxEjectionMs: 35_000, maxEjectedPercent: 50 };

function setup(nodes: string[], overrides: Partial<OutlierDetection> = {}) {
  const clock = manualClock();
  const rt = (runtime = createRestUpstreams({ now: clock.now, random: seeded(5) }));
  const up = upstream('default', nodes, { outlier: { ...outlier, ...overrides } });
  rt.install([service([up])]);
  /** Ends `times` calls on `node` with `outcome` (the other nodes excluded, as a retry would). */
  const hit = (node: string, outcome: NodeOutcome, times = 1) => {
    const others = new Set(nodes.filter((n) => n !== node));
    for (let i = 0; i < times; i++) {
      const lease = rt.lease(serviceId, up, noFacts, others);
      expect(lease?.node).toBe(node);
      lease!.done(outcome);
    }
  };
  const reachable = () => {
    const seen = new Set<string>();
    for (let i = 0; i < nodes.length * 4; i++) {
      const lease = rt.lease(serviceId, up, noFacts, none);
      if (!lease) continue;
      seen.add(lease.node);
      lease.done({ kind: 'aborted' });
    }
    return [...seen].sort();
  };
  const view = (node: string) => rt.inspect(serviceId, 'default')!.find((v) => v.url === node)!;
  return { rt, up, clock, hit, reachable, view };
}

const e500 = { kind: 'response', status: 500 } as const;
const ok = { kind: 'response', status: 200 } as const;

describe('passive outlier detection', () => {
  it('ejects after consecutive 5xx and brings the node back when the ejection ends', () => {
    const { rt, clock, hit, reachable } = setup(['a', 'b', 'c']);
    hit('a', e500, 2);
    expect(reachable()).toEqual(['a', 'b', 'c']);
    hit('a', e500);
    expect(reachable()).toEqual(['b', 'c']);
    expect(rt.stats().ejections).toBe(1);
    clock.advance(9_999);
    expect(reachable()).toEqual(['b', 'c']);
    clock.advance(1);
    expect(reachable()).toEqual(['a', 'b', 'c']);
  });

  it('ejects for longer each time, up to the maximum, and forgives after a quiet spell', () => {
    const { clock, hit, view } = setup(['a', 'b', 'c']);
    const durations: number[] = [];
    for (let round = 0; round < 5; round++) {
      hit('a', e500, 3);
      const until = view('a').ejectedUntil!;
      durations.push(until - clock.now());
      clock.set(until);
    }
    expect(durations).toEqual([10_000, 20_000, 30_000, 35_000, 35_000]);
    expect(view('a').timesEjected).toBe(5);
    // Two max-ejection periods of good behaviour take two steps off.
    clock.advance(2 * 35_000);
    hit('a', e500, 3);
    expect(view('a').timesEjected).toBe(4);
    expect(view('a').ejectedUntil! - clock.now()).toBe(35_000);
    clock.advance(35_000 + 3 * 35_000);
    hit('a', e500, 3);
    expect(view('a').ejectedUntil! - clock.now()).toBe(20_000);
  });

  it('resets the streak on a success, ignores aborts, counts timeouts as 5xx', () => {
    const { hit, reachable, view } = setup(['a', 'b', 'c']);
    hit('a', e500, 2);
    hit('a', ok);
    hit('a', e500, 2);
    hit('a', { kind: 'response', status: 404 });
    expect(view('a').consecutive5xx).toBe(0);
    hit('a', e500, 2);
    hit('a', { kind: 'aborted' }, 10);
    expect(view('a').consecutive5xx).toBe(2);
    hit('a', { kind: 'timeout' });
    expect(reachable()).toEqual(['b', 'c']);
  });

  it('ejects on consecutive connection failures by their own threshold', () => {
    const { hit, reachable } = setup(['a', 'b', 'c']);
    hit('a', { kind: 'connect-failure' });
    expect(reachable()).toEqual(['a', 'b', 'c']);
    hit('a', { kind: 'connect-failure' });
    expect(reachable()).toEqual(['b', 'c']);
  });

  it('does not let late answers of an ejected node extend its ejection', () => {
    const { rt, up, clock, hit, view } = setup(['a', 'b', 'c']);
    const late = [0, 1, 2].map(() => rt.lease(serviceId, up, noFacts, new Set(['b', 'c']))!);
    hit('a', e500, 3);
    const until = view('a').ejectedUntil;
    clock.advance(1_000);
    for (const lease of late) lease.done(e500);
    expect(view('a').ejectedUntil).toBe(until);
    expect(view('a').timesEjected).toBe(1);
  });

  it('never ejects more than maxEjectedPercent of the nodes', () => {
    const { rt, hit, reachable, view } = setup(['a', 'b', 'c', 'd', 'e'], { maxEjectedPercent: 40 });
    hit('a', e500, 3);
    hit('b', e500, 3);
    hit('c', e500, 3);
    expect(reachable()).toEqual(['c', 'd', 'e']);
    expect(rt.stats().ejections).toBe(2);
    // The refused node keeps its streak, so it goes as soon as there is room.
    expect(view('c').consecutive5xx).toBe(3);
  });

  it('never ejects the last available node: a one-node service keeps trying it', () => {
    const single = setup(['only'], { maxEjectedPercent: 100 });
    single.hit('only', e500, 50);
    expect(single.reachable()).toEqual(['only']);
    expect(single.rt.stats().ejections).toBe(0);

    const pair = setup(['a', 'b'], { maxEjectedPercent: 100 });
    pair.hit('a', e500, 3);
    pair.hit('b', e500, 30);
    expect(pair.reachable()).toEqual(['b']);
    pair.clock.advance(10_000);
    // With a back, b's standing streak ejects it on its next failure.
    pair.hit('b', e500);
    expect(pair.reachable()).toEqual(['a']);
  });

  it('honours thresholds of 0 as "off"', () => {
    const { hit, reachable } = setup(['a', 'b'], { consecutive5xx: 0, consecutiveConnectFailures: 0 });
    hit('a', e500, 20);
    hit('a', { kind: 'connect-failure' }, 20);
    expect(reachable()).toEqual(['a', 'b']);
  });
});
