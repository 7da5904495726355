import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { LimitDecision, LimitRule } from '../limiter';
import { RedisLimiter, type LimiterLogger } from './redis-limiter';

const rule = (key: string, limit: number, onUnavailable: LimitRule['onUnavailable']): LimitRule => ({
  key,
  limit,
  windowMs: 60_000,
  policy: `${key} ${limit}/min`,
  onUnavailable,
});
const openRule = rule('open', 1, 'open');
const localRule = rule('local', 2, 'local');
const closedRule = rule('closed', 5, 'closed');
const defaultRule = rule('default', 1, undefined);

function recordingLogger() {
  const lines: { level: string; obj: Record<string, unknown> }[] = [];
  const logger: LimiterLogger = {
    warn: (obj) => lines.push({ level: 'warn', obj: obj as Record<string, unknown> }),
    error: (obj) => lines.push({ level: 'error', obj: obj as Record<string, unknown> }),
  };
  return { lines, logger };
}

/** The decision and how long `hit` took to give it. */
async function timedHit(limiter: RedisLimiter, rules: LimitRule[]): Promise<LimitDecision & { ms: number }> {
  const started = performance.now();
  const decision = await limiter.hit(rules);
  return { ...decision, ms: performance.now() - started };
}

describe('RedisLimiter when Redis is slow or gone', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('answers within about the command timeout when Redis stops answering, degrading per rule', async () => {
    const redis = await startRedisServer();
    cleanup.push(() => redis.close());
    // 200 ms rather than the default 50: on a busy test machine a healthy Redis may take longer than 50 ms.
    const limiter = new RedisLimiter(redis.url, { commandTimeoutMs: 200, breakerThreshold: 100 });
    cleanup.push(() => limiter.close());
    await limiter.ready();
    expect((await limiter.hit([localRule])).source).toBe('redis');

    const pauser = new Redis(redis.url);
    cleanup.push(() => pauser.disconnect());
    await pauser.call('CLIENT', 'PAUSE', '3000', 'ALL');
    const slow = await timedHit(limiter, [localRule, openRule]);
    expect(slow).toMatchObject({ allowed: true, source: 'degraded' });
    // The bound only has to tell "gave up after the timeout" from "waited out the 3 s pause".
    expect(slow.ms).toBeGreaterThanOrEqual(190);
    expect(slow.ms).toBeLessThan(1_500);
    const closed = await timedHit(limiter, [closedRule]);
    expect(closed).toMatchObject({ allowed: false, refusedBy: closedRule, source: 'degraded' });
    expect(closed.ms).toBeLessThan(1_500);
    expect(limiter.stats()).toMatchObject({ redisErrors: 2, degradedDecisions: 2, breakerOpen: false });
  });

  it('takes back what a timed-out hit counted once Redis got to it, since that request was decided without Redis', async () => {
    const redis = await startRedisServer();
    cleanup.push(() => redis.close());
    const limiter = new RedisLimiter(redis.url, { commandTimeoutMs: 50, breakerThreshold: 100 });
    cleanup.push(() => limiter.close());
    await limiter.ready();
    const tokens: LimitRule = { key: 'late', limit: 100, windowMs: 60_000, policy: 'tokens', cost: 30 };
    const now = Date.now();
    expect((await limiter.hit([tokens], now)).source).toBe('redis');

    const pauser = new Redis(redis.url);
    cleanup.push(() => pauser.disconnect());
    await pauser.call('CLIENT', 'PAUSE', '300', 'ALL');
    expect(await limiter.hit([tokens], now)).toMatchObject({ allowed: true, source: 'degraded' });
    for (let i = 0; i < 100 && limiter.stats().lateCountsUndone === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await limiter.flush();
    expect(limiter.stats().lateCountsUndone).toBe(1);
    // Only the first hit is left in Redis: the late one ran there (60 counted) and was taken back.
    const check = await limiter.hit([{ ...tokens, cost: 0 }], now);
    expect(check).toMatchObject({ source: 'redis', states: [{ remaining: 70 }] });
  });

  it('takes a reply that arrived while the process was busy instead of calling it a timeout', async () => {
    const redis = await startRedisServer();
    cleanup.push(() => redis.close());
    const limiter = new RedisLimiter(redis.url, { commandTimeoutMs: 50 });
    cleanup.push(() => limiter.close());
    await limiter.ready();
    const pending = limiter.hit([localRule]);
    const until = performance.now() + 150;
    while (performance.now() < until); // a GC pause or a burst of work: the reply waits in the socket
    expect((await pending).source).toBe('redis');
    expect(limiter.stats().redisErrors).toBe(0);
  });

  it('follows open, closed and local while Redis is down, opens the breaker, and recovers on its own', async () => {
    let redis = await startRedisServer();
    cleanup.push(() => redis.close());
    const port = Number(new URL(redis.url).port);
    const { lines, logger } = recordingLogger();
    const limiter = new RedisLimiter(redis.url, { commandTimeoutMs: 200, breakerThreshold: 3, breakerCoolDownMs: 300, logger, logEveryMs: 60_000 });
    cleanup.push(() => limiter.close());
    await limiter.ready();
    // Counted in Redis before the outage: the local fallback starts from zero, it does not inherit these.
    expect((await limiter.hit([localRule, openRule])).source).toBe('redis');

    await redis.close();
    const hits: (LimitDecision & { ms: number })[] = [];
    for (const rules of [[openRule], [openRule], [localRule], [localRule], [localRule], [closedRule], [openRule, closedRule], [defaultRule], [defaultRule]]) {
      hits.push(await timedHit(limiter, rules));
    }
    expect(hits.every((h) => h.source === 'degraded')).toBe(true);
    expect(Math.max(...hits.map((h) => h.ms))).toBeLessThan(1_500);
    // open: admitted and not counted, so a limit of 1 lets both through.
    expect(hits.slice(0, 2).map((h) => h.allowed)).toEqual([true, true]);
    expect(hits[0]!.reservation).toBeUndefined();
    // local: counted in this process, refused past the limit with a retry time.
    expect(hits.slice(2, 5).map((h) => h.allowed)).toEqual([true, true, false]);
    expect(hits[4]).toMatchObject({ refusedBy: localRule });
    expect(hits[4]!.retryAfterMs).toBeGreaterThan(0);
    // closed: refused and named, so the gateway answers 429 for it (never 503), also next to an open rule.
    expect(hits[5]).toMatchObject({ allowed: false, refusedBy: closedRule, retryAfterMs: 300 });
    expect(hits[6]).toMatchObject({ allowed: false, refusedBy: closedRule });
    // No onUnavailable means local.
    expect(hits.slice(7).map((h) => h.allowed)).toEqual([true, false]);

    const stats = limiter.stats();
    expect(stats).toMatchObject({ breakerOpen: true, degradedDecisions: 9 });
    expect(stats.redisErrors).toBe(3); // the breaker stopped calling Redis after the threshold
    for (let i = 0; i < 50; i++) await limiter.hit([openRule]);
    expect(limiter.stats().redisErrors).toBeLessThanOrEqual(4); // at most one probe in the meantime
    const hitLogs = lines.filter((l) => l.obj.kind === 'hit');
    expect(hitLogs).toHaveLength(1); // rate-limited: one line, not one per failure

    redis = await startRedisServer({ port });
    let recovered: LimitDecision | undefined;
    for (let i = 0; i < 200 && recovered?.source !== 'redis'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      recovered = await limiter.hit([closedRule]);
    }
    expect(recovered).toMatchObject({ source: 'redis', allowed: true });
    expect(limiter.stats().breakerOpen).toBe(false);
    // Counting in Redis again, on the fresh server: the closed rule's limit of 5 holds.
    const more = [];
    for (let i = 0; i < 5; i++) more.push(await limiter.hit([closedRule]));
    expect(more.map((d) => [d.allowed, d.source])).toEqual([...Array(4).fill([true, 'redis']), [false, 'redis']]);
  });

  it('settles a reservation made during the outage in memory, and drops Redis settlements it cannot send', async () => {
    const redis = await startRedisServer();
    cleanup.push(() => redis.close());
    const limiter = new RedisLimiter(redis.url, { commandTimeoutMs: 200, breakerThreshold: 1, breakerCoolDownMs: 60_000 });
    cleanup.push(() => limiter.close());
    await limiter.ready();
    const tokens = { ...localRule, key: 'tokens', limit: 10, cost: 8 };
    const inRedis = await limiter.hit([tokens]);
    expect(inRedis.source).toBe('redis');

    await redis.close();
    const local = await limiter.hit([tokens]);
    expect(local).toMatchObject({ allowed: true, source: 'degraded' });
    limiter.settle(local.reservation!, { tokens: 2 });
    expect((await limiter.hit([{ ...tokens, cost: 8 }])).allowed).toBe(true); // 2 + 8 fit only after settling
    expect((await limiter.hit([{ ...tokens, cost: 1 }])).allowed).toBe(false);

    limiter.settle(inRedis.reservation!, { tokens: 1 });
    await limiter.flush();
    expect(limiter.stats()).toMatchObject({ settlementsDropped: 1, settleBatches: 0 });
  });
});
