import type { ProviderType } from '@tollgate/domain';
import type { ChatAdapter } from './adapter';
import { openAiAdapter } from './openai/adapter';

/**
 * The adapter for each provider type the platform supports; the portal accepts exactly the types listed in
 * `providerTypes` (packages/domain/src/states.ts), and this record must have an entry for each.
 * One line per provider type.
 */
export const chatAdapters: Readonly<Record<ProviderType, ChatAdapter>> = {
  openai: openAiAdapter,
  'openai-compatible': openAiAdapter,
};
