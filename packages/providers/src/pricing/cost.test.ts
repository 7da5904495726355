import { describe, expect, it } from 'vitest';
import type { ModelPrice, Usage } from '@tollgate/domain';
import { emptyUsage } from '@tollgate/domain';
import { costMicroUsd } from './cost';
import { DEFAULT_MODEL_PRICES } from './prices';

const usage = (u: Partial<Usage>): Usage => ({ ...emptyUsage(), ...u });
const price = (model: string): ModelPrice => {
  const p = DEFAULT_MODEL_PRICES[model];
  if (!p) throw new Error(`no price for ${model}`);
  return p;
};

describe('costMicroUsd', () => {
  it('prices cached input at the cached rate (gpt-4o)', () => {
    // 1000 × $2.50/1M + 2000 × $1.25/1M + 500 × $10/1M = 2500 + 2500 + 5000 micro-USD
    expect(costMicroUsd(usage({ inputTokens: 1000, cacheReadTokens: 2000, outputTokens: 500 }), price('gpt-4o'))).toBe(
      10_000,
    );
  });

  it('prices reasoning as output when the model has no reasoning rate (o4-mini)', () => {
    // 86 × 1.1 + 1920 × 0.275 + (108 + 192) × 4.4 = 94.6 + 528 + 1320 = 1942.6
    expect(
      costMicroUsd(
        usage({ inputTokens: 86, cacheReadTokens: 1920, outputTokens: 108, reasoningTokens: 192 }),
        price('o4-mini'),
      ),
    ).toBe(1943);
  });

  it('falls back to the input rate for cache reads and writes and the output rate for reasoning', () => {
    const plain: ModelPrice = { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 };
    // (1 + 2 + 3) × 1 + (4 + 5) × 2 = 24
    expect(
      costMicroUsd(
        { inputTokens: 1, cacheReadTokens: 2, cacheWriteTokens: 3, outputTokens: 4, reasoningTokens: 5 },
        plain,
      ),
    ).toBe(24);
  });

  it('uses every explicit rate', () => {
    const full: ModelPrice = {
      input_cost_per_token: 3e-6,
      output_cost_per_token: 15e-6,
      cache_read_input_token_cost: 0.3e-6,
      cache_creation_input_token_cost: 3.75e-6,
      output_cost_per_reasoning_token: 20e-6,
    };
    // 100 × 3 + 1000 × 0.3 + 200 × 3.75 + 50 × 15 + 10 × 20 = 300 + 300 + 750 + 750 + 200
    expect(
      costMicroUsd(
        { inputTokens: 100, cacheReadTokens: 1000, cacheWriteTokens: 200, outputTokens: 50, reasoningTokens: 10 },
        full,
      ),
    ).toBe(2300);
  });

  it('rounds once at the end, not per part', () => {
    // 4 × 0.05 + 40 × 0.005 + 1 × 0.4 = 0.2 + 0.2 + 0.4 = 0.8 → 1; rounding each part would give 0.
    expect(
      costMicroUsd(usage({ inputTokens: 4, cacheReadTokens: 40, outputTokens: 1 }), price('gpt-5-nano')),
    ).toBe(1);
  });

  it('rounds an exact half up despite binary floating point', () => {
    // 50 × $0.15/1M is exactly 7.5 micro-USD; naive float arithmetic gives 7.499999999999999.
    expect(costMicroUsd(usage({ inputTokens: 50 }), price('gpt-4o-mini'))).toBe(8);
    // 1950 × $0.13/1M = 253.5
    expect(costMicroUsd(usage({ inputTokens: 1950 }), price('text-embedding-3-large'))).toBe(254);
  });

  it('returns an integer, and 0 for no usage', () => {
    expect(costMicroUsd(emptyUsage(), price('o1'))).toBe(0);
    const c = costMicroUsd(usage({ inputTokens: 12_345, outputTokens: 6789 }), price('gpt-4.1'));
    // 12345 × 2 + 6789 × 8 = 24690 + 54312
    expect(c).toBe(79_002);
    expect(Number.isInteger(costMicroUsd(usage({ inputTokens: 7 }), price('gpt-4.1-nano')))).toBe(true);
  });
});
