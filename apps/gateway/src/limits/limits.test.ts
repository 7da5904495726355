import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { MemoryLimiter, RedisLimiter, type Limiter } from '@tollgate/limiter';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot, type TestSnapshotOptions } from '../testing/test-snapshot';

/**
 * The limit step through a real gateway and the official OpenAI SDK, once on the in-memory limiter and once
 * on the Redis limiter against a private redis-server: the same behaviour from both.
 */
let upstream: MockOpenAi;
let redis: TestRedis;
let gatewayCount = 0;
beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
  redis = await startRedisServer();
});
afterAll(async () => {
  await upstream.close();
  await redis.close();
});

const limiters: Record<string, () => Promise<Limiter>> = {
  memory: async () => new MemoryLimiter(),
  redis: async () => {
    // A key prefix per gateway: the snapshots reuse ids, and each test must start from empty counters.
    const limiter = new RedisLimiter(redis.url, { keyPrefix: `{tollgate}:t${++gatewayCount}:` });
    await limiter.ready();
    return limiter;
  },
};

describe.each(Object.keys(limiters))('rate limits in the gateway (%s limiter)', (kind) => {
  async function gatewayWith(o: Omit<TestSnapshotOptions, 'providerUrl'>) {
    const limiter = await limiters[kind]!();
    const started = await startTestGateway(testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-up', ...o }), { limiter });
    const gateway = {
      ...started,
      close: async () => (await started.close(), await limiter.close()),
      /** Settlements are batched (Redis) after the call's record completes: wait until they are applied. */
      settled: async () => (await started.flushed(), limiter instanceof RedisLimiter && (await limiter.flush())),
    };
    const client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    return { gateway, client };
  }
const ask = (max_tokens?: number) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello there' }], ...(max_tokens ? { max_tokens } : {}) });
const askStream = (max_tokens: number) => ({ ...ask(max_tokens), stream: true as const, stream_options: { include_usage: true } });

  it('answers rate-limit headers on allowed calls and a 429 naming the policy, with Retry-After, once over', async () => {
    const { gateway, client } = await gatewayWith({ planLimits: { requestsPerMinute: 2, perKey: { requestsPerDay: 100 } } });
    const first = await client.chat.completions.create(ask()).withResponse();
    expect(first.response.headers.get('ratelimit-policy')).toBe('"plan-requests-min";q=2;w=60, "key-requests-day";q=100;w=86400');
    expect(first.response.headers.get('ratelimit')).toMatch(/^"plan-requests-min";r=1;t=\d+, "key-requests-day";r=99;t=\d+$/);
    expect(first.response.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.response.headers.get('x-ratelimit-remaining')).toBe('1');
    await client.chat.completions.create(ask());
    const refused = await client.chat.completions.create(ask()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const err = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(err.status).toBe(429);
    expect(err.message).toMatch(/Rate limit exceeded: plan 'gold': 2 requests per minute\. Retry after \d+ s\./);
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(err.headers?.get('x-ratelimit-remaining')).toBe('0');
    expect(err.headers?.get('ratelimit-policy')).toContain('"plan-requests-min";q=2;w=60');
    await gateway.close();
  });

  it('reserves tokens before the call and settles the real usage after it, so the window holds what was used', async () => {
    const { gateway, client } = await gatewayWith({ planLimits: { tokensPerMinute: 1_000 } });
    // The reservation alone (input + max_tokens) is more than the whole limit: it could never fit, so it is a 400
    // that says so and how far to lower max_tokens (it was a 429 "retry after 96 s" forever), before any upstream call.
    const upstreamCalls = upstream.requests.length;
    const tooBig = await client.chat.completions.create(ask(5_000)).catch((e: unknown) => e);
    expect(tooBig).toBeInstanceOf(OpenAI.BadRequestError);
    expect(tooBig).toMatchObject({ code: 'call_exceeds_limit', param: 'max_tokens' });
    expect((tooBig as Error).message).toMatch(/can never fit plan 'gold': 1000 tokens per minute: about \d+ input tokens plus 5000 output tokens .*at most \d+ output tokens/);
    expect(upstream.requests).toHaveLength(upstreamCalls);

    const { data, response } = await client.chat.completions.create(ask(500)).withResponse();
    // While the call ran, 500 output tokens plus the input estimate were held...
    expect(Number(response.headers.get('x-ratelimit-remaining'))).toBeLessThanOrEqual(500);
    await gateway.settled();
    // ...and once it was settled, only what it really used is counted.
    const next = await client.chat.completions.create(ask(1)).withResponse();
    const used = data.usage!.total_tokens;
    const remaining = Number(next.response.headers.get('x-ratelimit-remaining'));
    expect(remaining).toBeGreaterThan(1_000 - used - 50);
    await gateway.close();
  });

  it('carries the rate-limit headers on an error the gateway answers after the limit step', async () => {
    const limiter = await limiters[kind]!();
    // A provider that refuses connections: every target fails after the limit was counted.
    const started = await startTestGateway(testSnapshot({ providerUrl: 'http://127.0.0.1:9/v1', planLimits: { requestsPerMinute: 10 } }), { limiter, retry: { rounds: 0, maxBackoffMs: 0 } });
    const res = await fetch(`${started.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' },
      body: JSON.stringify(ask()),
    });
    expect(res.status).toBe(502);
    expect(res.headers.get('ratelimit-policy')).toBe('"plan-requests-min";q=10;w=60');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('9');
    await started.close();
    await limiter.close();
  });

  it('keeps the reservation of a stream the client left before its usage arrived: no free tokens', async () => {
    const slow = await startMockOpenAi({ apiKey: 'sk-up', chunkDelayMs: 15 });
    const limiter = await limiters[kind]!();
    const started = await startTestGateway(testSnapshot({ providerUrl: slow.url, providerKey: 'sk-up', planLimits: { tokensPerMinute: 2_000 } }), { limiter });
    const client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${started.url}/v1`, maxRetries: 0 });
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: words }], max_tokens: 300, stream: true });
    for await (const _chunk of stream) break; // one chunk, then the client leaves
    const deadline = Date.now() + 3_000;
    while (!(await started.flushed()).some((r) => r.errorCode === 'client_closed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (limiter instanceof RedisLimiter) await limiter.flush();
    const next = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }).withResponse();
    // The abandoned stream still holds its ~300-token reservation (settling it to 0 would leave ~1,990).
    expect(Number(next.response.headers.get('x-ratelimit-remaining'))).toBeLessThan(2_000 - 300);
    await started.close();
    await limiter.close();
    await slow.close();
  });

  it('keeps a token budget under concurrent streams to within one reservation', async () => {
    const limit = 400;
    const { gateway, client } = await gatewayWith({ planLimits: { tokensPerMinute: limit } });
    let used = 0;
    let refused = 0;
    // Waves of 10 concurrent streams until the budget refuses every one of a wave.
    for (let wave = 0; wave < 100 && refused < 10; wave++) {
      refused = 0;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          try {
            const stream = await client.chat.completions.create(askStream(30));
            for await (const chunk of stream) if (chunk.usage) used += chunk.usage.total_tokens;
          } catch (err) {
            if (!(err instanceof OpenAI.RateLimitError)) throw err;
            refused++;
          }
        }),
      );
      await gateway.settled();
    }
    expect(refused).toBe(10);
    const reservation = Math.ceil(Buffer.byteLength(JSON.stringify(askStream(30))) / 3) + 30;
    expect(used).toBeGreaterThan(limit / 2);
    expect(used).toBeLessThanOrEqual(limit + reservation);
    await gateway.close();
  });

  it('stops an app at its monthly budget, priced at the model, and names the budget', async () => {
    // 1 USD per million tokens each way: a call of ~20 tokens costs ~20 micro-USD; the reservation more.
    const price = { input_cost_per_token: 1e-6, output_cost_per_token: 1e-6 };
    const { gateway, client } = await gatewayWith({ appCostBudget: 300, priceOverrides: { 'gpt-4o-mini': price } });
    let calls = 0;
    let last: unknown;
    while (calls < 50) {
      last = await client.chat.completions.create(ask(20)).then(() => null, (e: unknown) => e);
      if (last) break;
      calls++;
      await gateway.settled();
    }
    expect(last).toBeInstanceOf(OpenAI.RateLimitError);
    expect((last as Error).message).toMatch(/app 'approved app': budget of 0\.0003 USD per month/);
    const records = await gateway.flushed();
    const spent = records.filter((r) => r.status === 200).reduce((sum, r) => sum + r.costMicroUsd, 0);
    expect(calls).toBeGreaterThan(3);
    expect(spent).toBeLessThanOrEqual(300);
    await gateway.close();
  });
});
