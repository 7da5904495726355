import { reportedTokenCount, type Usage } from '@tollgate/domain';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const count = reportedTokenCount;

/**
 * Normalises an Anthropic usage object into the non-overlapping {@link Usage} parts.
 *
 * Unlike OpenAI's `prompt_tokens`, Anthropic's `input_tokens` already EXCLUDE the tokens read from and written
 * to the prompt cache, so the three input numbers are taken as they are: subtracting the cache tokens again
 * (or adding them to input) is the double count LiteLLM shipped. `output_tokens` include extended-thinking
 * tokens; when the API breaks them out (`output_tokens_details.thinking_tokens`) they move to
 * `reasoningTokens`, otherwise all output stays in `outputTokens` (both are billed at the output rate).
 *
 * Returns null when neither `input_tokens` nor `output_tokens` is present, so "no usage reported" stays
 * distinguishable from "zero tokens".
 */
export function normalizeAnthropicUsage(u: unknown): Usage | null {
  if (!isObj(u)) return null;
  if (!('input_tokens' in u) && !('output_tokens' in u)) return null;
  const output = count(u.output_tokens);
  const thinking = isObj(u.output_tokens_details) ? Math.min(output, count(u.output_tokens_details.thinking_tokens)) : 0;
  return {
    inputTokens: count(u.input_tokens),
    cacheReadTokens: count(u.cache_read_input_tokens),
    cacheWriteTokens: count(u.cache_creation_input_tokens),
    outputTokens: output - thinking,
    reasoningTokens: thinking,
  };
}

export { openAiUsageOf } from '../openai/usage';
