import type { ModelPrice } from '@tollgate/domain';
import { perMillion } from '../pricing/per-million';

/**
 * Bedrock on-demand list prices (USD per 1M tokens, us-east-1), by Bedrock model id and by the ids of its
 * cross-region inference profiles (`us.`, `eu.`, `apac.`, `global.` + the model id), which is what callers
 * mostly configure. Profiles are listed at the base price; a region's surcharge (AWS charges some regional
 * profiles ~10% more than global ones) is a provider price override, not a table entry.
 * https://aws.amazon.com/bedrock/pricing/
 */

/** Claude bills cache writes at 1.25× and cache reads at 0.1× the input price on Bedrock as on Anthropic's API. */
function claude(input: number, output: number): ModelPrice {
  return { ...perMillion(input, output, input * 0.1), cache_creation_input_token_cost: (input * 1.25) / 1e6 };
}

const PROFILE_PREFIXES = ['', 'us.', 'eu.', 'apac.', 'global.'];

function withProfiles(ids: string[], price: ModelPrice): Array<[string, ModelPrice]> {
  return ids.flatMap((id) => PROFILE_PREFIXES.map((prefix): [string, ModelPrice] => [`${prefix}${id}`, price]));
}

export const bedrockPrices: Readonly<Record<string, ModelPrice>> = Object.freeze(
  Object.fromEntries([
    ...withProfiles(['anthropic.claude-opus-4-5-20251101-v1:0'], claude(5, 25)),
    ...withProfiles(['anthropic.claude-opus-4-1-20250805-v1:0', 'anthropic.claude-opus-4-20250514-v1:0'], claude(15, 75)),
    ...withProfiles(
      ['anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic.claude-3-7-sonnet-20250219-v1:0'],
      claude(3, 15),
    ),
    ...withProfiles(['anthropic.claude-haiku-4-5-20251001-v1:0'], claude(1, 5)),
    ...withProfiles(['anthropic.claude-3-5-haiku-20241022-v1:0'], claude(0.8, 4)),
    ...withProfiles(['anthropic.claude-3-haiku-20240307-v1:0'], claude(0.25, 1.25)),
    // Amazon Nova: cache reads at a 75% discount, cache writes not charged beyond input.
    ...withProfiles(['amazon.nova-micro-v1:0'], perMillion(0.035, 0.14, 0.00875)),
    ...withProfiles(['amazon.nova-lite-v1:0'], perMillion(0.06, 0.24, 0.015)),
    ...withProfiles(['amazon.nova-pro-v1:0'], perMillion(0.8, 3.2, 0.2)),
    ...withProfiles(['amazon.nova-premier-v1:0'], perMillion(2.5, 12.5, 0.625)),
    // Meta Llama (no prompt cache).
    ...withProfiles(['meta.llama3-1-8b-instruct-v1:0'], perMillion(0.22, 0.22)),
    ...withProfiles(['meta.llama3-1-70b-instruct-v1:0', 'meta.llama3-3-70b-instruct-v1:0'], perMillion(0.72, 0.72)),
    ...withProfiles(['meta.llama4-scout-17b-instruct-v1:0'], perMillion(0.17, 0.66)),
    ...withProfiles(['meta.llama4-maverick-17b-instruct-v1:0'], perMillion(0.24, 0.97)),
  ]),
);
