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
  SyncChatAdapter,
  EmbeddingsAdapter,
  EmbeddingsCall,
  EmbeddingsRequest,
} from './adapter';
export { UpstreamFormatError, UnsupportedParameterError, ProviderConfigError, streamTranslator } from './adapter';
export { openAiAdapter, openAiChatBody, createOpenAiStreamTranslator, translateOpenAiError, parseJsonObject } from './openai/adapter';
export { chatAdapters, embeddingsAdapters } from './registry';
export * from './anthropic-ingress';
export * from './responses-ingress';
export { nativeResponsesTypes, nativeResponsesAdapter, nativeStreamFailure, nativeStreamState, normalizeResponsesUsage, azureResponsesUrl } from './openai/responses-native';
export type { NativeResponsesCall } from './openai/responses-native';
export { anthropicAdapter, ANTHROPIC_VERSION } from './anthropic/adapter';
export { buildAnthropicBody, DEFAULT_MAX_TOKENS as ANTHROPIC_DEFAULT_MAX_TOKENS, DROPPED_PARAMETERS as ANTHROPIC_DROPPED_PARAMETERS, THINKING_BUDGETS as ANTHROPIC_THINKING_BUDGETS } from './anthropic/request';
export { normalizeAnthropicUsage } from './anthropic/usage';
export { anthropicPrices } from './anthropic/prices';
export { startMockAnthropic } from './anthropic/mock-server';
export type { MockAnthropic, MockAnthropicOptions } from './anthropic/mock-server';

// The OpenAI-compatible family: one adapter per provider type, built by one factory.
export { openAiCompatibleAdapter, applyParamRules, compatibleChatBody, asksForNothing, bearerAuth, chatCompletionsUrl } from './openai-compatible/family';
export type { OpenAiCompatibleSpec } from './openai-compatible/family';
export { normalizeCompatibleUsage, reasoningOutsideCompletion } from './openai-compatible/usage';
export { translateCompatibleError } from './openai-compatible/errors';
export { azureOpenAiAdapter, azureChatUrl, AZURE_DEFAULT_API_VERSION } from './azure-openai/adapter';
export { deepSeekAdapter } from './deepseek/adapter';
export { normalizeDeepSeekUsage } from './deepseek/usage';
export { groqAdapter } from './groq/adapter';
export { mistralAdapter } from './mistral/adapter';
export { ollamaAdapter } from './ollama/adapter';
export { openRouterAdapter } from './openrouter/adapter';
export { togetherAdapter } from './together/adapter';
export { xaiAdapter } from './xai/adapter';
export type { MockUsageStyle, MockCompatOptions } from './openai/mock-compat';

// Gemini (generativelanguage.googleapis.com).
export { geminiAdapter, buildGeminiRequest } from './gemini/adapter';
export { toGeminiRequest, DROPPED_PARAMETERS as GEMINI_DROPPED_PARAMETERS, THINKING_BUDGETS as GEMINI_THINKING_BUDGETS } from './gemini/request';
export { toGeminiSchema, UNSUPPORTED_SCHEMA_KEYS as GEMINI_UNSUPPORTED_SCHEMA_KEYS } from './gemini/schema';
export { toChatCompletion as geminiToChatCompletion } from './gemini/response';
export { createGeminiStreamTranslator } from './gemini/stream';
export { translateGeminiError } from './gemini/errors';
export { normalizeGeminiUsage } from './gemini/usage';
export { geminiPrices } from './gemini/prices';
export { startMockGemini } from './gemini/mock-server';
export type { MockGemini, MockGeminiOptions } from './gemini/mock-server';

// Amazon Bedrock (Converse API, SigV4-signed).
export { bedrockAdapter, bedrockBaseUrl, bedrockRegion, BEDROCK_SIGNING_SERVICE } from './bedrock/adapter';
export { buildConverseBody, DROPPED_PARAMETERS as BEDROCK_DROPPED_PARAMETERS, THINKING_BUDGETS as BEDROCK_THINKING_BUDGETS } from './bedrock/request';
export { translateConverseResponse } from './bedrock/response';
export { createBedrockStreamTranslator } from './bedrock/stream';
export { translateBedrockError } from './bedrock/errors';
export { normalizeBedrockUsage } from './bedrock/usage';
export { parseAwsCredentials, signRequest as signAwsRequest } from './bedrock/sigv4';
export type { AwsCredentials } from './bedrock/sigv4';
export { bedrockPrices } from './bedrock/prices';
export { startMockBedrock } from './bedrock/mock-server';
export type { MockBedrock, MockBedrockOptions } from './bedrock/mock-server';
