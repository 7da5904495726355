import { costMicroUsd, findModelPrice } from '@tollgate/providers';
import type { CallRecord, ModelTarget, SnapshotProvider } from '@tollgate/domain';
import type { UsageEstimate } from './rules';

/**
 * A deliberately generous guess at a call's tokens, made before it runs: the request's bytes over 3 (English
 * runs about 4 bytes per token, code and other scripts fewer) for the input, plus the output the caller allows
 * (`max_completion_tokens` or `max_tokens`) or `defaultOutputTokens`. Over-reserving only holds budget back
 * until the call settles; under-reserving would let concurrent calls overshoot it.
 */
export function estimateTokens(requestBytes: number, maxOutputTokens: number | undefined, defaultOutputTokens: number): { input: number; output: number } {
  return { input: Math.ceil(requestBytes / 3), output: maxOutputTokens ?? defaultOutputTokens };
}

/** The reservation for a call to `target`: its tokens, and their price at the target's rates (0 when unpriced). */
export function estimateUsage(tokens: { input: number; output: number }, provider: SnapshotProvider | undefined, target: ModelTarget | undefined): UsageEstimate {
  const price = provider && target ? findModelPrice(target.model, provider.priceOverrides, provider.type) : null;
  const cost = price
    ? costMicroUsd({ inputTokens: tokens.input, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: tokens.output, reasoningTokens: 0 }, price)
    : 0;
  return { tokens: tokens.input + tokens.output, costMicroUsd: cost };
}

/** What the call really used, in the units its reservation was made in. */
export function actualUsage(record: Pick<CallRecord, 'inputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'outputTokens' | 'reasoningTokens' | 'costMicroUsd'>): UsageEstimate {
  return {
    tokens: record.inputTokens + record.cacheReadTokens + record.cacheWriteTokens + record.outputTokens + record.reasoningTokens,
    costMicroUsd: record.costMicroUsd,
  };
}
