export { responsesToChatRequest } from './request';
export type { ResponsesEcho, ResponsesStateOptions, TranslatedResponsesRequest } from './request';
export { chatCompletionToResponse, responsesId, responsesUsage } from './response';
export { createUnifiedToResponsesStream } from './stream';
export type { UnifiedToResponsesStream } from './stream';
