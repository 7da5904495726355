import type { ModelPrice } from '@tollgate/domain';
import { perMillion } from '../pricing/per-million';

/**
 * Mistral list prices, https://mistral.ai/pricing (per 1M tokens: input, output). `-latest` aliases move with
 * releases: each is priced as the model it pointed to when this table was written; pin a dated name or set a
 * price override when it moves. Magistral's reasoning is billed as output.
 */
export const mistralPrices: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'mistral-large-latest': perMillion(0.5, 1.5),
  'mistral-large-2512': perMillion(0.5, 1.5),
  'mistral-large-2411': perMillion(2, 6),
  'mistral-medium-latest': perMillion(0.4, 2),
  'mistral-medium-2508': perMillion(0.4, 2),
  'mistral-small-latest': perMillion(0.1, 0.3),
  'mistral-small-2506': perMillion(0.1, 0.3),
  'codestral-latest': perMillion(0.3, 0.9),
  'codestral-2508': perMillion(0.3, 0.9),
  'devstral-medium-latest': perMillion(0.4, 2),
  'devstral-small-latest': perMillion(0.1, 0.3),
  'magistral-medium-latest': perMillion(2, 5),
  'magistral-small-latest': perMillion(0.5, 1.5),
  'ministral-8b-latest': perMillion(0.1, 0.1),
  'ministral-3b-latest': perMillion(0.04, 0.04),
  'open-mistral-nemo': perMillion(0.15, 0.15),
});
