import { costMicroUsd, findModelPrice } from '@tollgate/providers';
import type { CallRecord, ModelTarget, SnapshotProvider } from '@tollgate/domain';
import type { UsageEstimate } from './rules';
import type { InputTokenCounter } from './input-tokens';

/**
 * A call's input tokens, counted from the body as sent for the model it goes to first. A body with `\\u`
 * escapes (what `ensure_ascii` JSON encoders send for every non-ASCII character) is counted from its parsed
 * form instead: six characters of escape are one character of text.
 */
export function countInput(limits: { inputTokens: InputTokenCounter }, text: string, parsed: unknown, targets: readonly ModelTarget[]): number {
  const model = targets[0]?.model ?? '';
  return limits.inputTokens.count(text.includes('\\u') ? JSON.stringify(parsed) : text, model);
}

/** A call's expected tokens: its input, and the output it may produce (`outputIsDefault`: no allowance was sent). */
export interface TokenEstimate {
  input: number;
  output: number;
  outputIsDefault: boolean;
}

/**
 * The tokens to reserve before a call runs: its input (counted, see input-tokens.ts), plus the output the
 * caller allows (`max_completion_tokens` or `max_tokens`) or, without one, `defaultOutputTokens`, for each of
 * `choices`. Over-reserving only holds budget back until the call settles; under-reserving would let
 * concurrent calls overshoot it.
 */
export function estimateTokens(inputTokens: number, maxOutputTokens: number | undefined, defaultOutputTokens: number, choices = 1): TokenEstimate {
  return { input: inputTokens, output: (maxOutputTokens ?? defaultOutputTokens) * choices, outputIsDefault: maxOutputTokens === undefined };
}

/** A target the call may end up on (a fallback, a weighted pick), with its provider when the snapshot has it. */
export interface PricedTarget {
  provider: SnapshotProvider | undefined;
  target: ModelTarget;
}

/**
 * The reservation for a call: its tokens, and their price at the dearest rates among the targets it may use
 * (a fallback can cost more than the first choice; unpriced targets count 0).
 */
export function estimateUsage(tokens: TokenEstimate, targets: readonly PricedTarget[]): UsageEstimate {
  const usage = { inputTokens: tokens.input, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: tokens.output, reasoningTokens: 0 };
  let cost = 0;
  let inputCost = 0;
  for (const { provider, target } of targets) {
    const price = provider ? findModelPrice(target.model, provider.priceOverrides, provider.type) : null;
    if (!price) continue;
    cost = Math.max(cost, costMicroUsd(usage, price));
    inputCost = Math.max(inputCost, costMicroUsd({ ...usage, outputTokens: 0 }, price));
  }
  return {
    tokens: tokens.input + tokens.output,
    costMicroUsd: cost,
    inputTokens: tokens.input,
    inputCostMicroUsd: inputCost,
    outputTokens: tokens.output,
    outputIsDefault: tokens.outputIsDefault,
  };
}

/** What the call really used, in the units its reservation was made in. */
export function actualUsage(record: Pick<CallRecord, 'inputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'outputTokens' | 'reasoningTokens' | 'costMicroUsd'>): Pick<UsageEstimate, 'tokens' | 'costMicroUsd'> {
  return {
    tokens: record.inputTokens + record.cacheReadTokens + record.cacheWriteTokens + record.outputTokens + record.reasoningTokens,
    costMicroUsd: record.costMicroUsd,
  };
}
