import { createRequire } from 'node:module';

/**
 * How many input tokens a call's text is, before it runs, for its reservation (ADR 0027). OpenAI's model
 * families are counted with their real tokenizer (gpt-tokenizer: pure JS, linear in the text, the o200k and
 * cl100k encodings); other providers publish no tokenizer as a well-kept package, so their calls keep the
 * byte estimate. The estimate undercounts text of short words by about a third, and a budget shared by
 * concurrent input-heavy calls overshot by that much.
 */
export interface InputTokenCounter {
  /** Tokens of `text` for `model` (the provider-side model the call goes to). */
  count(text: string, model: string): number;
}

/** Bytes over 3: English runs about 4 bytes per token, code and other scripts fewer. */
export const byteEstimate: InputTokenCounter = { count: (text) => Math.ceil(Buffer.byteLength(text) / 3) };

type Encoding = 'o200k_base' | 'cl100k_base';

/** The encoding of an OpenAI model by its name (`openai/` as OpenRouter names them), or null: not one of them. */
export function encodingFor(model: string): Encoding | null {
  const name = model.toLowerCase().replace(/^openai\//, '');
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|chatgpt-4o|o[1-9](-|$)|codex)/.test(name)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)/.test(name)) return 'cl100k_base';
  return null;
}

/**
 * Up to this many characters are tokenized whole (about 1 ms); a longer text is counted from evenly spaced
 * samples of this many characters in all and scaled by its length, so a 10 MB body costs what 16 KB does.
 */
const wholeChars = 16_384;
const samples = 4;

type CountTokens = (text: string, options: { disallowedSpecial: Set<string> }) => number;
// `<|endoftext|>` and the like in a prompt are text to count, not a reason to throw.
const asText = { disallowedSpecial: new Set<string>() };

export function createTokenizerCounter(): InputTokenCounter & { preload(): void } {
  const require = createRequire(import.meta.url);
  const loaded = new Map<Encoding, CountTokens>();
  // Loading an encoding's ranks takes about a quarter of a second: once per process, at start (preload).
  const encoder = (encoding: Encoding): CountTokens => {
    let count = loaded.get(encoding);
    if (!count) {
      count = (require(`gpt-tokenizer/encoding/${encoding}`) as { countTokens: CountTokens }).countTokens;
      loaded.set(encoding, count);
    }
    return count;
  };
  return {
    count(text, model) {
      const encoding = encodingFor(model);
      if (!encoding) return byteEstimate.count(text, model);
      const count = encoder(encoding);
      if (text.length <= wholeChars) return count(text, asText);
      const piece = wholeChars / samples;
      const stride = Math.floor((text.length - piece) / (samples - 1));
      let sampled = 0;
      for (let i = 0; i < samples; i++) sampled += count(text.slice(i * stride, i * stride + piece), asText);
      return Math.ceil((sampled * text.length) / wholeChars);
    },
    preload() {
      encoder('o200k_base');
      encoder('cl100k_base');
    },
  };
}
