import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAi } from '../openai/mock-server';
import type { MockOpenAi } from '../openai/mock-server';
import { findModelPrice } from '../pricing/prices';
import { chatCall, exchange, target } from '../openai-compatible/test-helpers';
import { ollamaAdapter } from './adapter';

const messages = [{ role: 'user', content: 'local only' }];
let mock: MockOpenAi;
beforeAll(async () => {
  mock = await startMockOpenAi({ apiKey: null });
});
afterAll(() => mock.close());

describe('ollama', () => {
  it('sends no Authorization header without a key, and Bearer with one', () => {
    const keyless = ollamaAdapter.buildChatRequest(chatCall({ model: 'llama3.2', messages }), target('http://localhost:11434/v1', 'llama3.2', { apiKey: '' }));
    expect(keyless.url).toBe('http://localhost:11434/v1/chat/completions');
    expect(keyless.headers).not.toHaveProperty('authorization');
    const keyed = ollamaAdapter.buildChatRequest(chatCall({ model: 'llama3.2', messages }), target('http://gpu:11434/v1', 'llama3.2', { apiKey: 'proxy-key' }));
    expect(keyed.headers.authorization).toBe('Bearer proxy-key');
  });

  it('keeps Ollama-specific and unknown parameters, and meters streams', async () => {
    const ex = await exchange(ollamaAdapter, target(mock.url, 'qwen3:8b', { apiKey: '' }), chatCall({ model: 'qwen', messages, stream: true, keep_alive: '5m', options: { num_ctx: 8192 } }));
    const sent = mock.requests.at(-1)!;
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toMatchObject({ model: 'qwen3:8b', keep_alive: '5m', options: { num_ctx: 8192 }, stream_options: { include_usage: true } });
    expect(ex.usage).toMatchObject({ inputTokens: 5, outputTokens: 3 });
  });

  it('has no list prices: a local model costs nothing unless overridden', () => {
    expect(findModelPrice('llama3.2', {}, 'ollama')).toBeNull();
    expect(findModelPrice('qwen3:8b', { 'qwen3:8b': { input_cost_per_token: 1e-8, output_cost_per_token: 1e-8 } }, 'ollama')).toEqual({ input_cost_per_token: 1e-8, output_cost_per_token: 1e-8 });
  });
});
