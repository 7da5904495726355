export { anthropicToChatRequest, IngressValidationError, droppedAnthropicParams, effortForBudget } from './request';
export { chatCompletionToAnthropic, anthropicErrorBody, stopReasonFor } from './response';
export { anthropicUsage, estimateInputTokens, type AnthropicUsage } from './usage';
export { createUnifiedToAnthropicStream } from './stream';
