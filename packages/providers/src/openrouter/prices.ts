import type { ModelPrice } from '@tollgate/domain';
import { perMillion } from '../pricing/per-million';

/**
 * OpenRouter passes the upstream vendors' list prices through (https://openrouter.ai/models; per 1M tokens:
 * input, output, cached input). OpenAI's models (`openai/gpt-4o`) need no entry: `findModelPrice` strips the
 * vendor prefix and finds them in OpenAI's table. Anthropic's cache writes are billed above input.
 */
const claude = (input: number, output: number): ModelPrice => ({
  ...perMillion(input, output, input * 0.1),
  cache_creation_input_token_cost: (input * 1.25) / 1e6,
});

export const openRouterPrices: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'anthropic/claude-opus-4.1': claude(15, 75),
  'anthropic/claude-sonnet-4.5': claude(3, 15),
  'anthropic/claude-sonnet-4': claude(3, 15),
  'anthropic/claude-haiku-4.5': claude(1, 5),
  // Prompts up to 200K tokens; Gemini's cache-read rate has changed more often than its list price, so cache
  // reads are billed at the input rate here unless overridden.
  'google/gemini-2.5-pro': perMillion(1.25, 10),
  'google/gemini-2.5-flash': perMillion(0.3, 2.5),
  'x-ai/grok-4': perMillion(3, 15, 0.75),
  'x-ai/grok-3-mini': perMillion(0.3, 0.5, 0.075),
  'mistralai/mistral-medium-3.1': perMillion(0.4, 2),
});
