export { createSseParser, formatSseData } from './sse/parser';
export type { SseEvent, SseParser } from './sse/parser';

export { normalizeOpenAiUsage } from './openai/usage';
export { startMockOpenAi } from './openai/mock-server';
export type { MockOpenAi, MockOpenAiOptions, RecordedRequest } from './openai/mock-server';

export { DEFAULT_MODEL_PRICES, findModelPrice } from './pricing/prices';
export { costMicroUsd } from './pricing/cost';

export type {
  ChatAdapter,
  ChatCall,
  ChatRequest,
  ChatStreamTranslator,
  ProviderTarget,
  TranslatedError,
  TranslatedResponse,
  UnifiedErrorBody,
  UpstreamRequest,
  EmbeddingsAdapter,
  EmbeddingsCall,
  EmbeddingsRequest,
} from './adapter';
export { UpstreamFormatError } from './adapter';
export { openAiAdapter, openAiChatBody, createOpenAiStreamTranslator, translateOpenAiError, parseJsonObject } from './openai/adapter';
export { chatAdapters, embeddingsAdapters } from './registry';
export * from './anthropic-ingress';
