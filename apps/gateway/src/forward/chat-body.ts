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
  // Checked here, once for every provider and before any is called: some (Gemini) would take a zero or
  // negative limit, or a fraction, and answer something the caller never asked for. Null means no limit.
  for (const param of ['max_tokens', 'max_completion_tokens']) {
    const value = b[param];
    if (value !== undefined && value !== null && !(Number.isSafeInteger(value) && (value as number) >= 1)) {
      throw invalidRequest(`'${param}' must be an integer of at least 1, got ${JSON.stringify(value).slice(0, 40)}.`, param, 'invalid_value');
    }
  }
  return b as ChatRequest;
}
