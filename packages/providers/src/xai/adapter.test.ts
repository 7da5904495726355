import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAi } from '../openai/mock-server';
import type { MockOpenAi } from '../openai/mock-server';
import { chatCall, exchange, target } from '../openai-compatible/test-helpers';
import { xaiAdapter } from './adapter';

const messages = [{ role: 'user', content: 'why is the sky blue' }];
let mock: MockOpenAi;
beforeAll(async () => {
  // As xAI's reasoning models do.
  mock = await startMockOpenAi({ usageStyle: 'xai', rejectParams: ['presence_penalty', 'frequency_penalty', 'stop'] });
});
afterAll(() => mock.close());

describe('xai request building', () => {
  it('sends Bearer to <baseUrl>/chat/completions and removes only penalty/stop values that ask for nothing', () => {
    const req = xaiAdapter.buildChatRequest(
      chatCall({ model: 'grok', messages, presence_penalty: 0, frequency_penalty: 0, stop: null, search_parameters: { mode: 'auto' } }),
      target('https://api.x.ai/v1', 'grok-4', { apiKey: 'xai' }),
    );
    expect(req.url).toBe('https://api.x.ai/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer xai');
    expect(JSON.parse(req.body)).toEqual({ model: 'grok-4', messages, search_parameters: { mode: 'auto' } });
  });

  it('sends real penalty and stop values on, for xAI to accept (grok-3) or refuse (reasoning models)', () => {
    const request = { model: 'grok-3', messages, presence_penalty: 0.5, stop: ['END'] };
    const raw = JSON.stringify(request);
    expect(xaiAdapter.buildChatRequest(chatCall(request, raw), target('https://api.x.ai/v1', 'grok-3')).body).toBe(raw);
  });
});

describe('xai against the mock', () => {
  it('is accepted with default penalties a client sent, and bills reasoning once, beside the answer', async () => {
    const ex = await exchange(xaiAdapter, target(mock.url, 'grok-3-mini'), chatCall({ model: 'g', messages, presence_penalty: 0, frequency_penalty: 0 }));
    expect(ex.status).toBe(200);
    expect(ex.usage).toEqual({ inputTokens: 8, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 6, reasoningTokens: 5 });
    const streamed = await exchange(xaiAdapter, target(mock.url, 'grok-3-mini'), chatCall({ model: 'g', messages, stream: true }));
    expect(streamed.usage).toEqual(ex.usage);
  });

  it("keeps the text of xAI's own error shape", () => {
    const body = Buffer.from(JSON.stringify({ code: 'Client specified an invalid argument', error: 'Argument not supported on this model: presencePenalty' }));
    expect(xaiAdapter.translateError(400, body).body.error.message).toBe('Argument not supported on this model: presencePenalty');
  });
});
