import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costMicroUsd } from '../pricing/cost';
import { findModelPrice } from '../pricing/prices';
import { startMockOpenAi } from '../openai/mock-server';
import type { MockOpenAi } from '../openai/mock-server';
import { chatCall, exchange, sseChunks, target } from '../openai-compatible/test-helpers';
import { deepSeekAdapter } from './adapter';
import { normalizeDeepSeekUsage } from './usage';

let mock: MockOpenAi;
beforeAll(async () => {
  // DeepSeek serves at the root of api.deepseek.com (and under /v1).
  mock = await startMockOpenAi({ pathPrefix: '', usageStyle: 'deepseek' });
});
afterAll(() => mock.close());
const system = { role: 'system', content: 'You answer in one short line.' };

describe('normalizeDeepSeekUsage', () => {
  it('bills hits as cache reads and only misses as input, reasoning inside the completion', () => {
    const u = { prompt_tokens: 1000, completion_tokens: 300, total_tokens: 1300, prompt_cache_hit_tokens: 640, prompt_cache_miss_tokens: 360, completion_tokens_details: { reasoning_tokens: 200 } };
    expect(normalizeDeepSeekUsage(u)).toEqual({ inputTokens: 360, cacheReadTokens: 640, cacheWriteTokens: 0, outputTokens: 100, reasoningTokens: 200 });
  });

  it('never double counts when OpenAI-style cached_tokens also appear, or the fields disagree with prompt_tokens', () => {
    const both = { prompt_tokens: 100, completion_tokens: 10, prompt_cache_hit_tokens: 64, prompt_cache_miss_tokens: 36, prompt_tokens_details: { cached_tokens: 64 } };
    expect(normalizeDeepSeekUsage(both)).toMatchObject({ inputTokens: 36, cacheReadTokens: 64 });
    const odd = { prompt_tokens: 50, completion_tokens: 1, prompt_cache_hit_tokens: 80, prompt_cache_miss_tokens: 0 };
    const usage = normalizeDeepSeekUsage(odd)!;
    expect(usage.inputTokens + usage.cacheReadTokens).toBe(50);
  });

  it('reads the miss count when prompt_tokens is absent, and plain OpenAI usage as OpenAI', () => {
    expect(normalizeDeepSeekUsage({ completion_tokens: 2, prompt_cache_hit_tokens: 3, prompt_cache_miss_tokens: 4 })).toMatchObject({ inputTokens: 4, cacheReadTokens: 3, outputTokens: 2 });
    expect(normalizeDeepSeekUsage({ prompt_tokens: 7, completion_tokens: 2 })).toMatchObject({ inputTokens: 7, cacheReadTokens: 0 });
    expect(normalizeDeepSeekUsage(null)).toBeNull();
  });

  it('prices hits at the cache-hit rate', () => {
    const price = findModelPrice('deepseek-chat', {}, 'deepseek')!;
    // 1M miss at $0.28 + 1M hit at $0.028 + 1M output at $0.42 = $0.728
    expect(costMicroUsd({ inputTokens: 1e6, cacheReadTokens: 1e6, cacheWriteTokens: 0, outputTokens: 1e6, reasoningTokens: 0 }, price)).toBe(728_000);
  });
});

describe('deepseek against the mock', () => {
  it('builds a Bearer request to <baseUrl>/chat/completions, keeping every parameter', () => {
    const request = { model: 'deepseek-chat', messages: [system], logprobs: true, top_logprobs: 2, thinking: { type: 'enabled' } };
    const raw = JSON.stringify(request);
    const req = deepSeekAdapter.buildChatRequest(chatCall(request, raw), target('https://api.deepseek.com', 'deepseek-chat', { apiKey: 'ds' }));
    expect(req.url).toBe('https://api.deepseek.com/chat/completions');
    expect(req.headers.authorization).toBe('Bearer ds');
    expect(req.body).toBe(raw);
  });

  it('reports cache hits on a repeated prefix without billing them as input', async () => {
    const t = target(mock.url, 'deepseek-chat');
    const first = await exchange(deepSeekAdapter, t, chatCall({ model: 'deepseek-chat', messages: [system, { role: 'user', content: 'one' }] }));
    expect(first.usage).toMatchObject({ inputTokens: 13, cacheReadTokens: 0 });
    const second = await exchange(deepSeekAdapter, t, chatCall({ model: 'deepseek-chat', messages: [system, { role: 'user', content: 'two' }], stream: true }));
    expect(second.usage).toEqual({ inputTokens: 4, cacheReadTokens: 9, cacheWriteTokens: 0, outputTokens: 2, reasoningTokens: 0 });
    expect(sseChunks(second.sse!).some((c) => c.usage)).toBe(false);
  });

  it('passes reasoning_content through, streamed and not, and meters reasoning apart', async () => {
    const t = target(mock.url, 'deepseek-reasoner');
    const whole = await exchange(deepSeekAdapter, t, chatCall({ model: 'r1', messages: [{ role: 'user', content: 'think' }] }));
    expect((whole.json!.choices as Array<{ message: Record<string, unknown> }>)[0]!.message.reasoning_content).toBe('Thinking it over.');
    expect(whole.usage).toMatchObject({ outputTokens: 2, reasoningTokens: 5 });
    const streamed = await exchange(deepSeekAdapter, t, chatCall({ model: 'r1', messages: [{ role: 'user', content: 'think' }], stream: true }));
    expect(streamed.sse).toContain('"reasoning_content":"Thinking it over."');
    expect(streamed.usage).toMatchObject({ outputTokens: 2, reasoningTokens: 5 });
  });
});
