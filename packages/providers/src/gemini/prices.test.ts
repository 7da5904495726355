// Imported before ../pricing/prices on purpose: that module imports this table, and loading the two in this
// order must work too (no import cycle).
import { geminiPrices } from './prices';
import { describe, expect, it } from 'vitest';
import { findModelPrice } from '../pricing/prices';
import { costMicroUsd } from '../pricing/cost';

const perMillion = (model: string) => {
  const p = geminiPrices[model]!;
  const m = (v: number | undefined) => (v === undefined ? undefined : Number((v * 1e6).toPrecision(12)));
  return { input: m(p.input_cost_per_token), output: m(p.output_cost_per_token), cached: m(p.cache_read_input_token_cost) };
};

describe('geminiPrices', () => {
  it('lists the Gemini models at their list prices per 1M tokens', () => {
    expect(perMillion('gemini-2.5-pro')).toEqual({ input: 1.25, output: 10, cached: 0.125 });
    expect(perMillion('gemini-2.5-flash')).toEqual({ input: 0.3, output: 2.5, cached: 0.03 });
    expect(perMillion('gemini-2.5-flash-lite')).toEqual({ input: 0.1, output: 0.4, cached: 0.01 });
    expect(perMillion('gemini-2.0-flash')).toEqual({ input: 0.1, output: 0.4, cached: 0.025 });
  });

  it('is what the gateway finds for a gemini provider, under a bare or a models/ name', () => {
    expect(findModelPrice('gemini-2.5-pro', undefined, 'gemini')).toBe(geminiPrices['gemini-2.5-pro']);
    expect(findModelPrice('models/gemini-2.5-flash', undefined, 'gemini')).toBe(geminiPrices['gemini-2.5-flash']);
  });

  it('bills thinking at the output price and cache reads at the cached price', () => {
    const price = geminiPrices['gemini-2.5-flash']!;
    expect(price.output_cost_per_reasoning_token).toBeUndefined();
    const usage = { inputTokens: 400_000, cacheReadTokens: 600_000, cacheWriteTokens: 0, outputTokens: 100_000, reasoningTokens: 100_000 };
    // 0.4 × 0.30 + 0.6 × 0.03 + 0.2 × 2.50 = 0.638 USD.
    expect(costMicroUsd(usage, price)).toBe(638_000);
  });
});
