import { describe, expect, it } from 'vitest';
import { byteEstimate, createTokenizerCounter, encodingFor } from './input-tokens';
import { countInput } from './estimate';

const counter = createTokenizerCounter();
counter.preload();

describe('input token counting', () => {
  it('knows the encoding of OpenAI model families, and no other', () => {
    expect(['gpt-4o-mini', 'gpt-4.1', 'gpt-5-nano', 'o3-mini', 'o1', 'openai/gpt-4o', 'chatgpt-4o-latest'].map(encodingFor)).toEqual(Array(7).fill('o200k_base'));
    expect(['gpt-4-turbo', 'gpt-3.5-turbo', 'text-embedding-3-small'].map(encodingFor)).toEqual(Array(3).fill('cl100k_base'));
    expect(['claude-sonnet-4-5', 'mistral-large-latest', 'gemini-2.5-flash', 'llama3', 'omni-moderation', 'o'].map(encodingFor)).toEqual(Array(6).fill(null));
  });

  it('counts OpenAI text with the tokenizer and everything else by bytes', () => {
    const text = Array.from({ length: 300 }, (_, i) => 'abcdefghij'[i % 10]).join(' ');
    // One token per one-letter word: the byte estimate says a third fewer.
    expect(counter.count(text, 'gpt-4o')).toBe(300);
    expect(counter.count(text, 'claude-sonnet-4-5')).toBe(byteEstimate.count(text, 'x'));
    expect(byteEstimate.count(text, 'x')).toBe(200);
  });

  it('counts special-token text like any text instead of throwing', () => {
    expect(counter.count('say <|endoftext|> and <|im_start|> please', 'gpt-4o')).toBeGreaterThan(8);
  });

  it('counts a body with \\u escapes from its parsed text, not six characters per letter', () => {
    const parsed = { messages: [{ role: 'user', content: '我们的系统今天运行得很好'.repeat(20) }] };
    const escaped = JSON.stringify(parsed).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const limits = { inputTokens: counter };
    const target = [{ providerId: 'prv_x' as const, model: 'gpt-4o' }];
    expect(countInput(limits, escaped, parsed, target)).toBe(countInput(limits, JSON.stringify(parsed), parsed, target));
    expect(counter.count(escaped, 'gpt-4o')).toBeGreaterThan(2 * countInput(limits, escaped, parsed, target));
  });

  it('counts a 10 MB body from samples: within a few percent, in a few milliseconds', () => {
    const words = 'the quick brown fox jumps over a lazy dog while 42 people watch, and then'.split(' ');
    const big = Array.from({ length: 1_700_000 }, (_, i) => words[i % words.length]).join(' ');
    const exactPerChar = counter.count(big.slice(0, 16_000), 'gpt-4o') / 16_000;
    const t0 = performance.now();
    const sampled = counter.count(big, 'gpt-4o');
    const ms = performance.now() - t0;
    expect(Math.abs(sampled / (exactPerChar * big.length) - 1)).toBeLessThan(0.03);
    expect(ms).toBeLessThan(25);
  });
});
