import type { ChatRequest } from '@tollgate/providers';
import { invalidRequest } from '../errors';

/**
 * Reads the fields the gateway must understand and nothing more: every other parameter travels to the
 * provider untouched (DESIGN §6: no silent drops).
 */
export function parseChatBody(text: string): ChatRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidRequest('The request body is not valid JSON.', null, 'invalid_json');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object.');
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model.length === 0) throw invalidRequest("'model' is required and must be a string.", 'model');
  if (b.model.length > 256) throw invalidRequest("'model' is longer than 256 characters.", 'model');
  if (!Array.isArray(b.messages)) throw invalidRequest("'messages' is required and must be an array.", 'messages');
  if (b.stream !== undefined && typeof b.stream !== 'boolean') throw invalidRequest("'stream' must be a boolean.", 'stream');
  if (b.stream_options !== undefined && (typeof b.stream_options !== 'object' || b.stream_options === null || Array.isArray(b.stream_options))) {
    throw invalidRequest("'stream_options' must be an object.", 'stream_options');
  }
  return b as ChatRequest;
}
