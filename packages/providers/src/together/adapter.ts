import { bearerAuth, chatCompletionsUrl, openAiCompatibleAdapter } from '../openai-compatible/family';

/**
 * Together AI (`https://api.together.xyz/v1`): OpenAI-compatible with Bearer keys; it takes OpenAI's
 * parameters and `stream_options`, so nothing is dropped. DeepSeek-R1 and Qwen3 reasoning arrives as text in
 * the answer and is counted in `completion_tokens`, so it is billed as output.
 */
export const togetherAdapter = openAiCompatibleAdapter({
  url: chatCompletionsUrl,
  auth: bearerAuth,
  dropParams: [],
  streamUsage: 'ask',
});
