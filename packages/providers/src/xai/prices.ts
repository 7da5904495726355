import type { ModelPrice } from '@tollgate/domain';
import { perMillion } from '../pricing/per-million';

/**
 * xAI list prices, https://docs.x.ai/docs/models (per 1M tokens: input, output, cached input), for prompts
 * up to 128K tokens (grok-4 charges more above). Reasoning tokens are billed as output.
 */
export const xaiPrices: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'grok-4': perMillion(3, 15, 0.75),
  'grok-4-0709': perMillion(3, 15, 0.75),
  'grok-4-latest': perMillion(3, 15, 0.75),
  'grok-4-fast-reasoning': perMillion(0.2, 0.5, 0.05),
  'grok-4-fast-non-reasoning': perMillion(0.2, 0.5, 0.05),
  'grok-code-fast-1': perMillion(0.2, 1.5, 0.02),
  'grok-3': perMillion(3, 15, 0.75),
  'grok-3-latest': perMillion(3, 15, 0.75),
  'grok-3-mini': perMillion(0.3, 0.5, 0.075),
  'grok-3-mini-latest': perMillion(0.3, 0.5, 0.075),
});
