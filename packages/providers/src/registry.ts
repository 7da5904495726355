import type { ProviderType } from '@tollgate/domain';
import type { ChatAdapter } from './adapter';
import { openAiAdapter } from './openai/adapter';

/** The adapter for each provider type the platform supports; the portal accepts exactly these types. */
export const chatAdapters: Readonly<Record<ProviderType, ChatAdapter>> = {
  openai: openAiAdapter,
  'openai-compatible': openAiAdapter,
};
