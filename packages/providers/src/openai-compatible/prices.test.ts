import { describe, expect, it } from 'vitest';
import { providerPrices, findModelPrice } from '../pricing/prices';

describe('the family price tables', () => {
  it('registers a table for every priced family member (Azure uses OpenAI’s)', () => {
    for (const type of ['deepseek', 'groq', 'mistral', 'ollama', 'openrouter', 'together', 'xai']) expect(providerPrices).toHaveProperty(type);
    expect(findModelPrice('gpt-4o-mini-2024-07-18', {}, 'azure-openai')).toMatchObject({ input_cost_per_token: 0.15e-6 });
  });

  it('holds positive per-token prices with cache reads below input', () => {
    for (const [type, table] of Object.entries(providerPrices)) {
      for (const [model, price] of Object.entries(table)) {
        const where = `${type}/${model}`;
        expect(price.input_cost_per_token, where).toBeGreaterThan(0);
        expect(price.input_cost_per_token, where).toBeLessThan(1e-4);
        expect(price.output_cost_per_token, where).toBeGreaterThan(0);
        if (price.cache_read_input_token_cost !== undefined) expect(price.cache_read_input_token_cost, where).toBeLessThan(price.input_cost_per_token);
      }
    }
  });

  it('looks each model up in its own provider table first', () => {
    const perM = (model: string, type: string) => {
      const p = findModelPrice(model, {}, type)!;
      return [p.input_cost_per_token * 1e6, p.output_cost_per_token * 1e6, (p.cache_read_input_token_cost ?? NaN) * 1e6];
    };
    const close = (got: number[], want: number[]) => want.forEach((w, i) => (Number.isNaN(w) ? expect(got[i]).toBeNaN() : expect(got[i]).toBeCloseTo(w, 9)));
    close(perM('grok-3-mini', 'xai'), [0.3, 0.5, 0.075]);
    close(perM('openai/gpt-oss-120b', 'groq'), [0.15, 0.6, 0.075]);
    close(perM('mistral-small-latest', 'mistral'), [0.1, 0.3, NaN]);
    close(perM('deepseek-reasoner', 'deepseek'), [0.28, 0.42, 0.028]);
    // The same name in another provider's table is not used.
    expect(findModelPrice('deepseek-chat', {}, 'groq')).toBeNull();
  });
});
