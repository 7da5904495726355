import type { ModelPrice, Usage } from '@tollgate/domain';

/**
 * The cost of `usage` at `price`, as a whole number of micro-USD (1e-6 USD), the unit call records and budgets
 * are kept in. Each usage part is priced at its own rate; a missing cache-read or cache-creation rate falls back
 * to the input rate and a missing reasoning rate to the output rate, which is how OpenAI bills them.
 *
 * The sum is rounded once, at the end, so many small parts are not each rounded away. Per-token prices like
 * 1.5e-7 have no exact binary form, so the product can land a hair beside the true value (10 tokens at
 * $0.15/1M giving 1.4999999999999998 instead of 1.5); trimming to 12 significant digits before rounding makes
 * exact halves round the way the decimal arithmetic on the price list would.
 */
export function costMicroUsd(usage: Usage, price: ModelPrice): number {
  const input = price.input_cost_per_token;
  const output = price.output_cost_per_token;
  const usd =
    usage.inputTokens * input +
    usage.cacheReadTokens * (price.cache_read_input_token_cost ?? input) +
    usage.cacheWriteTokens * (price.cache_creation_input_token_cost ?? input) +
    usage.outputTokens * output +
    usage.reasoningTokens * (price.output_cost_per_reasoning_token ?? output);
  const micro = usd * 1e6;
  if (!Number.isFinite(micro) || micro <= 0) return 0;
  return Math.round(Number(micro.toPrecision(12)));
}
