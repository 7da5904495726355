import { afterEach, describe, expect, it } from 'vitest';
import type { NodeLease } from './contract';
import { createRestUpstreams, type RestUpstreamsRuntime } from './rest-upstreams';
import { buildSchedule } from './smooth-round-robin';
import { facts, manualClock, noFacts, none, seeded, service, serviceId, upstream } from './upstream-fixtures';

let runtime: RestUpstreamsRuntime | undefined;
afterEach(() => runtime?.close());

function make(seed = 7, clock = manualClock()) {
  runtime = createRestUpstreams({ now: clock.now, random: seeded(seed) });
  return runtime;
}

/** Lease and end at once, returning the node: what a stream of quick calls looks like to the balancer. */
function pickMany(rt: RestUpstreamsRuntime, up: ReturnType<typeof upstream>, n: number, request = noFacts): string[] {
  const picked: string[] = [];
  for (let i = 0; i < n; i++) {
    const lease = rt.lease(serviceId, up, request, none)!;
    picked.push(lease.node);
    lease.done({ kind: 'response', status: 200 });
  }
  return picked;
}

const count = (items: string[]) => items.reduce<Record<string, number>>((acc, item) => ((acc[item] = (acc[item] ?? 0) + 1), acc), {});
const longestRun = (items: string[], of: string) => {
  let best = 0;
  let run = 0;
  for (const item of items) best = Math.max(best, (run = item === of ? run + 1 : 0));
  return best;
};

describe('smooth weighted round robin', () => {
  it('follows nginx: weights 5/1/1 give a a b a c a a, cycle after cycle', () => {
    const rt = make();
    const up = upstream('default', [['a', 5], ['b', 1], ['c', 1]]);
    rt.install([service([up])]);
    const picked = pickMany(rt, up, 21);
    expect(picked.join(' ')).toBe('a a b a c a a a a b a c a a a a b a c a a');
  });

  it('gives exact shares over a cycle and never bursts the heavy node', () => {
    const rt = make();
    const up = upstream('default', [['heavy', 6], ['mid', 3], ['light', 1]]);
    rt.install([service([up])]);
    const picked = pickMany(rt, up, 100);
    expect(count(picked)).toEqual({ heavy: 60, mid: 30, light: 10 });
    // Plain weighted RR would send 6 in a row; the smooth one interleaves (at most 2 in a row here).
    expect(longestRun(picked, 'heavy')).toBeLessThanOrEqual(2);
    // Within any window of one cycle, every node has exactly its weight.
    for (let start = 0; start + 10 <= picked.length; start++) expect(count(picked.slice(start, start + 10))).toEqual({ heavy: 6, mid: 3, light: 1 });
  });

  it('reduces weights by their gcd and falls back to the live algorithm for huge cycles', () => {
    expect(Array.from(buildSchedule([2, 2, 4])!)).toEqual([2, 0, 1, 2]);
    expect(buildSchedule([10_000, 1])).toBeNull();
    expect(buildSchedule([1.5, 1])).toBeNull();
    const rt = make();
    const up = upstream('default', [['big', 10_000], ['small', 1]]);
    rt.install([service([up])]);
    expect(count(pickMany(rt, up, 10_001))).toEqual({ big: 10_000, small: 1 });
  });

  it('keeps weight-0 nodes out of rotation', () => {
    const rt = make();
    const up = upstream('default', [['a', 1], ['off', 0], ['b', 1]]);
    rt.install([service([up])]);
    expect(count(pickMany(rt, up, 10))).toEqual({ a: 5, b: 5 });
  });

  it('skips excluded nodes on a retry and stays smooth among the rest', () => {
    const rt = make();
    const up = upstream('default', [['a', 2], ['b', 1], ['c', 1]]);
    rt.install([service([up])]);
    const exclude = new Set(['a']);
    const picked: string[] = [];
    for (let i = 0; i < 8; i++) {
      const lease = rt.lease(serviceId, up, noFacts, exclude)!;
      picked.push(lease.node);
      lease.done({ kind: 'response', status: 200 });
    }
    expect(count(picked)).toEqual({ b: 4, c: 4 });
    expect(longestRun(picked, 'b')).toBe(1);
    expect(rt.lease(serviceId, up, noFacts, new Set(['a', 'b', 'c']))).toBeNull();
  });
});

