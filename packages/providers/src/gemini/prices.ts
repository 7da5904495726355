import type { ModelPrice } from '@tollgate/domain';
import { perMillion } from '../pricing/per-million';

/**
 * Gemini API list prices (paid tier, text/image/video input, USD per 1M tokens: input, output, cached input),
 * https://ai.google.dev/gemini-api/docs/pricing.
 *
 * - Gemini bills thinking tokens as output ("output price, including thinking tokens"), so no reasoning
 *   price is set and the cost function falls back to the output price.
 * - Cached input is the context-cache READ price; cache storage is billed per hour outside any call, so there
 *   is no cache-write price.
 * - gemini-2.5-pro costs more for prompts over 200K tokens (2.50 / 15.00 / 0.25); one flat rate per model
 *   cannot say so, and the ≤200K rate is listed. A platform serving very long prompts sets a price override.
 * - Audio input costs more on the Flash models (1.00 on 2.5 Flash); call records do not split input by
 *   modality, so the text rate is used.
 */
export const geminiPrices: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'gemini-2.5-pro': perMillion(1.25, 10, 0.125),
  'gemini-2.5-flash': perMillion(0.3, 2.5, 0.03),
  'gemini-2.5-flash-lite': perMillion(0.1, 0.4, 0.01),
  'gemini-2.0-flash': perMillion(0.1, 0.4, 0.025),
  // The stable version Google's `gemini-2.0-flash` alias resolves to.
  'gemini-2.0-flash-001': perMillion(0.1, 0.4, 0.025),
});
