import { describe, expect, it } from 'vitest';
import { chatStreamFrames, contentText, embedText, float32Base64, planChat, replyPieces } from './mock-wire';

describe('replyPieces', () => {
  it('splits per word with leading whitespace kept, so pieces concatenate back exactly', () => {
    for (const text of ['Echo: a  b\nc', 'Echo: ', 'Echo:', '  x ', 'Echo: 👋 世界\t!']) {
      const pieces = replyPieces(text);
      expect(pieces.join(''), JSON.stringify(text)).toBe(text);
      expect(pieces.length, JSON.stringify(text)).toBe(Math.max(1, text.match(/\S+/g)?.length ?? 0));
    }
    expect(replyPieces('Echo: a  b\nc')).toEqual(['Echo:', ' a', '  b', '\nc']);
    expect(replyPieces('')).toEqual([]);
  });
});

describe('contentText', () => {
  it('reads strings and the text parts of arrays, ignoring other parts', () => {
    expect(contentText('hi')).toBe('hi');
    expect(
      contentText([
        { type: 'text', text: 'a' },
        { type: 'image_url', image_url: { url: 'x' } },
        { type: 'text', text: 'b' },
      ]),
    ).toBe('a b');
    expect(contentText(null)).toBe('');
  });
});

describe('planChat', () => {
  it('echoes the last user message, not the last message', () => {
    const plan = planChat(
      'gpt-4o',
      [
        { role: 'user', content: 'first' },
        { role: 'user', content: 'second one' },
        { role: 'assistant', content: 'ignored here' },
      ],
      undefined,
    );
    expect(plan.content).toBe('Echo: second one');
    expect(plan.usage.prompt_tokens).toBe(1 + 2 + 2 + 3 * 3);
  });

  it('answers "Echo: " without a user message', () => {
    const plan = planChat('gpt-4o', [{ role: 'system', content: 'be nice' }], undefined);
    expect(plan.content).toBe('Echo: ');
    expect(plan.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 });
  });

  it('counts cached and reasoning tokens inside their totals', () => {
    const msgs = [{ role: 'user', content: 'a b c d e f g' }]; // 7 words + 3 = 10 prompt tokens
    expect(planChat('my-cached-model', msgs, undefined).usage.prompt_tokens_details?.cached_tokens).toBe(5);
    const o3 = planChat('o3', msgs, 3).usage;
    expect(o3).toMatchObject({ completion_tokens: 8, total_tokens: 18 });
    expect(o3.completion_tokens_details?.reasoning_tokens).toBe(5);
    expect(planChat('openai-thing', msgs, undefined).usage.completion_tokens_details?.reasoning_tokens).toBe(0);
  });
});

describe('chatStreamFrames', () => {
  const plan = planChat('gpt-4o-mini', [{ role: 'user', content: 'hi you' }], undefined);

  it('frames every chunk as one data event and ends with [DONE]', () => {
    const frames = chatStreamFrames(plan, false);
    expect(frames).toHaveLength(6);
    expect(frames.every((f) => f.startsWith('data: ') && f.endsWith('\n\n') && !f.slice(0, -2).includes('\n'))).toBe(
      true,
    );
    expect(frames[5]).toBe('data: [DONE]\n\n');
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.slice(6)) as Record<string, unknown>);
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
  });

  it('adds "usage": null to every chunk and a final usage chunk with include_usage', () => {
    const frames = chatStreamFrames(plan, true);
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.slice(6)) as Record<string, unknown>);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks[chunks.length - 1]).toMatchObject({ choices: [], usage: plan.usage });
  });
});

describe('embedText', () => {
  it('gives a stable unit vector per text', () => {
    const v = embedText('hello');
    expect(v).toHaveLength(8);
    expect(embedText('hello')).toEqual(v);
    expect(embedText('hellp')).not.toEqual(v);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
  });

  it('encodes as float32 base64 that decodes to the same numbers', () => {
    const v = embedText('x');
    const buf = Buffer.from(float32Base64(v), 'base64');
    expect(Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4))).toEqual(v);
  });
});
