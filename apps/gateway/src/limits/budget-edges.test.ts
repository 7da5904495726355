import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { MemoryLimiter, RedisLimiter, type Limiter } from '@tollgate/limiter';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot, type TestSnapshotOptions } from '../testing/test-snapshot';
import { byteEstimate, type InputTokenCounter } from './input-tokens';

/**
 * Issue 16, item 6 (ADR 0027): budgets and token limits a client can actually use. Through a real gateway and
 * the official SDK, on the in-memory limiter and on Redis. Prices are round numbers: 1 micro-USD per input
 * token, 4 per output token.
 */
let upstream: MockOpenAi;
/** Answers after 300 ms, so that concurrent calls are all in flight at once, none settled yet. */
let slowUpstream: MockOpenAi;
let redis: TestRedis;
let prefix = 0;
beforeAll(async () => {
  // Usage as OpenAI counts it, so reservations can be compared with what calls really used.
  upstream = await startMockOpenAi({ apiKey: 'sk-up', realPromptTokens: true });
  slowUpstream = await startMockOpenAi({ apiKey: 'sk-up', realPromptTokens: true, firstByteDelayMs: 300 });
  redis = await startRedisServer();
});
afterAll(async () => {
  await upstream.close();
  await slowUpstream.close();
  await redis.close();
});

const prices = { 'gpt-4o-mini': { input_cost_per_token: 1e-6, output_cost_per_token: 4e-6 } };
const limiters: Record<string, () => Promise<Limiter>> = {
  memory: async () => new MemoryLimiter(),
  redis: async () => {
    const limiter = new RedisLimiter(redis.url, { keyPrefix: `{tollgate}:budget${++prefix}:` });
    await limiter.ready();
    return limiter;
  },
};
const ask = (max_tokens?: number, content = 'hello there') => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content }],
  ...(max_tokens ? { max_tokens } : {}),
});

