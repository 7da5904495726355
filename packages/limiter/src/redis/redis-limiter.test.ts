import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LimitRule } from '../limiter';
import { limiterContract } from '../limiter-contract';
import { RedisLimiter, fastFailRedisOptions } from './redis-limiter';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.close());

let prefixes = 0;
/** Each limiter gets its own hash tag, so tests sharing the server never see each other's counters. */
const freshPrefix = () => `{t${process.pid}-${++prefixes}}:rl:`;

/** A generous timeout: these tests are about counting, not about a slow machine degrading decisions. */
const counting = { commandTimeoutMs: 2_000 };

limiterContract('RedisLimiter', {
  source: 'redis',
  async create(clock) {
    const limiter = new RedisLimiter(redis.url, { ...counting, keyPrefix: freshPrefix(), clock });
    await limiter.ready();
    return { limiter, flush: () => limiter.flush() };
  },
});

/** Redis Cluster's key slot: CRC16-XMODEM of the hash tag (or the whole key) modulo 16384. */
function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16_384;
}

interface Seen {
  command: string;
  keys: string[];
}

/** Records the script calls Redis executes (MONITOR sees what the server runs, not what a client meant to send). */
async function watchScripts(url: string) {
  const client = new Redis(url);
  const monitor = await client.monitor();
  const seen: Seen[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    const command = args[0]!.toLowerCase();
    if (command === 'evalsha' || command === 'eval') seen.push({ command, keys: args.slice(3, 3 + Number(args[2])) });
  });
  const settled = async (count: number) => {
    for (let i = 0; i < 100 && seen.length < count; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50)); // and nothing more arrives
  };
  return { seen, settled, close: () => (monitor.disconnect(), client.disconnect()) };
}

