import type { ModelPrice } from '@tollgate/domain';

/**
 * Vendors publish prices per million tokens; the table stores LiteLLM-style USD per token. A module of its
 * own because the per-provider price files use it and pricing/prices.ts imports them: kept apart, there is
 * no import cycle to leave a table undefined.
 */
export function perMillion(input: number, output: number, cachedInput?: number): ModelPrice {
  const price: ModelPrice = { input_cost_per_token: input / 1e6, output_cost_per_token: output / 1e6 };
  if (cachedInput !== undefined) price.cache_read_input_token_cost = cachedInput / 1e6;
  return price;
}
