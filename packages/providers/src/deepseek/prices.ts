import type { ModelPrice } from '@tollgate/domain';
import { perMillion } from '../pricing/per-million';

/**
 * DeepSeek list prices, https://api-docs.deepseek.com/quick_start/pricing (per 1M tokens: input on a cache
 * miss, output, input on a cache hit). Both names serve DeepSeek-V3.2 (chat: non-thinking, reasoner: thinking)
 * at one price; reasoning tokens are billed as output. Cache writes cost nothing extra.
 */
export const deepSeekPrices: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'deepseek-chat': perMillion(0.28, 0.42, 0.028),
  'deepseek-reasoner': perMillion(0.28, 0.42, 0.028),
});
