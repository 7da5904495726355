import { bearerAuth, chatCompletionsUrl, openAiCompatibleAdapter } from '../openai-compatible/family';
import { isObj } from '../openai-compatible/usage';

/**
 * Groq (`https://api.groq.com/openai/v1`). Its OpenAI compatibility page lists fields it answers 400 to
 * whenever they are supplied: `logprobs`, `top_logprobs`, `logit_bias`, and `n` other than 1. Sent as defaults
 * (`logprobs: false`, `n: 1`, `logit_bias: {}`) they ask for nothing and are removed; asking for the feature
 * (`logprobs: true`, `n: 3`) is refused before the call, naming the parameter, rather than answered without
 * it. `messages[].name`, also listed, is left alone: removing it would change the conversation.
 *
 * Groq reports streamed usage in `x_groq.usage` on the finish chunk (and, asked with `include_usage`, also
 * in a usage chunk); both are read, and being the same totals they replace rather than add to each other.
 */
export const groqAdapter = openAiCompatibleAdapter({
  url: chatCompletionsUrl,
  auth: bearerAuth,
  dropParams: [],
  unsupportedParams: {
    logprobs: 'Groq does not support logprobs; remove it or route this model to another provider.',
    top_logprobs: 'Groq does not support top_logprobs; remove it or route this model to another provider.',
    logit_bias: 'Groq does not support logit_bias; remove it or route this model to another provider.',
    n: 'Groq returns one choice per request (n must be 1); send several requests instead.',
  },
  streamUsage: 'ask',
  chunkUsage: (chunk) => chunk.usage ?? (isObj(chunk.x_groq) ? chunk.x_groq.usage : undefined),
});
