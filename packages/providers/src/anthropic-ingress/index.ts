export { anthropicToChatRequest, IngressValidationError, droppedAnthropicParams, effortForBudget } from './request';
export { chatCompletionToAnthropic, anthropicErrorBody, anthropicUsage, stopReasonFor } from './response';
export { createUnifiedToAnthropicStream } from './stream';
