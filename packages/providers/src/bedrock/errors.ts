import type { TranslatedError, UnifiedErrorBody } from '../adapter';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Bedrock errors are `{"message": "..."}` with the error name only in the `x-amzn-errortype` header, which
 * the adapter does not see, so the status decides: 400 ValidationException, 403 AccessDenied (the gateway
 * turns 401/403 into 502 itself), 404 ResourceNotFound, 408 ModelTimeout, 424 ModelError, 429 Throttling,
 * 5xx InternalServer/ServiceUnavailable. Every provider-side failure becomes 502 for the caller.
 */
function mapped(status: number): { status: number; type: string; code: string } {
  if (status === 400) return { status, type: 'invalid_request_error', code: 'invalid_request_error' };
  if (status === 403) return { status, type: 'permission_error', code: 'permission_denied' };
  if (status === 404) return { status, type: 'invalid_request_error', code: 'not_found' };
  if (status === 429) return { status, type: 'rate_limit_error', code: 'rate_limit_exceeded' };
  if (status === 408) return { status: 504, type: 'server_error', code: 'timeout' };
  if (status === 424 || status >= 500) return { status: 502, type: 'server_error', code: 'server_error' };
  return { status, type: 'invalid_request_error', code: 'invalid_request_error' };
}

export function translateBedrockError(status: number, bytes: Buffer): TranslatedError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const m = mapped(status);
  const given = isObj(parsed) ? (parsed.message ?? parsed.Message) : undefined;
  const message = typeof given === 'string' && given !== '' ? given : `The provider answered ${status}.`;
  return { status: m.status, body: { error: { message, type: m.type, param: null, code: m.code } } };
}

/** Exception events inside a ConverseStream (`:exception-type`, camelCase) in OpenAI's vocabulary. */
const STREAM_EXCEPTIONS: Readonly<Record<string, { type: string; code: string }>> = {
  throttlingException: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  validationException: { type: 'invalid_request_error', code: 'invalid_request_error' },
  serviceUnavailableException: { type: 'server_error', code: 'overloaded' },
  internalServerException: { type: 'server_error', code: 'server_error' },
  modelStreamErrorException: { type: 'server_error', code: 'model_error' },
};

export function streamExceptionBody(exceptionType: string, payload: unknown): UnifiedErrorBody {
  const m = Object.hasOwn(STREAM_EXCEPTIONS, exceptionType) ? STREAM_EXCEPTIONS[exceptionType]! : { type: 'server_error', code: exceptionType || 'upstream_error' };
  const given = isObj(payload) ? payload.message : undefined;
  const message = typeof given === 'string' && given !== '' ? given : `The provider reported ${exceptionType || 'an error'}.`;
  return { error: { message, type: m.type, param: null, code: m.code } };
}
