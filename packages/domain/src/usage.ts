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
