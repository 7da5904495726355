import { describe, expect, it } from 'vitest';
import { UnsupportedParameterError } from '../adapter';
import type { ChatRequest } from '../adapter';
import { applyParamRules, asksForNothing, compatibleChatBody, openAiCompatibleAdapter } from './family';
import type { OpenAiCompatibleSpec } from './family';
import { chatCall, target } from './test-helpers';

const spec: OpenAiCompatibleSpec = {
  url: (t) => `${t.baseUrl}/chat/completions`,
  auth: (t) => ({ authorization: `Bearer ${t.apiKey}` }),
  dropParams: ['store'],
  unsupportedParams: { logprobs: 'no logprobs here', n: 'one choice only' },
  noOpParams: ['stop'],
  renameParams: { seed: 'random_seed' },
  streamUsage: 'ask',
};
const base: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('asksForNothing', () => {
  it('is true only for values that request no behaviour', () => {
    for (const v of [null, false, 0, '', [], {}]) expect(asksForNothing('logprobs', v)).toBe(true);
    for (const v of [true, 1, 'x', ['\n'], { '50256': -100 }]) expect(asksForNothing('logprobs', v)).toBe(false);
    expect(asksForNothing('n', 1)).toBe(true);
    // n: 0 is not "the default"; it is an invalid request the provider should name.
    expect(asksForNothing('n', 0)).toBe(false);
    expect(asksForNothing('n', 2)).toBe(false);
  });
});

describe('applyParamRules', () => {
  it('returns null when no rule applies, so the caller bytes can travel unchanged', () => {
    expect(applyParamRules({ ...base, temperature: 0.3, my_vendor_flag: true }, spec)).toBeNull();
  });

  it('drops listed parameters, removes no-op values, renames, and leaves everything else untouched', () => {
    const request = { ...base, store: true, logprobs: false, n: 1, stop: [], seed: 7, temperature: 0.2, my_vendor_flag: { a: 1 } };
    const out = applyParamRules(request, spec)!;
    expect(out).toEqual({ ...base, random_seed: 7, temperature: 0.2, my_vendor_flag: { a: 1 } });
    // The caller's parsed request is not mutated.
    expect(request.store).toBe(true);
  });

  it('refuses an unsupported parameter that asks for something, naming it', () => {
    expect(() => applyParamRules({ ...base, logprobs: true }, spec)).toThrow(UnsupportedParameterError);
    const thrown = (() => {
      try {
        applyParamRules({ ...base, n: 2 }, spec);
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(thrown).toBeInstanceOf(UnsupportedParameterError);
    expect(thrown).toMatchObject({ param: 'n', message: 'one choice only' });
  });

  it('sends a no-op-only parameter with a real value to the provider', () => {
    expect(applyParamRules({ ...base, stop: ['END'] }, spec)).toBeNull();
  });

  it('does not rename over a parameter the caller also set', () => {
    expect(applyParamRules({ ...base, seed: 1, random_seed: 2 }, spec)).toBeNull();
  });
});

describe('compatibleChatBody', () => {
  const t = target('http://x', 'm');

  it('sends the caller bytes as they came when nothing applies (no re-serialisation)', () => {
    const raw = '{ "model":"m",  "messages":[{"role":"user","content":"hi"}], "temperature": 0.50 }';
    expect(compatibleChatBody(chatCall(JSON.parse(raw), raw), t, spec)).toBe(raw);
  });

  it('writes the target model, applies the rules, and asks for usage on streams', () => {
    const body = JSON.parse(
      compatibleChatBody(chatCall({ ...base, model: 'public', stream: true, store: true, stream_options: { extra: 1 } }), t, spec),
    );
    expect(body).toEqual({ ...base, model: 'm', stream: true, stream_options: { extra: 1, include_usage: true } });
  });

  it("adds nothing to a stream of a provider that reports usage by itself ('always')", () => {
    const always = { ...spec, streamUsage: 'always' as const, dropParams: ['stream_options'] };
    const raw = JSON.stringify({ ...base, stream: true });
    expect(compatibleChatBody(chatCall(JSON.parse(raw), raw), t, always)).toBe(raw);
    const body = JSON.parse(compatibleChatBody(chatCall({ ...base, stream: true, stream_options: { include_usage: true } }), t, always));
    expect(body).toEqual({ ...base, stream: true });
  });
});

describe('openAiCompatibleAdapter', () => {
  const adapter = openAiCompatibleAdapter(spec);
  const t = target('http://x', 'm');

  it('builds the request from the spec', () => {
    const req = adapter.buildChatRequest(chatCall({ ...base, stream: true }), t);
    expect(req.url).toBe('http://x/chat/completions');
    expect(req.headers).toMatchObject({ authorization: 'Bearer sk-mock', 'content-type': 'application/json', accept: 'text/event-stream' });
  });

  it('reads streamed usage where the spec says, and hides the usage-only chunk from a caller who did not ask', () => {
    const custom = openAiCompatibleAdapter({ ...spec, chunkUsage: (c) => (c.meta as { usage?: unknown } | undefined)?.usage ?? c.usage });
    const translator = custom.createChatStreamTranslator(chatCall({ ...base, stream: true }), t);
    const usage = { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 };
    let out = translator.push(Buffer.from(`data: {"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}],"meta":{"usage":${JSON.stringify(usage)}}}\n\n`));
    expect(out).toContain('"meta"');
    expect(translator.usage).toEqual({ inputTokens: 9, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 4, reasoningTokens: 0 });
    out = translator.push(Buffer.from(`data: {"model":"m","choices":[],"usage":${JSON.stringify({ ...usage, completion_tokens: 5, total_tokens: 14 })}}\n\ndata: [DONE]\n\n`));
    expect(out).toBe('data: [DONE]\n\n');
    expect(translator.usage?.outputTokens).toBe(5);
    expect(translator.completed).toBe(true);
  });

  it('takes the model from the first chunk that names one (Azure opens with an empty one)', () => {
    const translator = adapter.createChatStreamTranslator(chatCall({ ...base, stream: true }), t);
    translator.push(Buffer.from('data: {"id":"","model":"","choices":[],"prompt_filter_results":[]}\n\n'));
    translator.push(Buffer.from('data: {"id":"c","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"role":"assistant"}}]}\n\n'));
    expect(translator.model).toBe('gpt-4o-mini-2024-07-18');
  });

  it('refuses a non-JSON answer as a format error', () => {
    expect(() => adapter.translateChatResponse(Buffer.from('<html>'), chatCall(base), t)).toThrow(/not JSON/);
  });
});
