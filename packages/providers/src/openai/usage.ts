import { reportedTokenCount, type Usage } from '@tollgate/domain';
import type { CompletionUsage } from 'openai/resources/completions';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const count = reportedTokenCount;

const detail = (parent: unknown, key: string): number => (isObj(parent) ? count(parent[key]) : 0);

/**
 * Normalises an OpenAI usage object into the non-overlapping {@link Usage} parts.
 *
 * OpenAI's totals include their details: `prompt_tokens` include `prompt_tokens_details.cached_tokens` and
 * `completion_tokens` include `completion_tokens_details.reasoning_tokens`, so the details are subtracted
 * (billing cached tokens again at the full input price is the classic double count). Accepted shapes:
 * - chat completions: `prompt_tokens`, `completion_tokens`, and their `_details`;
 * - embeddings: `prompt_tokens` and `total_tokens` only;
 * - the Responses API: `input_tokens`, `output_tokens`, `input_tokens_details`, `output_tokens_details`, which
 *   follow the same inclusive convention.
 *
 * A detail larger than its total is clamped to the total, so the parts always add up to what OpenAI reported.
 * Returns null for null, undefined, a non-object (a streamed chunk's `"usage": null`) or an object with none
 * of the token totals, so the caller can tell "no usage reported" from "zero tokens".
 */
export function normalizeOpenAiUsage(u: unknown): Usage | null {
  if (!isObj(u)) return null;
  const chat = 'prompt_tokens' in u || 'completion_tokens' in u;
  const responses = !chat && ('input_tokens' in u || 'output_tokens' in u);
  if (!chat && !responses) return null;

  const prompt = count(chat ? u.prompt_tokens : u.input_tokens);
  const completion = count(chat ? u.completion_tokens : u.output_tokens);
  const cached = Math.min(prompt, detail(chat ? u.prompt_tokens_details : u.input_tokens_details, 'cached_tokens'));
  const reasoning = Math.min(
    completion,
    detail(chat ? u.completion_tokens_details : u.output_tokens_details, 'reasoning_tokens'),
  );

  return {
    inputTokens: prompt - cached,
    cacheReadTokens: cached,
    // OpenAI prices no separate cache write for these APIs: written tokens are billed as plain input.
    cacheWriteTokens: 0,
    outputTokens: completion - reasoning,
    reasoningTokens: reasoning,
  };
}

/**
 * The same usage in the OpenAI shape the caller reads: `prompt_tokens` count every input token, cached or not
 * (OpenAI's convention), with the cache reads repeated in `prompt_tokens_details.cached_tokens`.
 */
export function openAiUsageOf(u: Usage): CompletionUsage {
  const prompt = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  const completion = u.outputTokens + u.reasoningTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: u.cacheReadTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}
