import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Redis } from 'ioredis';
import type { LimiterUnavailableMode } from '@tollgate/domain';
import { RedisLimiter } from '@tollgate/limiter';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

/**
 * Redis stopped in the middle of a run, through real gateways on a real redis-server: each failure mode does
 * what the plan chose, nothing crashes, and every gateway goes back to the shared counters once Redis returns
 * on the same address.
 */
let redis: TestRedis;
let port: number;
let upstream: MockOpenAi;
const gateways = new Map<LimiterUnavailableMode, Awaited<ReturnType<typeof startTestGateway>>>();
const limiters: RedisLimiter[] = [];

const chat = async (mode: LimiterUnavailableMode) => {
  const res = await request(`${gateways.get(mode)!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, text };
};
const statuses = async (mode: LimiterUnavailableMode, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await chat(mode)).status);
  return out;
};

beforeAll(async () => {
  redis = await startRedisServer();
  port = Number(new URL(redis.url).port);
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
  for (const mode of ['open', 'closed', 'local'] as const) {
    const limiter = new RedisLimiter(redis.url, { commandTimeoutMs: 50, breakerThreshold: 2, breakerCoolDownMs: 100, keyPrefix: `{tollgate}:${mode}:` });
    limiters.push(limiter);
    await limiter.ready();
    const snapshot = testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-up', planLimits: { requestsPerMinute: 3, onLimiterUnavailable: mode } });
    gateways.set(mode, await startTestGateway(snapshot, { limiter }));
  }
});
afterAll(async () => {
  for (const g of gateways.values()) await g.close();
  for (const l of limiters) await l.close();
  await upstream.close();
  await redis.close();
});

describe('Redis outage', () => {
  it('open admits uncounted, closed refuses with 429 naming why, local counts in memory; all recover when Redis returns', async () => {
    for (const mode of gateways.keys()) expect(await statuses(mode, 4), mode).toEqual([200, 200, 200, 429]);

    await redis.close();
    // Open: nothing is counted while Redis is gone, so even past the limit calls go through.
    expect(await statuses('open', 5)).toEqual([200, 200, 200, 200, 200]);
    // Closed: refused, with a 429 (not a 503) that says the limit cannot be counted.
    const refused = await chat('closed');
    expect(refused.status).toBe(429);
    expect(refused.text).toMatch(/Rate limit store unavailable: plan 'gold': 3 requests per minute refuses calls while it cannot be counted/);
    // Local: this gateway's own memory counts, starting afresh.
    expect(await statuses('local', 4)).toEqual([200, 200, 200, 429]);
    for (const l of limiters) expect(l.stats().redisErrors).toBeGreaterThan(0);
    // The outage shows on /metrics too.
    const scraped = await (await fetch(`${gateways.get('closed')!.url}/metrics`)).text();
    expect(Number(/^tollgate_gateway_limiter_redis_errors (\d+)/m.exec(scraped)?.[1])).toBeGreaterThan(0);
    expect(Number(/^tollgate_gateway_limiter_degraded_decisions (\d+)/m.exec(scraped)?.[1])).toBeGreaterThan(0);

    const back = await startRedisServer({ port });
    redis = back;
    // Recovery is automatic: the breaker probes again and the shared counters take over (Redis restarted empty).
    const deadline = Date.now() + 5_000;
    while ((await chat('closed')).status !== 200) {
      if (Date.now() > deadline) throw new Error('the closed gateway did not recover after Redis came back');
      await new Promise((r) => setTimeout(r, 50));
    }
    const probe = new Redis(redis.url);
    const keys = await probe.keys('{tollgate}:closed:*');
    probe.disconnect();
    expect(keys.length).toBeGreaterThan(0);
    expect(await statuses('closed', 3)).toEqual([200, 200, 429]);
  });
});
