import { reportedTokenCount, type Usage } from '@tollgate/domain';
import { normalizeOpenAiUsage } from '../openai/usage';

type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const tokenCount = reportedTokenCount;

/**
 * OpenAI counts reasoning tokens inside `completion_tokens`; xAI counts them beside it, so its `total_tokens` is
 * prompt + completion + reasoning. Only the total tells the two apart, so it decides: subtracting reasoning
 * from an xAI completion would bill the visible answer as zero, and adding it to an OpenAI one would bill it
 * twice.
 */
export function reasoningOutsideCompletion(u: Obj): boolean {
  const details = u.completion_tokens_details;
  const reasoning = isObj(details) ? tokenCount(details.reasoning_tokens) : 0;
  if (reasoning === 0 || typeof u.total_tokens !== 'number') return false;
  return u.total_tokens === tokenCount(u.prompt_tokens) + tokenCount(u.completion_tokens) + reasoning;
}

/**
 * The usage of an OpenAI-compatible provider as non-overlapping {@link Usage} parts: OpenAI's rules (cached
 * tokens inside `prompt_tokens`, reasoning inside `completion_tokens`), except that reasoning reported beside
 * the completion (see `reasoningOutsideCompletion`) is taken as reported.
 */
export function normalizeCompatibleUsage(u: unknown): Usage | null {
  const usage = normalizeOpenAiUsage(u);
  if (!usage || !isObj(u) || !reasoningOutsideCompletion(u)) return usage;
  const details = u.completion_tokens_details as Obj;
  return { ...usage, outputTokens: tokenCount(u.completion_tokens), reasoningTokens: tokenCount(details.reasoning_tokens) };
}
