import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAi } from '../openai/mock-server';
import type { MockOpenAi } from '../openai/mock-server';
import { findModelPrice } from '../pricing/prices';
import { chatCall, exchange, target } from '../openai-compatible/test-helpers';
import { togetherAdapter } from './adapter';

const messages = [{ role: 'user', content: 'together now' }];
let mock: MockOpenAi;
beforeAll(async () => {
  mock = await startMockOpenAi();
});
afterAll(() => mock.close());

describe('together', () => {
  it('sends Bearer to <baseUrl>/chat/completions and keeps Together parameters', () => {
    const request = { model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', messages, repetition_penalty: 1.1, top_k: 40, logprobs: 1 };
    const raw = JSON.stringify(request);
    const req = togetherAdapter.buildChatRequest(chatCall(request, raw), target('https://api.together.xyz/v1', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', { apiKey: 'tg' }));
    expect(req.url).toBe('https://api.together.xyz/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer tg');
    expect(req.body).toBe(raw);
  });

  it('meters a stream and prices the model from its own table by full name', async () => {
    const ex = await exchange(togetherAdapter, target(mock.url, 'meta-llama/Llama-3.3-70B-Instruct-Turbo'), chatCall({ model: 'x', messages, stream: true }));
    expect(ex.usage).toMatchObject({ inputTokens: 5, outputTokens: 3 });
    expect(findModelPrice('meta-llama/Llama-3.3-70B-Instruct-Turbo', {}, 'together')!.input_cost_per_token * 1e6).toBeCloseTo(0.88, 9);
  });
});
