// This file imports the Anthropic table before the shared price module on purpose: that import order once
// left `providerPrices.anthropic` undefined through the modules' import cycle.
import { anthropicPrices } from './prices';
import { describe, expect, it } from 'vitest';
import type { ModelPrice } from '@tollgate/domain';
import { costMicroUsd } from '../pricing/cost';
import { findModelPrice, providerPrices } from '../pricing/prices';

const perMillion = (p: ModelPrice | null | undefined) =>
  p && {
    input: Number((p.input_cost_per_token * 1e6).toPrecision(12)),
    output: Number((p.output_cost_per_token * 1e6).toPrecision(12)),
    read: Number(((p.cache_read_input_token_cost ?? NaN) * 1e6).toPrecision(12)),
    write: Number(((p.cache_creation_input_token_cost ?? NaN) * 1e6).toPrecision(12)),
  };

describe('anthropicPrices', () => {
  it('lists Claude list prices per 1M tokens with cache reads at 0.1× and cache writes at 1.25× input', () => {
    expect(perMillion(anthropicPrices['claude-opus-4-5'])).toEqual({ input: 5, output: 25, read: 0.5, write: 6.25 });
    expect(perMillion(anthropicPrices['claude-opus-4-1'])).toEqual({ input: 15, output: 75, read: 1.5, write: 18.75 });
    expect(perMillion(anthropicPrices['claude-sonnet-4-5'])).toEqual({ input: 3, output: 15, read: 0.3, write: 3.75 });
    expect(perMillion(anthropicPrices['claude-haiku-4-5'])).toEqual({ input: 1, output: 5, read: 0.1, write: 1.25 });
    expect(perMillion(anthropicPrices['claude-3-5-haiku-latest'])).toEqual({ input: 0.8, output: 4, read: 0.08, write: 1 });
  });

  it('is the anthropic provider table, found under aliases and dated snapshot ids', () => {
    expect(providerPrices.anthropic).toBe(anthropicPrices);
    expect(findModelPrice('claude-sonnet-4-5-20250929', undefined, 'anthropic')).toBe(anthropicPrices['claude-sonnet-4-5']);
    expect(findModelPrice('claude-haiku-4-5-20251001', undefined, 'anthropic')).toBe(anthropicPrices['claude-haiku-4-5']);
    expect(findModelPrice('anthropic/claude-opus-4-6', undefined, 'anthropic')).toBe(anthropicPrices['claude-opus-4-6']);
  });

  it('prices each usage part at its own rate', () => {
    const usage = { inputTokens: 100, cacheReadTokens: 900, cacheWriteTokens: 1000, outputTokens: 200, reasoningTokens: 0 };
    // 100 × $3 + 900 × $0.30 + 1000 × $3.75 + 200 × $15, per 1M tokens, in micro-USD.
    expect(costMicroUsd(usage, anthropicPrices['claude-sonnet-4-5']!)).toBe(300 + 270 + 3750 + 3000);
  });
});
