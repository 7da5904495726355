import { chatCompletionsUrl, openAiCompatibleAdapter } from '../openai-compatible/family';

/**
 * Ollama's OpenAI-compatible endpoint (`http://localhost:11434/v1`). It needs no key: a Bearer header is sent
 * only when one is configured (for an Ollama behind an authenticating proxy). Ollama ignores parameters it
 * does not know and supports `stream_options.include_usage`, so nothing is dropped.
 */
export const ollamaAdapter = openAiCompatibleAdapter({
  url: chatCompletionsUrl,
  auth: (target): Record<string, string> => (target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
  dropParams: [],
  streamUsage: 'ask',
});
