import { afterEach, describe, expect, it } from 'vitest';
import type { LimitDecision, LimitRule, Limiter } from './limiter';

/** A limiter under test. `clock` is the time its settlements are aged with; `flush` waits for batched settlements. */
export interface ContractSubject {
  limiter: Limiter;
  flush?: () => Promise<void>;
}

export interface ContractOptions {
  create(clock: () => number): ContractSubject | Promise<ContractSubject>;
  source: LimitDecision['source'];
}

const minute = 60_000;
const t0 = 1_000 * minute; // a window start for every window used here
const rule = (limit: number, key = 'sub:1', extra: Partial<LimitRule> = {}): LimitRule => ({
  key,
  limit,
  windowMs: minute,
  policy: `${limit}/min`,
  ...extra,
});

/**
 * The behaviour every Limiter shares, registered as tests for one implementation. Times are passed explicitly
 * so the windows are exact; the clock only matters to settlements.
 */
export function limiterContract(name: string, options: ContractOptions): void {
  describe(`${name} (limiter contract)`, () => {
    let subject: ContractSubject;
    let time = t0;
    const clock = () => time;
    const start = async () => {
      time = t0;
      subject = await options.create(clock);
      return subject.limiter;
    };
    const hits = async (limiter: Limiter, rules: LimitRule[], at: number[]) => {
      const out: LimitDecision[] = [];
      for (const now of at) out.push(await limiter.hit(rules, now));
      return out;
    };
    const settle = async (limiter: Limiter, decision: LimitDecision, actual: Record<string, number>) => {
      expect(decision.reservation).toBeDefined();
      limiter.settle(decision.reservation!, actual);
      await subject.flush?.();
    };
    afterEach(() => subject?.limiter.close());

    it('admits exactly the limit within one window, then refuses with a retry time inside the window', async () => {
      const limiter = await start();
      const results = await hits(limiter, [rule(5)], [0, 1, 2, 3, 4, 5, 6].map((i) => t0 + i));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false]);
      expect(results.every((r) => r.source === options.source)).toBe(true);
      const refused = results[5]!;
      expect(refused.refusedBy?.policy).toBe('5/min');
      expect(refused.reservation).toBeUndefined();
      // 5 hits now become the previous cell next window at weight 1, decaying to 4/5 after a fifth of it.
      expect(refused.retryAfterMs).toBe(minute - 5 + minute / 5);
    });

    it('weights the previous window by its remaining overlap, and forgets it a window later', async () => {
      const limiter = await start();
      await hits(limiter, [rule(10)], Array.from({ length: 10 }, (_, i) => t0 + i));
      const half = t0 + minute + minute / 2;
      const next = await hits(limiter, [rule(10)], Array(6).fill(half));
      expect(next.map((r) => r.allowed)).toEqual([true, true, true, true, true, false]);
      const later = await hits(limiter, [rule(10)], Array(10).fill(t0 + 3 * minute));
      expect(later.every((r) => r.allowed)).toBe(true);
    });

    it('counts all rules or none: a refusal by one rule does not consume the others', async () => {
      const limiter = await start();
      const tight = { key: 'key:a', limit: 1, windowMs: 1_000, policy: '1/s' };
      const wide = rule(3, 'sub:a');
      expect((await limiter.hit([tight, wide], t0)).allowed).toBe(true);
      const refused = await limiter.hit([wide, tight], t0 + 1);
      expect(refused).toMatchObject({ allowed: false, refusedBy: { policy: '1/s' } });
      const after = await hits(limiter, [wide], [t0 + 2, t0 + 3, t0 + 4]);
      expect(after.map((r) => r.allowed)).toEqual([true, true, false]);
    });

    it('keeps keys apart', async () => {
      const limiter = await start();
      expect((await limiter.hit([rule(1, 'a')], t0)).allowed).toBe(true);
      expect((await limiter.hit([rule(1, 'b')], t0)).allowed).toBe(true);
      expect((await limiter.hit([rule(1, 'a')], t0 + 1)).allowed).toBe(false);
      expect((await limiter.hit([rule(1, 'a', { windowMs: 1_000 })], t0 + 1)).allowed).toBe(true);
    });

    it('counts cost > 1 and admits only what fits in full', async () => {
      const limiter = await start();
      const tokens = (cost: number) => rule(10, 'app:1:tokens', { cost });
      const results = await hits(limiter, [tokens(4)], [t0, t0 + 1, t0 + 2]);
      expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
      expect(results[1]!.states[0]!.remaining).toBe(2);
      const exact = await limiter.hit([tokens(2)], t0 + 3);
      expect(exact.allowed).toBe(true);
      expect(exact.states[0]).toMatchObject({ remaining: 0 });
      expect((await limiter.hit([tokens(1)], t0 + 4)).allowed).toBe(false);
      const tooBig = await limiter.hit([rule(10, 'app:2:tokens', { cost: 11 })], t0);
      expect(tooBig).toMatchObject({ allowed: false, refusedBy: { key: 'app:2:tokens' } });
    });

    it('settles a reservation down, freeing what was not used', async () => {
      const limiter = await start();
      const reserve = await limiter.hit([rule(10, 'tok', { cost: 8 })], t0);
      await settle(limiter, reserve, { tok: 3 });
      const more = await limiter.hit([rule(10, 'tok', { cost: 7 })], t0 + 1);
      expect(more).toMatchObject({ allowed: true, states: [{ remaining: 0 }] });
      expect((await limiter.hit([rule(10, 'tok')], t0 + 2)).allowed).toBe(false);
    });

    it('settles a reservation up, and keeps it where the actual amounts name no key', async () => {
      const limiter = await start();
      const both = [rule(10, 'tok', { cost: 2 }), rule(10, 'req')];
      const reserve = await limiter.hit(both, t0);
      await settle(limiter, reserve, { tok: 9, unrelated: 50 });
      const next = await limiter.hit([rule(10, 'tok'), rule(10, 'req')], t0 + 1);
      expect(next.states.map((s) => s.remaining)).toEqual([0, 8]);
      expect((await limiter.hit([rule(10, 'tok')], t0 + 2)).allowed).toBe(false);
    });

    it('settles once per reservation', async () => {
      const limiter = await start();
      const reserve = await limiter.hit([rule(10, 'tok', { cost: 5 })], t0);
      await settle(limiter, reserve, { tok: 1 });
      await settle(limiter, reserve, { tok: 1 });
      expect((await limiter.hit([rule(10, 'tok', { cost: 9 })], t0 + 1)).allowed).toBe(true);
      expect((await limiter.hit([rule(10, 'tok')], t0 + 2)).allowed).toBe(false);
    });

    it('settles into the previous cell once the window has moved on, never below 0', async () => {
      const limiter = await start();
      const reserve = await limiter.hit([rule(10, 'tok', { cost: 6 })], t0);
      time = t0 + minute + minute / 2;
      await settle(limiter, reserve, { tok: 0 });
      // Without the settlement, half of the 6 reserved would still weigh on the window.
      const next = await hits(limiter, [rule(10, 'tok')], Array(11).fill(time));
      expect(next.filter((r) => r.allowed)).toHaveLength(10);
    });

    it('drops a settlement whose cell no longer weighs on the window', async () => {
      const limiter = await start();
      const reserve = await limiter.hit([rule(10, 'tok', { cost: 6 })], t0);
      time = t0 + 2 * minute;
      expect((await limiter.hit([rule(10, 'tok', { cost: 4 })], time)).allowed).toBe(true);
      await settle(limiter, reserve, { tok: 0 });
      // Applied to the current cell instead, it would free 6 of the 4 counted now.
      expect((await limiter.hit([rule(10, 'tok', { cost: 6 })], time + 1)).allowed).toBe(true);
      expect((await limiter.hit([rule(10, 'tok')], time + 2)).allowed).toBe(false);
    });

    it('reports remaining and reset per rule, in rule order', async () => {
      const limiter = await start();
      const now = t0 + minute / 4;
      const rules = [rule(5, 'a'), rule(2, 'b', { windowMs: 1_000, policy: '2/s' })];
      await limiter.hit(rules, now);
      const second = await limiter.hit(rules, now);
      expect(second.states).toEqual([
        { rule: rules[0], remaining: 3, resetMs: (3 * minute) / 4 },
        // Nothing more fits in 'b': reset is when one more would, half way into the next second.
        { rule: rules[1], remaining: 0, resetMs: 1_500 },
      ]);
      const refused = await limiter.hit(rules, now + 1);
      expect(refused).toMatchObject({ allowed: false, refusedBy: { policy: '2/s' }, retryAfterMs: 999 + 500 });
      expect(refused.states.map((s) => s.remaining)).toEqual([3, 0]);
      expect(refused.states[1]!.resetMs).toBe(refused.retryAfterMs);
    });

    it('checks several windows at once and names the one that frees up last', async () => {
      const limiter = await start();
      const perSecond = { key: 'sub:9:s', limit: 2, windowMs: 1_000, policy: '2/s' };
      const perMinute = { key: 'sub:9:min', limit: 3, windowMs: minute, policy: '3/min' };
      const rules = [perSecond, perMinute];
      const first = await hits(limiter, rules, [t0, t0 + 1, t0 + 2]);
      expect(first.map((r) => r.allowed)).toEqual([true, true, false]);
      expect(first[2]!.refusedBy?.policy).toBe('2/s');
      // Two seconds later the per-second window has forgotten both; the minute has room for one.
      expect((await limiter.hit(rules, t0 + 2_000)).allowed).toBe(true);
      const refused = await limiter.hit(rules, t0 + 4_000);
      expect(refused).toMatchObject({ allowed: false, refusedBy: { policy: '3/min' } });
      expect(refused.retryAfterMs).toBeGreaterThan(minute - 4_000);
      expect((await limiter.hit([perSecond], t0 + 4_000)).allowed).toBe(true);
    });

    it('counts a fixed window from its given start, without the window before it', async () => {
      const limiter = await start();
      const month = (begin: number, cost: number) => rule(10, 'team:1:usd', { fixedWindowStart: begin, cost });
      const first = t0 + 7;
      const reserve = await limiter.hit([month(first, 6)], t0 + 10);
      expect(reserve).toMatchObject({ allowed: true, states: [{ remaining: 4, resetMs: minute - 3 }] });
      expect(await limiter.hit([month(first, 5)], t0 + 11)).toMatchObject({ allowed: false, retryAfterMs: minute - 4 });
      await settle(limiter, reserve, { 'team:1:usd': 2 });
      expect((await limiter.hit([month(first, 8)], t0 + 12)).allowed).toBe(true);
      // The next window starts afresh, on the same key: a sliding window would still weigh nearly all of the 10 before.
      const second = first + minute;
      expect((await limiter.hit([month(second, 10)], second + 1)).allowed).toBe(true);
    });

    it('reserves what room is left for an elastic rule, down to its minimum, then refuses until the window ends', async () => {
      const limiter = await start();
      const budget = (cost: number, minCost?: number) => rule(100, 'app:1:usd', { fixedWindowStart: t0, cost, minCost });
      const full = await limiter.hit([budget(60, 10)], t0 + 1);
      expect(full.reservation?.cells.map((c) => c.amount)).toEqual([60]);
      // 40 left: the next call reserves those 40 instead of being refused for want of 60.
      const capped = await limiter.hit([budget(60, 10)], t0 + 2);
      expect(capped).toMatchObject({ allowed: true, states: [{ remaining: 0 }] });
      expect(capped.reservation?.cells.map((c) => c.amount)).toEqual([40]);
      const refused = await limiter.hit([budget(60, 10)], t0 + 3);
      expect(refused).toMatchObject({ allowed: false, retryAfterMs: minute - 3 });
      // Settling the capped call to what it used frees the rest, for a call that needs its whole cost too.
      await settle(limiter, capped, { 'app:1:usd': 15 });
      expect((await limiter.hit([budget(25)], t0 + 4)).allowed).toBe(true);
      expect((await limiter.hit([budget(1)], t0 + 5)).allowed).toBe(false);
    });

    it('counts an elastic rule only when every rule fits, and never past its limit under concurrent hits', async () => {
      const limiter = await start();
      const budget = rule(1_000, 'team:1:usd', { fixedWindowStart: t0, cost: 70, minCost: 7 });
      const other = rule(1, 'sub:1:req');
      await limiter.hit([other], t0);
      expect(await limiter.hit([budget, other], t0 + 1)).toMatchObject({ allowed: false, refusedBy: { key: 'sub:1:req' } });
      const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.hit([budget], t0 + 2 + i)));
      const counted = decisions.flatMap((d) => d.reservation?.cells.map((c) => c.amount) ?? []);
      // 14 whole reservations fill 980, one more takes the last 20, and the rest are refused.
      expect(counted.reduce((a, b) => a + b, 0)).toBe(1_000);
      expect(counted.filter((n) => n === 70)).toHaveLength(14);
      expect(counted.filter((n) => n !== 70)).toEqual([20]);
      expect(decisions.filter((d) => !d.allowed)).toHaveLength(40 - 15);
    });

    it('admits an empty rule list without counting anything', async () => {
      const limiter = await start();
      expect(await limiter.hit([], t0)).toMatchObject({ allowed: true, retryAfterMs: 0, states: [] });
    });
  });
}
