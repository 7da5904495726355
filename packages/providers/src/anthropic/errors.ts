import { errorTypeForStatus, type TranslatedError, type UnifiedErrorBody } from '../adapter';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Anthropic's error types in OpenAI's vocabulary (`type`, `code`), so OpenAI SDK users can branch on them as
 * they already do. Statuses stay Anthropic's, except 529 (Anthropic's own "overloaded", which HTTP clients and
 * the OpenAI SDK do not know) — it becomes 503, the standard "try again later".
 */
const ERROR_TYPES: Readonly<Record<string, { type: string; code: string }>> = {
  invalid_request_error: { type: 'invalid_request_error', code: 'invalid_request_error' },
  authentication_error: { type: 'authentication_error', code: 'invalid_api_key' },
  permission_error: { type: 'permission_error', code: 'permission_denied' },
  not_found_error: { type: 'invalid_request_error', code: 'not_found' },
  request_too_large: { type: 'invalid_request_error', code: 'request_too_large' },
  rate_limit_error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  billing_error: { type: 'insufficient_quota', code: 'insufficient_quota' },
  api_error: { type: 'server_error', code: 'server_error' },
  timeout_error: { type: 'server_error', code: 'timeout' },
  overloaded_error: { type: 'server_error', code: 'overloaded' },
};

export const OVERLOADED_STATUS = 529;

/**
 * The unified body for an Anthropic error object `{type, message}` (from an HTTP error with its `status`, or a
 * stream `error` event: a failure mid-answer is the provider's, a 5xx).
 */
export function unifiedErrorBody(error: unknown, status = 500): UnifiedErrorBody | null {
  if (!isObj(error) || typeof error.type !== 'string') return null;
  const mapped = Object.hasOwn(ERROR_TYPES, error.type) ? ERROR_TYPES[error.type]! : { type: errorTypeForStatus(status), code: error.type };
  const message = typeof error.message === 'string' && error.message !== '' ? error.message : `The provider reported ${error.type}.`;
  return { error: { message, type: mapped.type, param: null, code: mapped.code } };
}

export function translateAnthropicError(status: number, bytes: Buffer): TranslatedError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const body = isObj(parsed) ? unifiedErrorBody(parsed.error, status) : null;
  if (body) return { status: status === OVERLOADED_STATUS ? 503 : status, body };
  // Not Anthropic's error shape (a proxy's HTML page, say): the caller learns only that the provider failed.
  return {
    status: status >= 500 ? 502 : status,
    body: { error: { message: `The provider answered ${status}.`, type: errorTypeForStatus(status), param: null, code: 'upstream_error' } },
  };
}