describe.each(Object.keys(limiters))('budgets and token limits that can be used (%s limiter)', (kind) => {
  async function gatewayWith(o: Omit<TestSnapshotOptions, 'providerUrl'>, inputTokens?: InputTokenCounter, provider = upstream) {
    const limiter = await limiters[kind]!();
    const started = await startTestGateway(testSnapshot({ providerUrl: provider.url, providerKey: 'sk-up', priceOverrides: prices, ...o }), {
      limiter,
      ...(inputTokens ? { inputTokens } : {}),
    });
    const client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${started.url}/v1`, maxRetries: 0 });
    return {
      client,
      records: () => started.flushed(),
      /** Settlements are batched on Redis: wait until the last call's is applied. */
      settled: async () => (await started.flushed(), limiter instanceof RedisLimiter && (await limiter.flush())),
      close: async () => (await started.close(), await limiter.close()),
    };
  }

  it('serves calls without max_tokens from a budget smaller than the default reservation until it is used up', async () => {
    // 1,000 micro-USD: the default 1,024 output tokens alone would reserve 4,096, so every call used to wait a month.
    const g = await gatewayWith({ appCostBudget: 1_000 });
    let served = 0;
    let refusal: unknown;
    for (let i = 0; i < 200 && !refusal; i++) {
      const answer = await g.client.chat.completions.create(ask()).catch((e: unknown) => e);
      if (answer instanceof Error) refusal = answer;
      else served++;
      await g.settled();
    }
    expect(served).toBeGreaterThan(20);
    expect(refusal).toBeInstanceOf(OpenAI.RateLimitError);
    expect(refusal).toMatchObject({ code: 'insufficient_quota', type: 'insufficient_quota' });
    expect((refusal as Error).message).toMatch(/^429 Budget used up: app 'approved app': budget of 0\.001 USD per month, with 0(\.\d+)? USD left this month .*starts afresh on \d{4}-\d{2}-01 \(UTC\)\.$/);
    expect((refusal as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBeNull();
    // What was spent stays within the budget plus one call's real cost.
    const costs = (await g.records()).filter((r) => r.status === 200).map((r) => r.costMicroUsd);
    const spent = costs.reduce((a, b) => a + b, 0);
    expect(spent).toBeGreaterThan(1_000 - Math.max(...costs));
    expect(spent).toBeLessThanOrEqual(1_000 + Math.max(...costs));
    await g.close();
  });

  it('says how far to lower max_tokens when what is left is too small for it, and the lowered call is served', async () => {
    const g = await gatewayWith({ appCostBudget: 1_000 });
    // 200 output tokens reserve 800 of the 1,000 (plus the input): fine until a few calls have spent 200.
    let refusal: unknown;
    for (let i = 0; i < 100 && !refusal; i++) {
      const answer = await g.client.chat.completions.create(ask(200)).catch((e: unknown) => e);
      if (answer instanceof Error) refusal = answer;
      await g.settled();
    }
    expect(refusal).toBeInstanceOf(OpenAI.RateLimitError);
    expect(refusal).toMatchObject({ code: 'insufficient_quota', param: 'max_tokens' });
    const message = (refusal as Error).message;
    expect(message).toMatch(/This call may cost up to 0\.0008\d+ USD with max_tokens as sent \(200 output tokens\), more than the 0\.000\d+ USD left this month in app 'approved app': budget/);
    const fitting = Number(/Lower max_tokens to at most (\d+)/.exec(message)?.[1]);
    expect(fitting).toBeGreaterThan(100);
    expect(fitting).toBeLessThan(200);
    expect((await g.client.chat.completions.create(ask(fitting))).choices[0]!.message.content).toMatch(/^Echo: hello there/);
    await g.close();
  });

  it('answers 400 at once for a call whose max_tokens could never fit the whole budget or token limit', async () => {
    const g = await gatewayWith({ appCostBudget: 1_000, planLimits: { tokensPerMinute: 600 } });
    const budget = await g.client.chat.completions.create(ask(300)).catch((e: unknown) => e);
    expect(budget).toBeInstanceOf(OpenAI.BadRequestError);
    expect(budget).toMatchObject({ code: 'call_exceeds_limit' });
    expect((budget as Error).message).toMatch(/can never fit app 'approved app': budget of 0\.001 USD per month: it may cost up to 0\.0012\d+ USD/);
    const tokens = await g.client.chat.completions.create(ask(590)).catch((e: unknown) => e);
    expect(tokens).toMatchObject({ status: 400, code: 'call_exceeds_limit', param: 'max_tokens' });
    expect((tokens as Error).message).toMatch(/can never fit plan 'gold': 600 tokens per minute: about \d+ input tokens plus 590 output tokens/);
    await g.close();
  });

  it('serves calls without max_tokens under a token limit smaller than the default reservation', async () => {
    // 1,024 reserved output tokens are more than the 300-token window: the call reserves what the window has left.
    const g = await gatewayWith({ planLimits: { tokensPerMinute: 300 } });
    for (let i = 0; i < 3; i++) {
      expect((await g.client.chat.completions.create(ask())).choices[0]!.message.content).toMatch(/^Echo/);
      await g.settled();
    }
    await g.close();
  });

  // One-letter words: a token per 2 bytes, where the byte estimate assumed 3 (a third too few).
  const heavy = Array.from({ length: 4_500 }, (_, i) => 'abcdefghij'[i % 10]).join(' ');
  const concurrentHeavyCalls = async (inputTokens?: InputTokenCounter) => {
    const g = await gatewayWith({ planLimits: { tokensPerDay: 100_000 } }, inputTokens, slowUpstream);
    const answers = await Promise.all(Array.from({ length: 40 }, () => g.client.chat.completions.create(ask(5, heavy)).catch(() => null)));
    await g.close();
    const used = answers.flatMap((a) => (a ? [a.usage!.total_tokens] : []));
    return { total: used.reduce((a, b) => a + b, 0), largest: Math.max(...used), served: used.length };
  };

  it('counts input with the model’s tokenizer, so concurrent input-heavy calls overshoot by no more than one call', async () => {
    const counted = await concurrentHeavyCalls();
    expect(counted.served).toBeGreaterThan(15);
    expect(counted.total).toBeLessThanOrEqual(100_000 + counted.largest);
    // The byte estimate these calls were reserved with before overshoots by several calls' worth.
    const estimated = await concurrentHeavyCalls(byteEstimate);
    expect(estimated.total).toBeGreaterThan(100_000 + 2 * estimated.largest);
  });
});
