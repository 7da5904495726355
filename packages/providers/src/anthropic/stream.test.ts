import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { ChatCall, ChatRequest } from '../adapter';
import { createAnthropicStreamTranslator } from './stream';

// A tool-use turn in Anthropic's recorded wire format: thinking with a signature, a text block with
// multi-byte characters, then two parallel tool calls whose inputs arrive in fragments.
const fixture = readFileSync(new URL('./fixtures/parallel-tools-thinking.sse', import.meta.url));

const call = (clientWantsUsage: boolean): ChatCall => {
  const request = { model: 'gpt-4o-mini', messages: [], stream: true } as ChatRequest;
  return { request, rawBody: JSON.stringify(request), clientWantsUsage };
};

type Chunk = ChatCompletionChunk & { choices: Array<{ delta: Record<string, unknown> }> };

/** The `data:` payloads of the translated stream, in order. */
function events(text: string): string[] {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      expect(block.startsWith('data: ')).toBe(true);
      return block.slice('data: '.length);
    });
}

function translateWhole(bytes: Uint8Array, wantsUsage = true) {
  const t = createAnthropicStreamTranslator(call(wantsUsage));
  const out = t.push(bytes) + t.end();
  return { t, out };
}

describe('createAnthropicStreamTranslator', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-06-01T12:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('translates thinking, text and two parallel tool calls into OpenAI chunks', () => {
    const { t, out } = translateWhole(fixture);
    const data = events(out);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    for (const c of chunks) {
      expect(c).toMatchObject({ id: 'msg_01Aq9w938a90dw8qXyZ1kLmN', object: 'chat.completion.chunk', model: 'claude-sonnet-4-5-20250929', created: 1748779200 });
    }
    const deltas = chunks.slice(0, -1).map((c) => c.choices[0]!.delta);
    expect(deltas).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'Two cities → ' },
      { reasoning_content: 'two weather calls, in parallel.' },
      { thinking_blocks: [{ type: 'thinking', thinking: '', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' }] },
      { content: "I'll check both — " },
      { content: 'one moment ☀️.' },
      { tool_calls: [{ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city": "Par' } }] },
      { tool_calls: [{ index: 0, function: { arguments: 'is", "unit": "°C"}' } }] },
      { tool_calls: [{ index: 1, id: 'toolu_01UuCk4ezN4MSDc6yGcA7m7Y', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 1, function: { arguments: ' "Rome", "unit": "°C"}' } }] },
      {},
    ]);
    expect(chunks.at(-2)!.choices[0]).toMatchObject({ finish_reason: 'tool_calls' });
    expect(chunks.slice(0, -2).every((c) => c.choices[0]!.finish_reason === null)).toBe(true);
    // The usage chunk the caller asked for: no choices, every input token in prompt_tokens, cached ones named.
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 2212, completion_tokens: 89, total_tokens: 2301, prompt_tokens_details: { cached_tokens: 1800 } },
    });
    expect(t.usage).toEqual({ inputTokens: 412, cacheReadTokens: 1800, cacheWriteTokens: 0, outputTokens: 89, reasoningTokens: 0 });
    expect(t.model).toBe('claude-sonnet-4-5-20250929');
    expect(t.completed).toBe(true);
    expect(t.error).toBeNull();
  });

  it('yields identical output however the bytes are split', () => {
    const reference = translateWhole(fixture).out;
    const mismatches: number[] = [];
    for (let i = 1; i < fixture.length; i++) {
      const t = createAnthropicStreamTranslator(call(true));
      const out = t.push(fixture.subarray(0, i)) + t.push(fixture.subarray(i)) + t.end();
      if (out !== reference) mismatches.push(i);
    }
    expect(mismatches).toEqual([]);

    const t = createAnthropicStreamTranslator(call(true));
    let byByte = '';
    for (let i = 0; i < fixture.length; i++) byByte += t.push(fixture.subarray(i, i + 1));
    expect(byByte + t.end()).toBe(reference);
  });

  it('leaves the usage chunk out unless the caller asked for it, yet still reports usage', () => {
    const { t, out } = translateWhole(fixture, false);
    const data = events(out);
    expect(data.at(-1)).toBe('[DONE]');
    expect(data.some((d) => d.includes('"usage"'))).toBe(false);
    expect(t.usage?.cacheReadTokens).toBe(1800);
  });

  it('is not complete when the stream stops before message_stop', () => {
    const cut = fixture.subarray(0, fixture.indexOf('event: content_block_start\ndata: {"type":"content_block_start","index":2'));
    const { t, out } = translateWhole(cut);
    expect(out).not.toContain('[DONE]');
    expect(t.completed).toBe(false);
    // Input was reported at message_start: a cut stream is still metered for what it used.
    expect(t.usage).toMatchObject({ inputTokens: 412, cacheReadTokens: 1800 });
  });

  it('turns an error event into an OpenAI-shaped error event', () => {
    const stream =
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}\n\n' +
      'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n';
    const { t, out } = translateWhole(Buffer.from(stream));
    const data = events(out);
    expect(JSON.parse(data.at(-1)!)).toEqual({ error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded' } });
    expect(t.error).toBe('Overloaded');
    expect(t.completed).toBe(false);
  });

  it('maps a max_tokens stop to length and ends a stream with no message_delta as a plain stop', () => {
    const start =
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_2","model":"claude-haiku-4-5","usage":{"input_tokens":5,"output_tokens":1}}}\n\n';
    const text = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n';
    const lengthStop =
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":1}}\n\n';
    const stop = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    const finishes = (s: string) =>
      events(translateWhole(Buffer.from(s), false).out)
        .filter((d) => d !== '[DONE]')
        .map((d) => (JSON.parse(d) as ChatCompletionChunk).choices[0]!.finish_reason);
    expect(finishes(start + text + lengthStop + stop)).toEqual([null, null, 'length']);
    expect(finishes(start + text + stop)).toEqual([null, null, 'stop']);
  });
});
