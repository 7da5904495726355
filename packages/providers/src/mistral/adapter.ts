import { bearerAuth, chatCompletionsUrl, openAiCompatibleAdapter } from '../openai-compatible/family';

/**
 * Mistral (`https://api.mistral.ai/v1`) validates bodies strictly: an unknown field is a 422 `extra_forbidden`.
 * - `stream_options` is one: it is removed, and nothing is lost, because Mistral puts `usage` on the last
 *   chunk of every stream unasked (so `streamUsage: 'always'`, and a caller who asked still gets usage).
 * - `seed` and `max_completion_tokens` are OpenAI's names for Mistral's `random_seed` and `max_tokens`, so
 *   they are renamed, not dropped.
 * Anything else goes as it came; Mistral's 422 names the field and reaches the caller as a 400.
 */
export const mistralAdapter = openAiCompatibleAdapter({
  url: chatCompletionsUrl,
  auth: bearerAuth,
  dropParams: ['stream_options'],
  renameParams: { seed: 'random_seed', max_completion_tokens: 'max_tokens' },
  streamUsage: 'always',
});
