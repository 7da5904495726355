import { bearerAuth, chatCompletionsUrl, openAiCompatibleAdapter } from '../openai-compatible/family';
import { normalizeDeepSeekUsage } from './usage';

/**
 * DeepSeek (`https://api.deepseek.com`, with or without `/v1`). It accepts OpenAI's parameters: the ones
 * `deepseek-reasoner` cannot use it ignores itself or refuses by model (`logprobs`), so nothing is dropped
 * here and its own error reaches the caller. `reasoning_content` in answers and stream deltas passes through
 * untouched; only the usage differs (see `normalizeDeepSeekUsage`).
 */
export const deepSeekAdapter = openAiCompatibleAdapter({
  url: chatCompletionsUrl,
  auth: bearerAuth,
  dropParams: [],
  streamUsage: 'ask',
  usage: normalizeDeepSeekUsage,
});
