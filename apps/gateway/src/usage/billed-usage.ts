import { invalidUsageReason, totalOutputTokens, type Usage, type UsageProblem } from '@tollgate/domain';
import type { CallDraft } from '../steps/meter';
import { estimatedTokensOfChars } from './delivered-text';

/** What a call is recorded, priced and settled with, and why it is an estimate when it is one. */
export interface BilledUsage {
  usage: Usage;
  problem: UsageProblem | null;
  /** For `usage_invalid`: what was wrong with the provider's counts. */
  reason: string | null;
}

/** The gateway's own count of a call: the request's input estimate and the output the caller received. */
export interface UsageEstimate {
  input: number;
  /** Read only when the estimate is needed: reading a whole answer for its text is not free. */
  output: () => number;
}

const estimated = (e: UsageEstimate): Usage => ({ inputTokens: e.input, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: e.output(), reasoningTokens: 0 });

/**
 * The one check every provider's usage passes on every path (chat, streams, Responses, passthrough,
 * embeddings, prompts) before it reaches the record, the price or the limiter. Usage that fails
 * `invalidUsageReason` (negative, 1e308, a string, more than a call can use) is not trusted at all, not even
 * in part: the call is billed the estimate. An answered call without usage is billed the estimate too, and a
 * stream cut short at least the output it delivered (Anthropic's counts before the cut are message_start's).
 */
export function billedUsage(reported: Usage | null, estimate: UsageEstimate, cutShort = false): BilledUsage {
  if (!reported) return { usage: estimated(estimate), problem: 'usage_missing', reason: null };
  const reason = invalidUsageReason(reported);
  if (reason) return { usage: estimated(estimate), problem: 'usage_invalid', reason };
  const output = cutShort ? estimate.output() : 0;
  if (output > totalOutputTokens(reported)) {
    return { usage: { ...reported, outputTokens: output - reported.reasoningTokens }, problem: 'usage_missing', reason: null };
  }
  return { usage: reported, problem: null, reason: null };
}

/** The input the limit step estimated for the call; a call it did not limit (a prompt test run) by its bytes alike. */
export const inputEstimateOf = (call: CallDraft): number => call.estimatedInputTokens ?? estimatedTokensOfChars(call.record.bytesIn);

/** Puts a billed usage on the call's record: the counts, the marker, and for unusable counts a note of why. */
export function recordBilledUsage(call: CallDraft, { usage, problem, reason }: BilledUsage): void {
  Object.assign(call.record, usage);
  call.record.usageProblem = problem;
  if (reason) call.note(`usage_invalid: the provider reported unusable usage (${reason}); billed the estimate`);
}
