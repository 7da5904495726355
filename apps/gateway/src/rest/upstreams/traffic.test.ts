import { afterEach, describe, expect, it } from 'vitest';
import { createRestUpstreams, type RestUpstreamsRuntime } from './rest-upstreams';
import { facts, noFacts, seeded, service, upstream } from './upstream-fixtures';

let runtime: RestUpstreamsRuntime | undefined;
afterEach(() => runtime?.close());

function make(seed = 42) {
  runtime = createRestUpstreams({ random: seeded(seed) });
  return runtime;
}

const stable = upstream('stable', ['http://stable:1']);
const canary = upstream('canary', ['http://canary:1']);
const shadow = upstream('shadow', ['http://shadow:1']);

describe('traffic split and pin', () => {
  it('splits 90/10 within ±3 points over 2,000 calls', () => {
    for (const seed of [1, 2, 3]) {
      const rt = make(seed);
      const rest = service([stable, canary], { split: [{ upstream: 'stable', weight: 90 }, { upstream: 'canary', weight: 10 }] });
      let canaries = 0;
      for (let i = 0; i < 2_000; i++) if (rt.pickUpstream(rest, noFacts) === canary) canaries++;
      expect(Math.abs(canaries / 2_000 - 0.1)).toBeLessThanOrEqual(0.03);
    }
  });

  it('lets a header or a cookie naming an upstream win over the split', () => {
    const rt = make();
    const rest = service([stable, canary], { split: [{ upstream: 'stable', weight: 100 }], pin: { header: 'x-canary', cookie: 'track' } });
    for (let i = 0; i < 50; i++) {
      expect(rt.pickUpstream(rest, facts({ headers: { 'x-canary': 'canary' } }))).toBe(canary);
      expect(rt.pickUpstream(rest, facts({ cookies: { track: 'canary' } }))).toBe(canary);
    }
    // The header is looked at first.
    expect(rt.pickUpstream(rest, facts({ headers: { 'x-canary': 'stable' }, cookies: { track: 'canary' } }))).toBe(stable);
  });

  it('ignores a pin naming no upstream and falls to the split', () => {
    const rt = make();
    const rest = service([stable, canary], { split: [{ upstream: 'stable', weight: 1 }], pin: { header: 'x-canary', cookie: 'track' } });
    expect(rt.pickUpstream(rest, facts({ headers: { 'x-canary': 'nope' } }))).toBe(stable);
    expect(rt.pickUpstream(rest, facts({ headers: { 'x-canary': 'nope' }, cookies: { track: 'canary' } }))).toBe(canary);
    expect(rt.pickUpstream(rest, facts({ cookies: { track: '' } }))).toBe(stable);
  });

  it('uses `default` without a split, else the first upstream; ignores unknown split entries', () => {
    const rt = make();
    const withDefault = upstream('default', ['http://d:1']);
    expect(rt.pickUpstream(service([stable, withDefault]), noFacts)).toBe(withDefault);
    expect(rt.pickUpstream(service([canary, stable]), noFacts)).toBe(canary);
    const rest = service([stable, canary], { split: [{ upstream: 'gone', weight: 50 }, { upstream: 'canary', weight: 1 }, { upstream: 'stable', weight: 0 }] });
    for (let i = 0; i < 20; i++) expect(rt.pickUpstream(rest, noFacts)).toBe(canary);
  });

  it('answers a service without upstreams with an empty one that leases nothing', () => {
    const rt = make();
    const rest = service([]);
    const picked = rt.pickUpstream(rest, noFacts);
    expect(picked.nodes).toEqual([]);
    expect(rt.lease(rest.serviceId, picked, noFacts, new Set())).toBeNull();
  });
});

describe('mirror', () => {
  it('picks the mirror for its percentage of calls', () => {
    const rt = make(9);
    const rest = service([stable, shadow], { mirror: { upstream: 'shadow', percent: 25 } });
    let mirrored = 0;
    for (let i = 0; i < 4_000; i++) {
      const target = rt.mirrorTarget(rest);
      if (target) {
        expect(target).toBe(shadow);
        mirrored++;
      }
    }
    expect(Math.abs(mirrored / 4_000 - 0.25)).toBeLessThanOrEqual(0.02);
  });

  it('never mirrors without a mirror, to an unknown upstream or at 0 %, and always at 100 %', () => {
    const rt = make();
    const none = [service([stable]), service([stable], { mirror: { upstream: 'missing', percent: 100 } }), service([stable, shadow], { mirror: { upstream: 'shadow', percent: 0 } })];
    for (const rest of none) for (let i = 0; i < 50; i++) expect(rt.mirrorTarget(rest)).toBeNull();
    const all = service([stable, shadow], { mirror: { upstream: 'shadow', percent: 100 } });
    for (let i = 0; i < 50; i++) expect(rt.mirrorTarget(all)).toBe(shadow);
  });

  it('counts what the handler reports about mirrored copies', () => {
    const rt = make();
    rt.countMirror('sent');
    rt.countMirror('sent');
    rt.countMirror('failed');
    rt.countMirror('dropped');
    expect(rt.stats()).toMatchObject({ mirrored: 2, mirrorFailed: 1, mirrorDropped: 1 });
  });
});
