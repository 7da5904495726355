import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnsupportedParameterError } from '../adapter';
import { startMockOpenAi } from '../openai/mock-server';
import type { MockOpenAi } from '../openai/mock-server';
import { chatCall, exchange, sseChunks, target } from '../openai-compatible/test-helpers';
import { groqAdapter } from './adapter';

const messages = [{ role: 'user', content: 'fast please' }];
// Groq's documented refusals, each answered 400 whenever supplied.
const refused = ['logprobs', 'top_logprobs', 'logit_bias'];
let mock: MockOpenAi;
beforeAll(async () => {
  mock = await startMockOpenAi({ pathPrefix: '/openai/v1', usageStyle: 'x_groq', rejectParams: [...refused, 'n'] });
});
afterAll(() => mock.close());
const groq = (model = 'llama-3.3-70b-versatile') => target(mock.url, model, { apiKey: 'gsk' });

describe('groq request building', () => {
  it('sends Bearer to <baseUrl>/chat/completions with the target model', () => {
    const req = groqAdapter.buildChatRequest(chatCall({ model: 'public', messages }), target('https://api.groq.com/openai/v1', 'llama-3.1-8b-instant', { apiKey: 'gsk' }));
    expect(req.url).toBe('https://api.groq.com/openai/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer gsk');
    expect(JSON.parse(req.body).model).toBe('llama-3.1-8b-instant');
  });

  it('refuses, naming it, a parameter that asks for what Groq cannot do', () => {
    for (const [param, value] of [['logprobs', true], ['top_logprobs', 3], ['logit_bias', { '42': 5 }], ['n', 2]] as const) {
      expect(() => groqAdapter.buildChatRequest(chatCall({ model: 'm', messages, [param]: value }), groq())).toThrow(UnsupportedParameterError);
    }
  });

  it('leaves messages[].name and unknown parameters untouched', () => {
    const request = { model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'x', name: 'ann' }], reasoning_format: 'parsed', temperature: 0 };
    const raw = JSON.stringify(request);
    expect(groqAdapter.buildChatRequest(chatCall(request, raw), groq()).body).toBe(raw);
  });
});

describe('groq against a mock that refuses what Groq refuses', () => {
  it('removes default values of refused parameters, which the provider would otherwise answer 400', async () => {
    const defaults = { logprobs: false, top_logprobs: 0, logit_bias: {}, n: 1 };
    // Proof the mock refuses them as sent by a client:
    const direct = await fetch(`${mock.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-mock', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages, ...defaults }),
    });
    expect(direct.status).toBe(400);
    const ex = await exchange(groqAdapter, target(mock.url, 'llama-3.3-70b-versatile'), chatCall({ model: 'm', messages, ...defaults, temperature: 0.4 }));
    expect(ex.status).toBe(200);
    expect(mock.requests.at(-1)!.body).toEqual({ model: 'llama-3.3-70b-versatile', messages, temperature: 0.4 });
  });

  it('meters a stream carrying both x_groq.usage and a usage chunk once, and hides the chunk the caller did not ask for', async () => {
    const ex = await exchange(groqAdapter, target(mock.url, 'llama-3.1-8b-instant'), chatCall({ model: 'm', messages, stream: true }));
    expect(ex.usage).toEqual({ inputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 3, reasoningTokens: 0 });
    expect(sseChunks(ex.sse!).some((c) => Array.isArray(c.choices) && c.choices.length === 0)).toBe(false);
    expect(ex.sse).toContain('"x_groq"');
  });
});

describe('groq stream usage in x_groq alone', () => {
  it('reads usage from the finish chunk when Groq sends no usage chunk (a recorded Groq stream tail)', () => {
    const translator = groqAdapter.createChatStreamTranslator(chatCall({ model: 'm', messages, stream: true }), target('http://x', 'llama3-8b-8192'));
    const tail =
      'data: {"id":"chatcmpl-8566e76f","object":"chat.completion.chunk","created":1716131679,"model":"llama3-8b-8192","system_fingerprint":"fp_179b0f92c9",' +
      '"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"x_groq":{"id":"req_01hy8ppkajfqk987jv2vx88m9r","usage":' +
      '{"queue_time":0.07535312,"prompt_tokens":23,"prompt_time":0.006,"completion_tokens":19,"completion_time":0.022,"total_tokens":42,"total_time":0.028}}}\n\ndata: [DONE]\n\n';
    const out = translator.push(Buffer.from(tail));
    expect(out).toContain('"finish_reason":"stop"');
    expect(translator.usage).toEqual({ inputTokens: 23, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 19, reasoningTokens: 0 });
  });
});
