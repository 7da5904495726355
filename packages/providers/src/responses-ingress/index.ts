export { responsesToChatRequest } from './request';
export type { ResponsesEcho, TranslatedResponsesRequest } from './request';
export { chatCompletionToResponse, responsesUsage } from './response';
export { createUnifiedToResponsesStream } from './stream';
export type { UnifiedToResponsesStream } from './stream';
