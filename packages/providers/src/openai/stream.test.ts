import { describe, expect, it } from 'vitest';
import type { ChatCall } from '../adapter';
import { createOpenAiStreamTranslator, withoutNullUsage } from './adapter';

/**
 * With `include_usage` (which the gateway always asks for), OpenAI puts `"usage":null` on every chunk but the
 * usage chunk. A caller who did not ask gets the chunks as OpenAI would have sent them to it: without the key.
 */
const call = (clientWantsUsage: boolean): ChatCall => ({ request: { model: 'm', messages: [], stream: true }, rawBody: '{}', clientWantsUsage });
const run = (sse: string, clientWantsUsage = false) => {
  const t = createOpenAiStreamTranslator(call(clientWantsUsage));
  return t.push(Buffer.from(sse)) + t.end();
};

describe('"usage": null on stream chunks', () => {
  it('is cut out of the text as it came, and nothing else is touched', () => {
    const chunk = '{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}],"usage":null}';
    expect(run(`data: ${chunk}\n\n`)).toBe('data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n');
    // Line ends and spacing as a Python server writes them.
    expect(run('data: {"id": "c1", "choices": [], "usage": null }\r\n\r\n')).toBe('data: {"id": "c1", "choices": []}\r\n\r\n');
  });

  it('is removed where a provider puts it first, and left alone where it is not the chunk\'s own', () => {
    expect(run('data: {"usage":null,"id":"c1","choices":[]}\n\n')).toBe('data: {"id":"c1","choices":[]}\n\n');
    const nested = 'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"a,\\"usage\\":null"},"x":{"usage":null}}]}\n\n';
    expect(run(nested)).toBe(nested);
    expect(withoutNullUsage('{"id":"c1","x":{"usage":null}}')).toBeNull();
  });

  it('stays for a caller who asked for usage, whose last chunk carries it', () => {
    const sse = 'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}\n\ndata: {"id":"c1","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\ndata: [DONE]\n\n';
    expect(run(sse, true)).toBe(sse);
  });
});