describe('RedisLimiter', () => {
  const limiters: RedisLimiter[] = [];
  const make = async (source: Redis | string, options = {}) => {
    const limiter = new RedisLimiter(source, { ...counting, keyPrefix: freshPrefix(), ...options });
    limiters.push(limiter);
    await limiter.ready();
    return limiter;
  };
  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((l) => l.close()));
  });

  it('admits exactly the limit to 200 concurrent hits from two gateways on separate connections', async () => {
    const keyPrefix = freshPrefix();
    const own = new Redis(redis.url, { ...fastFailRedisOptions(), lazyConnect: false });
    const a = await make(redis.url, { keyPrefix });
    const b = await make(own, { keyPrefix });
    const rules: LimitRule[] = [
      { key: 'sub:race:min', limit: 50, windowMs: 60_000, policy: '50/min' },
      { key: 'team:race:cost:day', limit: 1_000_000, windowMs: 86_400_000, policy: 'budget', cost: 7 },
    ];
    const now = Date.now();
    const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).hit(rules, now)));
    expect(decisions.every((d) => d.source === 'redis')).toBe(true);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(50);
    // The budget was counted for the admitted requests only: all or nothing, also under contention.
    const check = await a.hit([{ ...rules[1]!, cost: 0 }], now);
    expect(check.states[0]!.remaining).toBe(1_000_000 - 50 * 7);
    await b.close();
    expect(own.status).toBe('ready'); // a client passed in belongs to the caller: close() leaves it open
    own.disconnect();
  });

  it('puts every key of every script call in one cluster slot, the prefix hash tag', async () => {
    expect([keySlot('somekey'), keySlot('foo{hash_tag}'), keySlot('{hash_tag}')]).toEqual([11058, 2515, 2515]);
    const watch = await watchScripts(redis.url);
    try {
      const limiter = await make(redis.url, { keyPrefix: '{tollgate}:rl:' });
      const rules: LimitRule[] = [
        { key: 'sub:{odd}:s', limit: 10, windowMs: 1_000, policy: 'a' },
        { key: 'app:7:tokens:day', limit: 10_000, windowMs: 86_400_000, policy: 'b', cost: 500 },
        { key: 'team:3:cost:month', limit: 10 ** 9, windowMs: 30 * 86_400_000, policy: 'c', cost: 2_000 },
      ];
      const first = await limiter.hit(rules);
      await limiter.hit(rules.slice(1));
      limiter.settle(first.reservation!, { 'app:7:tokens:day': 120, 'team:3:cost:month': 900 });
      await limiter.flush();
      await watch.settled(3);
      // Two hits (3 and 2 rules, two cells each) and one settlement batch (two cells); EVAL after a NOSCRIPT repeats one.
      expect(new Set(watch.seen.map((s) => s.keys.length))).toEqual(new Set([6, 4, 2]));
      const slots = new Set(watch.seen.flatMap((s) => s.keys.map(keySlot)));
      expect([...slots]).toEqual([keySlot('{tollgate}')]);
    } finally {
      watch.close();
    }
  });

  it('refuses a key prefix without a hash tag, since the script would then span slots', () => {
    expect(() => new RedisLimiter(redis.url, { keyPrefix: 'tollgate:rl:' })).toThrow(/hash tag/);
    expect(() => new RedisLimiter(redis.url, { keyPrefix: '{}:rl:' })).toThrow(/hash tag/);
  });

  it('sends settlements in far fewer round trips than there are settlements', async () => {
    const limiter = await make(redis.url, { settleMaxItems: 500, settleMaxDelayMs: 20 });
    const rule = (i: number): LimitRule => ({ key: `app:${i % 10}:tokens`, limit: 100_000, windowMs: 60_000, policy: 'tokens', cost: 50 });
    const now = Date.now();
    const reservations = [];
    for (let i = 0; i < 1_000; i++) reservations.push((await limiter.hit([rule(i)], now)).reservation!);
    const watch = await watchScripts(redis.url);
    try {
      for (const reservation of reservations) limiter.settle(reservation, { [reservation.cells[0]!.key]: 20 });
      await limiter.flush();
      await watch.settled(1);
      // 1 000 settlements: two full batches of 500, each one script call with one entry per key.
      expect(watch.seen.length).toBeGreaterThanOrEqual(1);
      expect(watch.seen.length).toBeLessThanOrEqual(3);
      expect(watch.seen.every((s) => s.keys.length <= 10)).toBe(true);
      expect(limiter.stats()).toMatchObject({ settleBatches: watch.seen.length, settlementsDropped: 0 });
      const after = await limiter.hit([{ ...rule(0), cost: 0 }], now);
      expect(after.states[0]!.remaining).toBe(100_000 - 100 * 20);
    } finally {
      watch.close();
    }
  });

  it('flushes a few settlements by itself shortly after they are queued', async () => {
    const limiter = await make(redis.url, { settleMaxDelayMs: 20 });
    const rule: LimitRule = { key: 'tok', limit: 10, windowMs: 60_000, policy: 'tokens', cost: 10 };
    const now = Date.now();
    const reserved = await limiter.hit([rule], now);
    limiter.settle(reserved.reservation!, { tok: 4 });
    let remaining = 0;
    for (let i = 0; i < 50 && remaining === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      remaining = (await limiter.hit([{ ...rule, cost: 0 }], now)).states[0]!.remaining;
    }
    expect(remaining).toBe(6);
    expect(limiter.stats().settleBatches).toBe(1);
  });

  it('keeps cells no longer than two windows', async () => {
    const limiter = await make(redis.url, { keyPrefix: '{ttl}:' });
    await limiter.hit([{ key: 'k', limit: 5, windowMs: 10_000, policy: 'p' }], 1_000_000);
    const client = new Redis(redis.url);
    try {
      const ttl = await client.pttl('{ttl}:k:10000:1000000');
      expect(ttl).toBeGreaterThan(19_000);
      expect(ttl).toBeLessThanOrEqual(20_000);
    } finally {
      client.disconnect();
    }
  });
});
