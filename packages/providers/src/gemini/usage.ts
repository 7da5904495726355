import { reportedTokenCount, type Usage } from '@tollgate/domain';
import type { CompletionUsage } from 'openai/resources/completions';
import type { GeminiUsageMetadata } from './wire';
import { openAiUsageOf as toOpenAiUsage } from '../openai/usage';

const count = reportedTokenCount;

/**
 * Gemini's counts into the non-overlapping {@link Usage} parts. Gemini's `promptTokenCount` INCLUDES
 * `cachedContentTokenCount` (like OpenAI), while `candidatesTokenCount` EXCLUDES `thoughtsTokenCount` (unlike
 * OpenAI): the cached part is subtracted from the prompt, and the thoughts are not subtracted from anything.
 * Returns null when the metadata carries no counts at all.
 */
export function normalizeGeminiUsage(meta: GeminiUsageMetadata | undefined | null): Usage | null {
  if (!meta || typeof meta !== 'object') return null;
  if (!('promptTokenCount' in meta) && !('candidatesTokenCount' in meta) && !('totalTokenCount' in meta)) return null;
  const prompt = count(meta.promptTokenCount);
  const cached = Math.min(prompt, count(meta.cachedContentTokenCount));
  return {
    inputTokens: prompt - cached,
    cacheReadTokens: cached,
    // Gemini bills cache storage by the hour, not per write: no per-call write tokens.
    cacheWriteTokens: 0,
    outputTokens: count(meta.candidatesTokenCount),
    reasoningTokens: count(meta.thoughtsTokenCount),
  };
}

/** The OpenAI `usage` the caller sees, from Gemini's usage metadata. */
export function openAiUsageOf(meta: GeminiUsageMetadata | undefined | null): CompletionUsage | undefined {
  const u = normalizeGeminiUsage(meta);
  return u ? toOpenAiUsage(u) : undefined;
}
