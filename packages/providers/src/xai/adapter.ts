import { bearerAuth, chatCompletionsUrl, openAiCompatibleAdapter } from '../openai-compatible/family';

/**
 * xAI (`https://api.x.ai/v1`). Its reasoning models (grok-4, grok-3-mini) refuse `presence_penalty`,
 * `frequency_penalty` and `stop` while grok-3 accepts them, so only values that ask for nothing (0, null, [])
 * are removed — clients send those as defaults — and real values go to xAI, which knows its models.
 *
 * Its usage counts reasoning beside `completion_tokens` (total = prompt + completion + reasoning), which the
 * family's usage normaliser detects from `total_tokens`; its errors (`{"code": …, "error": "<text>"}`) are
 * read by the family's error translator.
 */
export const xaiAdapter = openAiCompatibleAdapter({
  url: chatCompletionsUrl,
  auth: bearerAuth,
  dropParams: [],
  noOpParams: ['presence_penalty', 'frequency_penalty', 'stop'],
  streamUsage: 'ask',
});
