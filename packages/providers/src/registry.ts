import type { ProviderType } from '@tollgate/domain';
import type { ChatAdapter, EmbeddingsAdapter } from './adapter';
import { openAiAdapter, openAiEmbeddingsAdapter } from './openai/adapter';

/**
 * The adapter for each provider type the platform supports; the portal accepts exactly the types listed in
 * `providerTypes` (packages/domain/src/states.ts), and this record must have an entry for each.
 * One line per provider type.
 */
export const chatAdapters: Readonly<Record<ProviderType, ChatAdapter>> = {
  openai: openAiAdapter,
  'openai-compatible': openAiAdapter,
};

/** Provider types with an embeddings API; a model routed to any other type answers 400 on /v1/embeddings. */
export const embeddingsAdapters: Readonly<Partial<Record<ProviderType, EmbeddingsAdapter>>> = {
  openai: openAiEmbeddingsAdapter,
  'openai-compatible': openAiEmbeddingsAdapter,
};
