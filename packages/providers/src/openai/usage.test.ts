import { describe, expect, it } from 'vitest';
import { invalidUsageReason, totalInputTokens, totalOutputTokens } from '@tollgate/domain';
import { normalizeOpenAiUsage } from './usage';

describe('normalizeOpenAiUsage', () => {
  it('splits a chat completion usage without counting cached or reasoning tokens twice', () => {
    const usage = {
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 192,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    };
    const n = normalizeOpenAiUsage(usage);
    expect(n).toEqual({
      inputTokens: 86,
      cacheReadTokens: 1920,
      cacheWriteTokens: 0,
      outputTokens: 108,
      reasoningTokens: 192,
    });
    // The parts add back up to OpenAI's totals: nothing billed twice, nothing lost.
    expect(totalInputTokens(n!)).toBe(usage.prompt_tokens);
    expect(totalOutputTokens(n!)).toBe(usage.completion_tokens);
  });

  it('reads a usage without details as all uncached input and plain output', () => {
    expect(normalizeOpenAiUsage({ prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 })).toEqual({
      inputTokens: 9,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 12,
      reasoningTokens: 0,
    });
  });

  it('reads an embeddings usage', () => {
    expect(normalizeOpenAiUsage({ prompt_tokens: 8, total_tokens: 8 })).toEqual({
      inputTokens: 8,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('reads a Responses API usage with the same inclusive convention', () => {
    expect(
      normalizeOpenAiUsage({
        input_tokens: 100,
        input_tokens_details: { cached_tokens: 64 },
        output_tokens: 50,
        output_tokens_details: { reasoning_tokens: 20 },
        total_tokens: 150,
      }),
    ).toEqual({ inputTokens: 36, cacheReadTokens: 64, cacheWriteTokens: 0, outputTokens: 30, reasoningTokens: 20 });
  });

  it('returns null when there is no usage', () => {
    expect(normalizeOpenAiUsage(null)).toBeNull();
    expect(normalizeOpenAiUsage(undefined)).toBeNull();
    expect(normalizeOpenAiUsage('12')).toBeNull();
    expect(normalizeOpenAiUsage([1, 2])).toBeNull();
    expect(normalizeOpenAiUsage({})).toBeNull();
    expect(normalizeOpenAiUsage({ total_tokens: 5 })).toBeNull();
  });

  it('marks unreadable counts NaN (the gateway then refuses the usage) and absent ones 0', () => {
    const u = normalizeOpenAiUsage({
      prompt_tokens: '40',
      completion_tokens: 7,
      prompt_tokens_details: { cached_tokens: null },
      completion_tokens_details: 'x',
    });
    expect(u).toMatchObject({ cacheReadTokens: Number.NaN, cacheWriteTokens: 0, outputTokens: 7, reasoningTokens: 0 });
    expect(u!.inputTokens).toBeNaN();
    for (const bad of [-5, 1e308, 2e7, 1.5e20, Number.POSITIVE_INFINITY, Number.NaN]) {
      const v = normalizeOpenAiUsage({ prompt_tokens: 3, completion_tokens: bad })!;
      expect(invalidUsageReason(v), String(bad)).toMatch(/outputTokens/);
    }
    expect(invalidUsageReason(normalizeOpenAiUsage({ prompt_tokens: 3, completion_tokens: 4, prompt_tokens_details: { cached_tokens: -3 } })!)).not.toBeNull();
    expect(invalidUsageReason(normalizeOpenAiUsage({ prompt_tokens: 3, completion_tokens: 10_000_000 })!)).toMatch(/more than the 10000000/);
    expect(invalidUsageReason(normalizeOpenAiUsage({ prompt_tokens: 3, completion_tokens: 9_000_000 })!)).toBeNull();
  });

  it('clamps a detail larger than its total to the total', () => {
    expect(
      normalizeOpenAiUsage({
        prompt_tokens: 10,
        completion_tokens: 4,
        prompt_tokens_details: { cached_tokens: 25 },
        completion_tokens_details: { reasoning_tokens: 9 },
      }),
    ).toEqual({ inputTokens: 0, cacheReadTokens: 10, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 4 });
  });

  it('drops fractions rather than billing a partial token', () => {
    expect(normalizeOpenAiUsage({ prompt_tokens: 10.7, completion_tokens: 3.2 })).toMatchObject({
      inputTokens: 10,
      outputTokens: 3,
    });
  });
});
