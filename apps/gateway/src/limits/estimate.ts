import { costMicroUsd, findModelPrice } from '@tollgate/providers';
import type { CallRecord, ModelTarget, SnapshotProvider } from '@tollgate/domain';
import type { UsageEstimate } from './rules';

/**
 * A deliberately generous guess at a call's tokens, made before it runs: the request's bytes over 3 (English
 * runs about 4 bytes per token, code and other scripts fewer) for the input, plus the output the caller allows
 * (`max_completion_tokens` or `max_tokens`) or `defaultOutputTokens`. Over-reserving only holds budget back
 * until the call settles; under-reserving would let concurrent calls overshoot it.
 */
export function estimateTokens(requestBytes: number, maxOutputTokens: number | undefined, defaultOutputTokens: number, choices = 1): { input: number; output: number } {
  return { input: Math.ceil(requestBytes / 3), output: (maxOutputTokens ?? defaultOutputTokens) * choices };
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
export function estimateUsage(tokens: { input: number; output: number }, targets: readonly PricedTarget[]): UsageEstimate {
  const usage = { inputTokens: tokens.input, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: tokens.output, reasoningTokens: 0 };
  let cost = 0;
  for (const { provider, target } of targets) {
    const price = provider ? findModelPrice(target.model, provider.priceOverrides, provider.type) : null;
    if (price) cost = Math.max(cost, costMicroUsd(usage, price));
  }
  return { tokens: tokens.input + tokens.output, costMicroUsd: cost };
}

/** What the call really used, in the units its reservation was made in. */
export function actualUsage(record: Pick<CallRecord, 'inputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'outputTokens' | 'reasoningTokens' | 'costMicroUsd'>): UsageEstimate {
  return {
    tokens: record.inputTokens + record.cacheReadTokens + record.cacheWriteTokens + record.outputTokens + record.reasoningTokens,
    costMicroUsd: record.costMicroUsd,
  };
}
