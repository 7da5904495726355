import type { ModelPrice } from '@tollgate/domain';

/**
 * Anthropic's list price per 1M tokens (standard tier, prompts up to 200K tokens) with its prompt-cache rates:
 * a cache read costs 0.1× the input price and a (5-minute) cache write 1.25×. Anthropic, unlike OpenAI, bills
 * cache writes above the input rate, so the write price is set explicitly.
 *
 * Deliberately not `perMillion` from ../pricing/prices: that module imports this table, and a module that
 * reached this one first would see `providerPrices.anthropic` undefined through the import cycle.
 */
function claude(input: number, output: number): ModelPrice {
  return {
    input_cost_per_token: input / 1e6,
    output_cost_per_token: output / 1e6,
    cache_read_input_token_cost: (input * 0.1) / 1e6,
    cache_creation_input_token_cost: (input * 1.25) / 1e6,
  };
}

/**
 * Anthropic's API also answers with dated snapshot ids (`claude-sonnet-4-5-20250929`) whose `YYYYMMDD` suffix
 * `findModelPrice` does not strip, so each price is listed under the alias and every snapshot id of the model.
 */
function entries(names: string[], price: ModelPrice): Array<[string, ModelPrice]> {
  return names.map((name) => [name, price]);
}

// https://docs.anthropic.com/en/docs/about-claude/pricing
export const anthropicPrices: Readonly<Record<string, ModelPrice>> = Object.freeze(
  Object.fromEntries([
    ...entries(['claude-opus-4-7', 'claude-opus-4-6', 'claude-opus-4-5', 'claude-opus-4-5-20251101'], claude(5, 25)),
    ...entries(['claude-opus-4-1', 'claude-opus-4-1-20250805', 'claude-opus-4-0', 'claude-opus-4-20250514'], claude(15, 75)),
    ...entries(
      ['claude-sonnet-4-6', 'claude-sonnet-4-5', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-0', 'claude-sonnet-4-20250514'],
      claude(3, 15),
    ),
    ...entries(['claude-3-7-sonnet-latest', 'claude-3-7-sonnet-20250219'], claude(3, 15)),
    ...entries(['claude-haiku-4-5', 'claude-haiku-4-5-20251001'], claude(1, 5)),
    ...entries(['claude-3-5-haiku-latest', 'claude-3-5-haiku-20241022'], claude(0.8, 4)),
    ...entries(['claude-3-haiku-20240307'], claude(0.25, 1.25)),
  ]),
);
