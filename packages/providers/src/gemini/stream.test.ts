import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { ChatCall } from '../adapter';
import { createSseParser } from '../sse/parser';
import { createGeminiStreamTranslator } from './stream';

/**
 * A stream in the format Gemini sends (`alt=sse`: one GenerateContentResponse per event, CRLF line ends,
 * running usageMetadata on every chunk, the finish reason on the last, no end marker), with a thought
 * summary first and multi-byte characters to split inside.
 */
const events = [
  {
    candidates: [{ content: { parts: [{ text: '**Weighing** the question…', thought: true }], role: 'model' }, index: 0 }],
    usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 0, totalTokenCount: 1040, cachedContentTokenCount: 600, thoughtsTokenCount: 40 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'IZI2acSKMoWl0-kPmYj2yQc',
  },
  {
    candidates: [{ content: { parts: [{ text: 'Paris is 21 °C ' }], role: 'model' }, index: 0 }],
    usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 6, totalTokenCount: 1046, cachedContentTokenCount: 600, thoughtsTokenCount: 40 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'IZI2acSKMoWl0-kPmYj2yQc',
  },
  {
    candidates: [{ content: { parts: [{ text: 'and sunny ☀️.' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 11, totalTokenCount: 1051, cachedContentTokenCount: 600, thoughtsTokenCount: 40 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'IZI2acSKMoWl0-kPmYj2yQc',
  },
];
const recorded = Buffer.from(events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join(''), 'utf8');

const target = { baseUrl: 'http://x/v1beta', apiKey: 'k', model: 'gemini-2.5-flash', settings: {} };
const call = (clientWantsUsage: boolean): ChatCall => ({
  request: { model: 'gpt-4o-mini', messages: [], stream: true },
  rawBody: '{}',
  clientWantsUsage,
});

function run(pieces: Uint8Array[], wantsUsage = true) {
  const t = createGeminiStreamTranslator(call(wantsUsage), target);
  let out = '';
  for (const p of pieces) out += t.push(p);
  out += t.end();
  return { out, t };
}

function chunksOf(sse: string): Array<ChatCompletionChunk | '[DONE]' | { error: unknown }> {
  const parser = createSseParser();
  return [...parser.push(sse), ...parser.end()].map((e) => (e.data === '[DONE]' ? '[DONE]' : JSON.parse(e.data)));
}

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-01-02T03:04:05Z'));
});
afterAll(() => {
  vi.useRealTimers();
});

describe('createGeminiStreamTranslator', () => {
  it('translates a recorded stream into OpenAI chunks, usage and [DONE]', () => {
    const { out, t } = run([recorded]);
    const chunks = chunksOf(out);
    expect(chunks.at(-1)).toBe('[DONE]');
    const body = chunks.slice(0, -1) as ChatCompletionChunk[];
    for (const c of body) expect(c).toMatchObject({ id: 'chatcmpl-IZI2acSKMoWl0-kPmYj2yQc', object: 'chat.completion.chunk', created: 1767323045, model: 'gemini-2.5-flash' });
    expect(body.map((c) => c.choices[0] ?? null)).toEqual([
      { index: 0, delta: { role: 'assistant', reasoning_content: '**Weighing** the question…' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'Paris is 21 °C ' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'and sunny ☀️.' }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
      null,
    ]);
    // The last usageMetadata is the total; the caller sees OpenAI's inclusive totals…
    expect(body.at(-1)!.usage).toEqual({
      prompt_tokens: 1000,
      completion_tokens: 51,
      total_tokens: 1051,
      prompt_tokens_details: { cached_tokens: 600 },
      completion_tokens_details: { reasoning_tokens: 40 },
    });
    // …and the meter gets the non-overlapping parts.
    expect(t.usage).toEqual({ inputTokens: 400, cacheReadTokens: 600, cacheWriteTokens: 0, outputTokens: 11, reasoningTokens: 40 });
    expect(t.model).toBe('gemini-2.5-flash');
    expect(t.completed).toBe(true);
    expect(t.error).toBeNull();
  });

  it('gives identical output however the bytes are split, even inside a character or a CRLF', () => {
    const whole = run([recorded]).out;
    for (let k = 1; k < recorded.length; k++) {
      const { out } = run([recorded.subarray(0, k), recorded.subarray(k)]);
      if (out !== whole) expect({ k, out }).toEqual({ k, out: whole });
    }
    const bytes = [...recorded].map((b) => Uint8Array.of(b));
    expect(run(bytes).out).toBe(whole);
  });

  it('keeps usage from a caller who did not ask for it, yet still meters it', () => {
    const { out, t } = run([recorded], false);
    expect(chunksOf(out).some((c) => c !== '[DONE]' && 'usage' in c && c.usage)).toBe(false);
    expect(t.usage?.outputTokens).toBe(11);
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('does not complete a stream that ended before a finish reason', () => {
    const cut = Buffer.from(events.slice(0, 2).map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join(''));
    const { out, t } = run([cut]);
    expect(t.completed).toBe(false);
    expect(out).not.toContain('[DONE]');
    // Usage seen so far is still reported, so the partial call can be metered.
    expect(t.usage?.outputTokens).toBe(6);
  });

  it('reports an error object in the stream and passes it on in OpenAI shape', () => {
    const failing = Buffer.from(
      `data: ${JSON.stringify(events[1])}\r\n\r\n` +
        `data: ${JSON.stringify({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } })}\r\n\r\n`,
    );
    const { out, t } = run([failing]);
    expect(t.error).toBe('UNAVAILABLE: The model is overloaded.');
    expect(t.completed).toBe(false);
    expect(chunksOf(out).at(-1)).toEqual({ error: { message: 'The model is overloaded.', type: 'server_error', param: null, code: 'service_unavailable' } });
  });

  it('fails, and tells the caller, on an event that is not JSON', () => {
    const { out, t } = run([Buffer.from(`data: ${JSON.stringify(events[1])}\r\n\r\ndata: <html>oops\r\n\r\n`)]);
    expect(t.error).toMatch(/not JSON/);
    expect(t.completed).toBe(false);
    expect(chunksOf(out).at(-1)).toMatchObject({ error: { code: 'invalid_upstream_response' } });
  });

  it('streams function calls as whole tool_call deltas and finishes with tool_calls', () => {
    const stream = Buffer.from(
      `data: ${JSON.stringify({
        candidates: [
          {
            content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ln' }, { functionCall: { name: 'get_time', args: {} } }] },
            finishReason: 'STOP',
            index: 0,
            finishMessage: 'Model generated function call(s).',
          },
        ],
        usageMetadata: { promptTokenCount: 83, candidatesTokenCount: 14, totalTokenCount: 201, thoughtsTokenCount: 104 },
        modelVersion: 'gemini-2.5-flash',
        responseId: 'qpc2afWVFJK4vr0Pq6WiyAU',
      })}\r\n\r\n`,
    );
    const chunks = chunksOf(run([stream]).out) as ChatCompletionChunk[];
    const id = expect.stringMatching(/^call_[A-Za-z0-9]{24}$/);
    expect(chunks[0]!.choices[0]!.delta).toEqual({
      role: 'assistant',
      tool_calls: [
        { index: 0, id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' }, extra_content: { google: { thought_signature: 'c2ln' } } },
        { index: 1, id, type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ],
    });
    expect(chunks[1]!.choices[0]!.finish_reason).toBe('tool_calls');
    // Unique within the answer and across answers: a client keying a conversation by id never mixes them up.
    const ids = () => (chunksOf(run([stream]).out) as ChatCompletionChunk[])[0]!.choices[0]!.delta.tool_calls!.map((tc) => tc.id);
    const all = [...ids(), ...ids(), ...ids()];
    expect(new Set(all).size).toBe(6);
  });

  it('completes a multi-candidate stream only when every candidate has finished', () => {
    const chunk = (candidates: unknown[]) => `data: ${JSON.stringify({ candidates, modelVersion: 'gemini-2.5-flash', responseId: 'r' })}\r\n\r\n`;
    const first = chunk([
      { content: { parts: [{ text: 'a' }] }, index: 0, finishReason: 'STOP' },
      { content: { parts: [{ text: 'b' }] }, index: 1 },
    ]);
    expect(run([Buffer.from(first)]).t.completed).toBe(false);
    const { out, t } = run([Buffer.from(first + chunk([{ content: { parts: [{ text: 'c' }] }, index: 1, finishReason: 'MAX_TOKENS' }]))]);
    expect(t.completed).toBe(true);
    const deltas = (chunksOf(out).slice(0, -1) as ChatCompletionChunk[]).map((c) => [c.choices[0]!.index, c.choices[0]!.delta.content ?? null, c.choices[0]!.finish_reason]);
    expect(deltas).toEqual([
      [0, 'a', null],
      [0, null, 'stop'],
      [1, 'b', null],
      [1, 'c', null],
      [1, null, 'length'],
    ]);
  });
});
