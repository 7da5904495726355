import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAi } from '../openai/mock-server';
import type { MockOpenAi } from '../openai/mock-server';
import { chatCall, exchange, sseChunks, target } from '../openai-compatible/test-helpers';
import { mistralAdapter } from './adapter';

const messages = [{ role: 'user', content: 'bonjour le monde' }];
let mock: MockOpenAi;
beforeAll(async () => {
  // Mistral refuses unknown fields; these are the OpenAI ones the adapter must not send as they are.
  mock = await startMockOpenAi({ usageStyle: 'final-chunk', rejectParams: ['stream_options', 'seed', 'max_completion_tokens'] });
});
afterAll(() => mock.close());
const mistral = () => target(mock.url, 'mistral-small-latest');

describe('mistral request building', () => {
  it('renames seed and max_completion_tokens, drops stream_options, and leaves the rest as it came', () => {
    const request = { model: 'm', messages, stream: true, stream_options: { include_usage: true }, seed: 42, max_completion_tokens: 64, safe_prompt: true, top_p: 0.9 };
    const req = mistralAdapter.buildChatRequest(chatCall(request), target('https://api.mistral.ai/v1', 'mistral-large-latest', { apiKey: 'mk' }));
    expect(req.url).toBe('https://api.mistral.ai/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer mk');
    expect(JSON.parse(req.body)).toEqual({ model: 'mistral-large-latest', messages, stream: true, random_seed: 42, max_tokens: 64, safe_prompt: true, top_p: 0.9 });
  });

  it('does not add stream_options to streams: Mistral reports usage unasked', () => {
    const raw = JSON.stringify({ model: 'mistral-small-latest', messages, stream: true });
    expect(mistralAdapter.buildChatRequest(chatCall(JSON.parse(raw), raw), mistral()).body).toBe(raw);
  });
});

describe('mistral against a mock that refuses what Mistral refuses', () => {
  it('is accepted where the same request sent as-is is refused', async () => {
    const request = { model: 'mistral-small-latest', messages, seed: 1, max_completion_tokens: 50, stream: true, stream_options: { include_usage: true } };
    const direct = await fetch(`${mock.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-mock', 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    expect(direct.status).toBe(400);
    const ex = await exchange(mistralAdapter, mistral(), chatCall(request));
    expect(ex.status).toBe(200);
    // The caller asked for usage: Mistral's final chunk carries it.
    expect(sseChunks(ex.sse!).at(-1)).toHaveProperty('usage');
    expect(ex.usage).toEqual({ inputTokens: 6, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 4, reasoningTokens: 0 });
  });

  it('meters a stream whose caller did not ask for usage', async () => {
    const ex = await exchange(mistralAdapter, mistral(), chatCall({ model: 'x', messages, stream: true }));
    expect(ex.usage?.inputTokens).toBe(6);
    expect(ex.completed).toBe(true);
  });

  it("translates Mistral's validation error for a field it does not know into a 400 naming it", async () => {
    const body = { object: 'error', message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'frequency_penaltyy'], msg: 'Extra inputs are not permitted' }] }, type: 'invalid_request_error', param: null, code: null };
    expect(mistralAdapter.translateError(422, Buffer.from(JSON.stringify(body)))).toMatchObject({ status: 400, body: { error: { param: 'frequency_penaltyy' } } });
  });
});
