import { afterEach, describe, expect, it } from 'vitest';
import { limiterContract } from './limiter-contract';
import { MemoryLimiter } from './memory-limiter';

limiterContract('MemoryLimiter', { create: () => ({ limiter: new MemoryLimiter() }), source: 'memory' });

const minute = 60_000;
const rule = (limit: number, key = 'sub:1') => ({ key, limit, windowMs: minute, policy: `${limit}/min` });

describe('MemoryLimiter', () => {
  let limiter: MemoryLimiter;
  afterEach(() => limiter.close());

  it('admits exactly the limit within one window, then refuses with a retry time inside the window', () => {
    limiter = new MemoryLimiter();
    const t0 = 10 * minute;
    const results = Array.from({ length: 7 }, (_, i) => limiter.hit([rule(5)], t0 + i));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false]);
    const refused = results[5]!;
    expect(refused.refusedBy?.policy).toBe('5/min');
    // 5 hits now become the previous cell next window at weight 1, decaying to 4/5 after a fifth of it.
    expect(refused.retryAfterMs).toBe(minute - 5 + minute / 5);
  });

  it('weights the previous window by its remaining overlap', () => {
    limiter = new MemoryLimiter();
    const t0 = 10 * minute;
    for (let i = 0; i < 10; i++) expect(limiter.hit([rule(10)], t0 + i).allowed).toBe(true);
    // Half way into the next window, half of the previous 10 still count: 5 more fit.
    const half = t0 + minute + minute / 2;
    const next = Array.from({ length: 6 }, () => limiter.hit([rule(10)], half).allowed);
    expect(next).toEqual([true, true, true, true, true, false]);
    // Two windows later the old counts are gone entirely.
    const later = Array.from({ length: 10 }, () => limiter.hit([rule(10)], t0 + 3 * minute).allowed);
    expect(later.every(Boolean)).toBe(true);
  });

  it('counts all rules or none: a refusal by one rule does not consume the others', () => {
    limiter = new MemoryLimiter();
    const t0 = 10 * minute;
    const tight = { key: 'key:a', limit: 1, windowMs: 1_000, policy: '1/s' };
    const wide = rule(3, 'sub:a');
    expect(limiter.hit([tight, wide], t0).allowed).toBe(true);
    const refused = limiter.hit([wide, tight], t0 + 1);
    expect(refused).toMatchObject({ allowed: false, refusedBy: { policy: '1/s' } });
    expect(limiter.hit([wide], t0 + 2).allowed).toBe(true);
    expect(limiter.hit([wide], t0 + 3).allowed).toBe(true);
    expect(limiter.hit([wide], t0 + 4).allowed).toBe(false);
  });

  it('never rolls a window back: a hit stamped earlier than the window counts in it', () => {
    limiter = new MemoryLimiter();
    const perSecond = { key: 'sub:stale', limit: 5, windowMs: 1_000, policy: '5/s' };
    for (let i = 0; i < 5; i++) expect(limiter.hit([perSecond], 10_500 + i).allowed).toBe(true);
    // A caller that waited (a Redis timeout) hands in a time from the previous second: still full.
    expect(limiter.hit([perSecond], 9_990).allowed).toBe(false);
    expect(limiter.hit([perSecond], 10_600).allowed).toBe(false);
  });

  it('keeps keys apart', () => {
    limiter = new MemoryLimiter();
    expect(limiter.hit([rule(1, 'a')], 0).allowed).toBe(true);
    expect(limiter.hit([rule(1, 'b')], 0).allowed).toBe(true);
    expect(limiter.hit([rule(1, 'a')], 1).allowed).toBe(false);
  });
});
