import type { ModelPrice } from '@tollgate/domain';
import { perMillion } from '../pricing/per-million';

/** Together AI serverless list prices, https://www.together.ai/pricing (per 1M tokens: input, output). */
export const togetherPrices: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'meta-llama/Llama-3.3-70B-Instruct-Turbo': perMillion(0.88, 0.88),
  'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo': perMillion(0.18, 0.18),
  'meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo': perMillion(3.5, 3.5),
  'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8': perMillion(0.27, 0.85),
  'meta-llama/Llama-4-Scout-17B-16E-Instruct': perMillion(0.18, 0.59),
  'Qwen/Qwen2.5-72B-Instruct-Turbo': perMillion(1.2, 1.2),
  'Qwen/Qwen3-235B-A22B-Instruct-2507-tput': perMillion(0.2, 0.6),
  'Qwen/Qwen2.5-Coder-32B-Instruct': perMillion(0.8, 0.8),
  'deepseek-ai/DeepSeek-V3': perMillion(1.25, 1.25),
  'deepseek-ai/DeepSeek-R1': perMillion(3, 7),
  'openai/gpt-oss-120b': perMillion(0.15, 0.6),
});
