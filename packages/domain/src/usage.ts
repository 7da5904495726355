/**
 * The one usage record every provider's usage is normalised into. The parts never overlap, so a total is a
 * plain sum and no token is billed twice:
 * - `inputTokens` are uncached input tokens only (OpenAI's `prompt_tokens` minus `cached_tokens`;
 *   Anthropic's `input_tokens` as is);
 * - `cacheReadTokens` / `cacheWriteTokens` are input tokens read from / written to the provider's cache;
 * - `outputTokens` exclude reasoning tokens, which are counted in `reasoningTokens`.
 */
export interface Usage {
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}

export const emptyUsage = (): Usage => ({
  inputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
});

export const totalInputTokens = (u: Usage): number => u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
export const totalOutputTokens = (u: Usage): number => u.outputTokens + u.reasoningTokens;

/**
 * The most tokens one call may report (every part together). Far above any real call (the largest context
 * windows are a few million tokens) and far below what overflows a budget: a provider reporting more is
 * lying or broken, and its count must not exhaust a plan's limit or skew analytics.
 */
export const MAX_TOKENS_PER_CALL = 10_000_000;

/**
 * A token count as a provider reported it, for the adapters' normalisers: an absent count (undefined, null)
 * is 0; a non-negative number up to {@link MAX_TOKENS_PER_CALL} is taken, a fraction dropped (never a partial
 * token billed); anything else (negative, 1e308, Infinity, a string) is NaN. NaN rather than 0 so that the gateway sees the usage as unusable
 * ({@link invalidUsageReason}) instead of billing a free call; it survives the adapters' sums and `Math.min`s.
 */
export function reportedTokenCount(v: unknown): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' && v >= 0 && v <= MAX_TOKENS_PER_CALL ? Math.floor(v) : Number.NaN;
}

const usageParts = ['inputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'outputTokens', 'reasoningTokens'] as const;

/**
 * Why a usage cannot be billed, or null when it can: every part must be a non-negative integer and all of
 * them together at most {@link MAX_TOKENS_PER_CALL}. The one check the gateway applies to every provider's
 * usage on every path, and the portal to every record it receives.
 */
export function invalidUsageReason(u: Usage): string | null {
  for (const part of usageParts) {
    const v = u[part];
    if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) return `${part} is not a non-negative integer (${String(v)})`;
  }
  const total = totalInputTokens(u) + totalOutputTokens(u);
  return total <= MAX_TOKENS_PER_CALL ? null : `${total} tokens is more than the ${MAX_TOKENS_PER_CALL} one call may use`;
}

/**
 * A record whose tokens are the gateway's estimate rather than the provider's count: `usage_invalid` when the
 * provider reported counts {@link invalidUsageReason} refuses, `usage_missing` when an answered call ended
 * without any (a stream cut mid-way, an answer without usage). The estimate is the request's input estimate
 * and the output text the caller received.
 */
export type UsageProblem = 'usage_invalid' | 'usage_missing';
