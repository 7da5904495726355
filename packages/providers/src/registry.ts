import type { ProviderType } from '@tollgate/domain';
import type { ChatAdapter, EmbeddingsAdapter } from './adapter';
import { openAiAdapter, openAiEmbeddingsAdapter } from './openai/adapter';
import { geminiAdapter } from './gemini/adapter';
import { anthropicAdapter } from './anthropic/adapter';
import { azureOpenAiAdapter } from './azure-openai/adapter';
import { deepSeekAdapter } from './deepseek/adapter';
import { groqAdapter } from './groq/adapter';
import { mistralAdapter } from './mistral/adapter';
import { ollamaAdapter } from './ollama/adapter';
import { openRouterAdapter } from './openrouter/adapter';
import { togetherAdapter } from './together/adapter';
import { xaiAdapter } from './xai/adapter';
import { bedrockAdapter } from './bedrock/adapter';

/**
 * The adapter for each provider type the platform supports; the portal accepts exactly the types listed in
 * `providerTypes` (packages/domain/src/states.ts), and this record must have an entry for each.
 * One line per provider type.
 */
export const chatAdapters: Readonly<Record<ProviderType, ChatAdapter>> = {
  openai: openAiAdapter,
  'openai-compatible': openAiAdapter,
  anthropic: anthropicAdapter,
  'azure-openai': azureOpenAiAdapter,
  mistral: mistralAdapter,
  groq: groqAdapter,
  deepseek: deepSeekAdapter,
  ollama: ollamaAdapter,
  openrouter: openRouterAdapter,
  xai: xaiAdapter,
  together: togetherAdapter,
  gemini: geminiAdapter,
  bedrock: bedrockAdapter,
};

/** Provider types with an embeddings API; a model routed to any other type answers 400 on /v1/embeddings. */
export const embeddingsAdapters: Readonly<Partial<Record<ProviderType, EmbeddingsAdapter>>> = {
  openai: openAiEmbeddingsAdapter,
  'openai-compatible': openAiEmbeddingsAdapter,
};
