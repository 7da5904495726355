import { reportedTokenCount, type Usage } from '@tollgate/domain';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = reportedTokenCount;

/**
 * Bedrock's `TokenUsage` → the non-overlapping {@link Usage} parts. Like Anthropic's API, Converse's
 * `inputTokens` EXCLUDE the tokens read from and written to the prompt cache (`totalTokens` is the sum of
 * all four), so the three input numbers are taken as they are. Converse does not break reasoning tokens out
 * of `outputTokens`; they are billed at the output rate anyway. Null when no usage was reported.
 */
export function normalizeBedrockUsage(u: unknown): Usage | null {
  if (!isObj(u) || (!('inputTokens' in u) && !('outputTokens' in u))) return null;
  return {
    inputTokens: count(u.inputTokens),
    cacheReadTokens: count(u.cacheReadInputTokens),
    cacheWriteTokens: count(u.cacheWriteInputTokens),
    outputTokens: count(u.outputTokens),
    reasoningTokens: 0,
  };
}

export { openAiUsageOf } from '../openai/usage';