describe('least requests (power of two choices)', () => {
  const lr = { type: 'least-requests' } as const;

  it('prefers the idle node when the others are busy', () => {
    const rt = make(11);
    const up = upstream('default', ['idle', 'busy1', 'busy2'], { balancer: lr });
    rt.install([service([up])]);
    const held: NodeLease[] = [];
    for (const node of ['busy1', 'busy2']) {
      for (let i = 0; i < 5; i++) held.push(rt.lease(serviceId, up, noFacts, new Set(['idle', 'busy1', 'busy2'].filter((n) => n !== node)))!);
    }
    const shares = count(pickMany(rt, up, 3_000));
    // The idle node wins whenever it is one of the two drawn: 2 pairs of 3, so 2/3 of the calls.
    expect(shares.idle! / 3_000).toBeGreaterThan(0.62);
    expect(shares.idle! / 3_000).toBeLessThan(0.71);
    // A busy node wins only against the other busy node (the tie keeps the first draw): 1/6 each.
    expect(shares.busy1! / 3_000).toBeGreaterThan(0.13);
    expect(shares.busy2! / 3_000).toBeGreaterThan(0.13);
    for (const lease of held) lease.done({ kind: 'response', status: 200 });
  });

  it('keeps in-flight counts level when calls pile up, and weighs them by node weight', () => {
    const rt = make(3);
    const up = upstream('default', [['a', 1], ['b', 1], ['c', 1], ['w2', 2]], { balancer: lr });
    rt.install([service([up])]);
    for (let i = 0; i < 500; i++) rt.lease(serviceId, up, noFacts, none);
    const views = rt.inspect(serviceId, 'default')!;
    const perWeight = views.map((v) => v.inFlight / v.weight);
    expect(Math.max(...perWeight) - Math.min(...perWeight)).toBeLessThanOrEqual(3);
    expect(views.find((v) => v.url === 'w2')!.inFlight).toBeGreaterThan(180);
  });

  it('answers with the only usable node and ends leases exactly once', () => {
    const rt = make();
    const up = upstream('default', ['a', 'b'], { balancer: lr });
    rt.install([service([up])]);
    const lease = rt.lease(serviceId, up, noFacts, new Set(['a']))!;
    expect(lease.node).toBe('b');
    lease.done({ kind: 'response', status: 200 });
    lease.done({ kind: 'response', status: 200 });
    expect(rt.inspect(serviceId, 'default')!.map((v) => v.inFlight)).toEqual([0, 0]);
  });
});

describe('consistent hash', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
  const byHeader = { type: 'hash', on: 'header', name: 'x-user' } as const;

  function placement(nodes: Array<string | [string, number]>, exclude: ReadonlySet<string> = none) {
    const rt = make();
    const up = upstream('default', nodes, { balancer: byHeader });
    rt.install([service([up])]);
    return keys.map((key) => {
      const lease = rt.lease(serviceId, up, facts({ headers: { 'x-user': key } }), exclude)!;
      lease.done({ kind: 'response', status: 200 });
      return lease.node;
    });
  }

  it('sends the same key to the same node, by header, cookie or client IP', () => {
    const rt = make();
    const nodes = ['n1', 'n2', 'n3', 'n4'];
    const cases = [
      [{ type: 'hash', on: 'header', name: 'x-user' } as const, (k: string) => facts({ headers: { 'x-user': k } })],
      [{ type: 'hash', on: 'cookie', name: 'session' } as const, (k: string) => facts({ cookies: { session: k } })],
      [{ type: 'hash', on: 'ip' } as const, (k: string) => facts({ ip: k })],
    ] as const;
    for (const [balancer, request] of cases) {
      const up = upstream('default', nodes, { balancer });
      rt.install([service([up])]);
      for (const key of ['alice', 'bob', '10.1.2.3', 'carol']) {
        const first = rt.lease(serviceId, up, request(key), none)!;
        first.done({ kind: 'response', status: 200 });
        for (let i = 0; i < 5; i++) expect(rt.lease(serviceId, up, request(key), none)!.node).toBe(first.node);
      }
    }
  });

  it('spreads keys over the nodes by weight', () => {
    const equal = count(placement(['n1', 'n2', 'n3']));
    for (const share of Object.values(equal)) expect(Math.abs(share / keys.length - 1 / 3)).toBeLessThan(0.05);
    const weighted = count(placement([['big', 2], ['s1', 1], ['s2', 1]]));
    expect(Math.abs(weighted.big! / keys.length - 0.5)).toBeLessThan(0.05);
  });

  it('moves only the leaving node’s keys when a node is removed, and only new keys to a new node', () => {
    const four = placement(['n1', 'n2', 'n3', 'n4']);
    const three = placement(['n1', 'n2', 'n4']);
    let moved = 0;
    keys.forEach((_, i) => {
      if (four[i] !== 'n3') expect(three[i]).toBe(four[i]);
      if (four[i] !== three[i]) moved++;
    });
    expect(Math.abs(moved / keys.length - 0.25)).toBeLessThan(0.05);

    const five = placement(['n1', 'n2', 'n3', 'n4', 'n5']);
    keys.forEach((_, i) => {
      if (five[i] !== four[i]) expect(five[i]).toBe('n5');
    });
  });

  it('routes around an unusable node without moving anyone else', () => {
    const all = placement(['n1', 'n2', 'n3', 'n4']);
    const without = placement(['n1', 'n2', 'n3', 'n4'], new Set(['n2']));
    keys.forEach((_, i) => {
      if (all[i] !== 'n2') expect(without[i]).toBe(all[i]);
      else expect(without[i]).not.toBe('n2');
    });
  });

  it('goes round robin when the key is missing', () => {
    const rt = make();
    const up = upstream('default', ['n1', 'n2', 'n3'], { balancer: { type: 'hash', on: 'cookie', name: 'session' } });
    rt.install([service([up])]);
    expect(count(pickMany(rt, up, 9))).toEqual({ n1: 3, n2: 3, n3: 3 });
    const unnamed = upstream('other', ['n1', 'n2'], { balancer: { type: 'hash', on: 'header' } });
    rt.install([service([unnamed])]);
    expect(count(pickMany(rt, unnamed, 4, facts({ headers: { 'x-user': 'a' } })))).toEqual({ n1: 2, n2: 2 });
  });
});
