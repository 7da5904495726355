import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAi } from '../openai/mock-server';
import type { MockOpenAi } from '../openai/mock-server';
import { DEFAULT_MODEL_PRICES, findModelPrice } from '../pricing/prices';
import { chatCall, exchange, target } from '../openai-compatible/test-helpers';
import { openRouterAdapter } from './adapter';

const messages = [{ role: 'user', content: 'route me' }];
let mock: MockOpenAi;
beforeAll(async () => {
  mock = await startMockOpenAi({ pathPrefix: '/api/v1' });
});
afterAll(() => mock.close());

describe('openrouter', () => {
  it('sends Bearer plus the optional attribution headers from settings, and its own parameters untouched', () => {
    const request = { model: 'openai/gpt-4o', messages, provider: { order: ['openai'] }, transforms: ['middle-out'], usage: { include: true } };
    const raw = JSON.stringify(request);
    const req = openRouterAdapter.buildChatRequest(chatCall(request, raw), target('https://openrouter.ai/api/v1', 'openai/gpt-4o', { apiKey: 'or', settings: { siteUrl: 'https://tollgate.example', appName: 'Tollgate' } }));
    expect(req.url).toBe('https://openrouter.ai/api/v1/chat/completions');
    expect(req.headers).toMatchObject({ authorization: 'Bearer or', 'http-referer': 'https://tollgate.example', 'x-title': 'Tollgate' });
    expect(req.body).toBe(raw);
    const plain = openRouterAdapter.buildChatRequest(chatCall(request, raw), target('https://openrouter.ai/api/v1', 'openai/gpt-4o'));
    expect(plain.headers).not.toHaveProperty('x-title');
  });

  it("ignores OpenRouter's credit cost in usage and meters tokens like OpenAI", () => {
    const body = { id: 'gen-1', model: 'openai/gpt-4o', choices: [], usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, cost: 0.0007, prompt_tokens_details: { cached_tokens: 30 } } };
    const t = openRouterAdapter.translateChatResponse(Buffer.from(JSON.stringify(body)), chatCall({ model: 'x', messages }), target('http://x', 'openai/gpt-4o'));
    expect(t.usage).toEqual({ inputTokens: 70, cacheReadTokens: 30, cacheWriteTokens: 0, outputTokens: 20, reasoningTokens: 0 });
  });

  it('prices vendor/model names: OpenAI ones through the OpenAI table, others from its own', () => {
    expect(findModelPrice('openai/gpt-4o-mini', {}, 'openrouter')).toBe(DEFAULT_MODEL_PRICES['gpt-4o-mini']);
    expect(findModelPrice('anthropic/claude-sonnet-4.5', {}, 'openrouter')).toMatchObject({ input_cost_per_token: 3e-6, output_cost_per_token: 15e-6 });
  });

  it('talks to the mock under /api/v1', async () => {
    const ex = await exchange(openRouterAdapter, target(mock.url, 'openai/gpt-4o-mini'), chatCall({ model: 'x', messages }));
    expect(ex.status).toBe(200);
    expect(mock.requests.at(-1)!.path).toBe('/api/v1/chat/completions');
  });
});
