import type { ChatRequest } from '@tollgate/providers';
import { invalidRequest } from '../errors';
import { parseJsonObject, requireModel } from './request-body';

/**
 * Reads the fields the gateway must understand and nothing more: every other parameter travels to the
 * provider untouched (DESIGN §6: no silent drops).
 */
export function parseChatBody(text: string): ChatRequest {
  const b = parseJsonObject(text);
  requireModel(b);
  if (!Array.isArray(b.messages)) throw invalidRequest("'messages' is required and must be an array.", 'messages');
  if (b.stream !== undefined && typeof b.stream !== 'boolean') throw invalidRequest("'stream' must be a boolean.", 'stream');
  if (b.stream_options !== undefined && (typeof b.stream_options !== 'object' || b.stream_options === null || Array.isArray(b.stream_options))) {
    throw invalidRequest("'stream_options' must be an object.", 'stream_options');
  }
  return b as ChatRequest;
}
