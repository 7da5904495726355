import type { ModelPrice } from '@tollgate/domain';
import { perMillion } from '../pricing/per-million';

/** Groq on-demand list prices, https://groq.com/pricing (per 1M tokens: input, output, cached input). */
export const groqPrices: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'llama-3.1-8b-instant': perMillion(0.05, 0.08),
  'llama-3.3-70b-versatile': perMillion(0.59, 0.79),
  'meta-llama/llama-4-scout-17b-16e-instruct': perMillion(0.11, 0.34),
  'meta-llama/llama-4-maverick-17b-128e-instruct': perMillion(0.2, 0.6),
  'openai/gpt-oss-120b': perMillion(0.15, 0.6, 0.075),
  'openai/gpt-oss-20b': perMillion(0.075, 0.3, 0.0375),
  'qwen/qwen3-32b': perMillion(0.29, 0.59),
  'moonshotai/kimi-k2-instruct-0905': perMillion(1, 3, 0.5),
});
