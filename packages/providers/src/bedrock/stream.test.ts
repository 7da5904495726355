import { describe, expect, it } from 'vitest';
import type { ChatCall } from '../adapter';
import { eventFrame, exceptionFrame } from './mock-server';
import { createBedrockStreamTranslator } from './stream';

const call = (clientWantsUsage: boolean): ChatCall => ({ request: { model: 'm', messages: [], stream: true }, rawBody: '', clientWantsUsage });

const stream = Buffer.concat([
  eventFrame('messageStart', { role: 'assistant' }),
  eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hello ' } }),
  eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'world' } }),
  eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
  eventFrame('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 't1', name: 'get_weather' } } }),
  eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
  eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"Paris"}' } } }),
  eventFrame('contentBlockStop', { contentBlockIndex: 1 }),
  eventFrame('messageStop', { stopReason: 'tool_use' }),
  eventFrame('metadata', { usage: { inputTokens: 10, outputTokens: 7, totalTokens: 1217, cacheReadInputTokens: 1000, cacheWriteInputTokens: 200 }, metrics: { latencyMs: 1 } }),
]);

function run(splitAt: number[], wantsUsage = true) {
  const t = createBedrockStreamTranslator(call(wantsUsage), 'anthropic.claude-sonnet-4-5-20250929-v1:0');
  let out = '';
  let from = 0;
  for (const at of [...splitAt, stream.length]) {
    out += t.push(stream.subarray(from, at));
    from = at;
  }
  out += t.end();
  return { t, out };
}

const events = (out: string) => out.split('\n\n').filter(Boolean).map((e) => e.slice('data: '.length));

describe('createBedrockStreamTranslator', () => {
  const whole = run([]);

  it('translates text, tool calls, finish reason and usage', () => {
    const data = events(whole.out);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe('Hello world');
    const args = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).map((tc: { function: { arguments: string } }) => tc.function.arguments).join('');
    expect(args).toBe('{"city":"Paris"}');
    expect(chunks.find((c) => c.choices[0]?.delta.tool_calls?.[0]?.id)?.choices[0].delta.tool_calls[0]).toMatchObject({ index: 0, id: 't1', function: { name: 'get_weather' } });
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('tool_calls');
    expect(chunks.at(-1).usage).toMatchObject({ prompt_tokens: 1210, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 1000 } });
    expect(whole.t.usage).toEqual({ inputTokens: 10, cacheReadTokens: 1000, cacheWriteTokens: 200, outputTokens: 7, reasoningTokens: 0 });
    expect(whole.t.completed).toBe(true);
    expect(whole.t.error).toBeNull();
  });

  it('gives the same answer however the bytes are split', () => {
    const normalise = (s: string) => s.replace(/"created":\d+/g, '').replace(/"id":"chatcmpl-[0-9a-f]+"/g, '');
    for (let at = 1; at < stream.length; at++) {
      const { t, out } = run([at]);
      expect(normalise(out)).toBe(normalise(whole.out));
      expect(t.completed).toBe(true);
    }
    // Byte by byte, too.
    const bytewise = run(Array.from({ length: stream.length - 1 }, (_, i) => i + 1));
    expect(normalise(bytewise.out)).toBe(normalise(whole.out));
  });

  it('sends no usage chunk unless asked, but still reports usage', () => {
    const { t, out } = run([], false);
    expect(out).not.toContain('"usage"');
    expect(t.usage?.outputTokens).toBe(7);
  });

  it('reports exception events and is not completed by a cut stream', () => {
    const t = createBedrockStreamTranslator(call(false), 'm');
    const out = t.push(Buffer.concat([eventFrame('messageStart', { role: 'assistant' }), exceptionFrame('throttlingException', 'Too many requests')]));
    expect(out).toContain('"rate_limit_error"');
    expect(t.error).toBe('Too many requests');
    expect(t.completed).toBe(false);
    const cut = createBedrockStreamTranslator(call(false), 'm');
    cut.push(stream.subarray(0, 70));
    cut.end();
    expect(cut.completed).toBe(false);
  });

  it('refuses a corrupt frame', () => {
    const bad = Buffer.from(eventFrame('messageStart', { role: 'assistant' }));
    bad[bad.length - 1] ^= 0xff;
    const t = createBedrockStreamTranslator(call(false), 'm');
    expect(t.push(bad)).toContain('invalid_upstream_response');
    expect(t.error).not.toBeNull();
  });
});
