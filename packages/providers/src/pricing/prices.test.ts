import { describe, expect, it } from 'vitest';
import type { ModelPrice } from '@tollgate/domain';
import { DEFAULT_MODEL_PRICES, findModelPrice } from './prices';

const perMillion = (p: ModelPrice | null) =>
  p && {
    input: Number((p.input_cost_per_token * 1e6).toPrecision(12)),
    output: Number((p.output_cost_per_token * 1e6).toPrecision(12)),
    cached: p.cache_read_input_token_cost === undefined ? undefined : Number((p.cache_read_input_token_cost * 1e6).toPrecision(12)),
  };

describe('DEFAULT_MODEL_PRICES', () => {
  it('lists the current OpenAI models at their list prices per 1M tokens', () => {
    expect(perMillion(DEFAULT_MODEL_PRICES['gpt-4o'] ?? null)).toEqual({ input: 2.5, output: 10, cached: 1.25 });
    expect(perMillion(DEFAULT_MODEL_PRICES['gpt-4o-mini'] ?? null)).toEqual({ input: 0.15, output: 0.6, cached: 0.075 });
    expect(perMillion(DEFAULT_MODEL_PRICES['o4-mini'] ?? null)).toEqual({ input: 1.1, output: 4.4, cached: 0.275 });
    expect(perMillion(DEFAULT_MODEL_PRICES['gpt-5'] ?? null)).toEqual({ input: 1.25, output: 10, cached: 0.125 });
    expect(perMillion(DEFAULT_MODEL_PRICES['text-embedding-3-small'] ?? null)).toEqual({
      input: 0.02,
      output: 0,
      cached: undefined,
    });
  });

  it('has every required model, each cached rate below its input rate', () => {
    const required = [
      'gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'o3', 'o4-mini', 'o1',
      'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'text-embedding-3-small', 'text-embedding-3-large',
    ];
    for (const model of required) {
      const p = DEFAULT_MODEL_PRICES[model];
      expect(p, model).toBeDefined();
      expect(p!.input_cost_per_token, model).toBeGreaterThan(0);
      if (!model.startsWith('text-embedding')) {
        expect(p!.output_cost_per_token, model).toBeGreaterThan(p!.input_cost_per_token);
        expect(p!.cache_read_input_token_cost, model).toBeLessThan(p!.input_cost_per_token);
      }
    }
  });
});

describe('findModelPrice', () => {
  const mini = DEFAULT_MODEL_PRICES['gpt-4o-mini'];
  const custom: ModelPrice = { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 };

  it('finds an exact name', () => {
    expect(findModelPrice('gpt-4o-mini')).toBe(mini);
    expect(findModelPrice('gpt-4o')).toBe(DEFAULT_MODEL_PRICES['gpt-4o']);
  });

  it('strips a snapshot date suffix', () => {
    expect(findModelPrice('gpt-4o-mini-2024-07-18')).toBe(mini);
    expect(findModelPrice('o3-2025-04-16')).toBe(DEFAULT_MODEL_PRICES.o3);
  });

  it('strips a provider prefix, with or without a date suffix', () => {
    expect(findModelPrice('openai/gpt-4o-mini')).toBe(mini);
    expect(findModelPrice('openai/gpt-4o-mini-2024-07-18')).toBe(mini);
    expect(findModelPrice('openrouter/openai/gpt-4.1-nano')).toBe(DEFAULT_MODEL_PRICES['gpt-4.1-nano']);
  });

  it('does not confuse models that share a prefix', () => {
    expect(findModelPrice('gpt-4o-mini-tts')).toBeNull();
    expect(findModelPrice('gpt-5-mini')).toBe(DEFAULT_MODEL_PRICES['gpt-5-mini']);
  });

  it('returns null for unknown models and names of Object.prototype members', () => {
    expect(findModelPrice('llama-3-70b')).toBeNull();
    expect(findModelPrice('')).toBeNull();
    expect(findModelPrice('constructor')).toBeNull();
    expect(findModelPrice('openai/__proto__')).toBeNull();
  });

  it('lets overrides win over the built-in table under every name form', () => {
    const overrides = { 'gpt-4o-mini': custom };
    expect(findModelPrice('gpt-4o-mini', overrides)).toBe(custom);
    expect(findModelPrice('gpt-4o-mini-2024-07-18', overrides)).toBe(custom);
    expect(findModelPrice('openai/gpt-4o-mini', overrides)).toBe(custom);
    expect(findModelPrice('gpt-4o', overrides)).toBe(DEFAULT_MODEL_PRICES['gpt-4o']);
  });

  it('prices models only an override knows, including by prefixed name', () => {
    expect(findModelPrice('acme-large', { 'acme-large': custom })).toBe(custom);
    expect(findModelPrice('azure/acme-large-2025-01-01', { 'azure/acme-large': custom })).toBe(custom);
  });
});
