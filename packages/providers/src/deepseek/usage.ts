import type { Usage } from '@tollgate/domain';
import { isObj, normalizeCompatibleUsage, tokenCount } from '../openai-compatible/usage';

/**
 * DeepSeek reports its context cache in its own fields: `prompt_cache_hit_tokens` + `prompt_cache_miss_tokens`
 * = `prompt_tokens`. Hits become cache reads and only the rest is input; `prompt_tokens` stays the bound, so a
 * body that also carries OpenAI's `cached_tokens`, or fields that disagree, never bill a token twice.
 * Reasoning (`deepseek-reasoner`) is inside `completion_tokens`, as with OpenAI.
 */
export function normalizeDeepSeekUsage(u: unknown): Usage | null {
  const usage = normalizeCompatibleUsage(u);
  if (!isObj(u) || !('prompt_cache_hit_tokens' in u || 'prompt_cache_miss_tokens' in u)) return usage;
  const hit = tokenCount(u.prompt_cache_hit_tokens);
  const prompt = 'prompt_tokens' in u ? tokenCount(u.prompt_tokens) : hit + tokenCount(u.prompt_cache_miss_tokens);
  const cacheRead = Math.min(hit, prompt);
  const base = usage ?? { inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0 };
  return { ...base, inputTokens: prompt - cacheRead, cacheReadTokens: cacheRead };
}
