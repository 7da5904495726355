import type { ModelPrice } from '@tollgate/domain';
import { geminiPrices } from '../gemini/prices';
import { anthropicPrices } from '../anthropic/prices';
import { deepSeekPrices } from '../deepseek/prices';
import { groqPrices } from '../groq/prices';
import { mistralPrices } from '../mistral/prices';
import { ollamaPrices } from '../ollama/prices';
import { openRouterPrices } from '../openrouter/prices';
import { togetherPrices } from '../together/prices';
import { xaiPrices } from '../xai/prices';
import { bedrockPrices } from '../bedrock/prices';

export { perMillion } from './per-million';
import { perMillion } from './per-million';

/**
 * List prices (standard tier, USD) of the models the gateway knows out of the box. A provider's price
 * overrides take precedence (see `findModelPrice`), so a negotiated rate or a newer price needs no release.
 *
 * OpenAI bills reasoning tokens as output tokens and charges nothing extra for writing its prompt cache, so
 * its entries set neither `output_cost_per_reasoning_token` nor `cache_creation_input_token_cost`; the cost
 * function falls back to the output and input prices. Embedding models have no output.
 */
export const DEFAULT_MODEL_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  // OpenAI, https://openai.com/api/pricing (per 1M tokens: input, output, cached input)
  'gpt-5': perMillion(1.25, 10, 0.125),
  'gpt-5-mini': perMillion(0.25, 2, 0.025),
  'gpt-5-nano': perMillion(0.05, 0.4, 0.005),
  'gpt-4.1': perMillion(2, 8, 0.5),
  'gpt-4.1-mini': perMillion(0.4, 1.6, 0.1),
  'gpt-4.1-nano': perMillion(0.1, 0.4, 0.025),
  'gpt-4o': perMillion(2.5, 10, 1.25),
  'gpt-4o-mini': perMillion(0.15, 0.6, 0.075),
  o1: perMillion(15, 60, 7.5),
  o3: perMillion(2, 8, 0.5),
  'o4-mini': perMillion(1.1, 4.4, 0.275),
  'text-embedding-3-small': perMillion(0.02, 0),
  'text-embedding-3-large': perMillion(0.13, 0),
});

const DATE_SUFFIX = /-\d{4}-\d{2}-\d{2}$/;

/** The names a model may be priced under, most specific first. */
function candidateNames(model: string): string[] {
  const names = [model];
  const add = (name: string): void => {
    if (name !== '' && !names.includes(name)) names.push(name);
  };
  add(model.replace(DATE_SUFFIX, ''));
  // Routers and LiteLLM-style configs write `openai/gpt-4o`; some nest further (`openrouter/openai/gpt-4o`).
  const bare = model.slice(model.lastIndexOf('/') + 1);
  add(bare);
  add(bare.replace(DATE_SUFFIX, ''));
  return names;
}

/**
 * Each provider type's own list prices, consulted before the OpenAI table above (which also prices OpenAI
 * models served by Azure, OpenRouter and other OpenAI-compatible providers). One line per provider folder.
 */
export const providerPrices: Readonly<Record<string, Readonly<Record<string, ModelPrice>>>> = {
  // provider prices: one line per provider type, e.g. `anthropic: anthropicPrices,`
  gemini: geminiPrices,
  anthropic: anthropicPrices,
  // Azure OpenAI needs no line: it serves OpenAI's models, priced from the table above by the name it reports.
  deepseek: deepSeekPrices,
  groq: groqPrices,
  mistral: mistralPrices,
  ollama: ollamaPrices,
  openrouter: openRouterPrices,
  together: togetherPrices,
  xai: xaiPrices,
  bedrock: bedrockPrices,
};

/**
 * The price of `model`: looked up by its exact name, then without a `-YYYY-MM-DD` snapshot suffix
 * (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`), then without a `provider/` prefix. `overrides` (a provider's
 * price overrides) win over the built-in table under every one of those names, so an override of `gpt-4o`
 * also prices `gpt-4o-2024-08-06`. Returns null for an unknown model.
 */
export function findModelPrice(model: string, overrides?: Record<string, ModelPrice>, providerType?: string): ModelPrice | null {
  const names = candidateNames(model);
  const ownTable = providerType && Object.hasOwn(providerPrices, providerType) ? providerPrices[providerType] : undefined;
  for (const table of [overrides, ownTable, DEFAULT_MODEL_PRICES]) {
    if (!table) continue;
    for (const name of names) {
      // Object.hasOwn: a model called "constructor" must not find Object.prototype.
      if (Object.hasOwn(table, name)) return table[name] ?? null;
    }
  }
  return null;
}
