/**
 * Gemini's errors (`{"error":{"code","message","status","details"}}`, google.rpc.Status) → OpenAI's error
 * shape, keeping the HTTP status Gemini chose.
 */
import { errorTypeForStatus, type TranslatedError, type UnifiedErrorBody } from '../adapter';
import type { GeminiErrorBody } from './wire';

const BY_STATUS: Readonly<Record<string, { type: string; code: string }>> = {
  INVALID_ARGUMENT: { type: 'invalid_request_error', code: 'invalid_argument' },
  FAILED_PRECONDITION: { type: 'invalid_request_error', code: 'failed_precondition' },
  OUT_OF_RANGE: { type: 'invalid_request_error', code: 'out_of_range' },
  // Gemini's only addressable resource on this path is the model.
  NOT_FOUND: { type: 'invalid_request_error', code: 'model_not_found' },
  UNAUTHENTICATED: { type: 'authentication_error', code: 'invalid_api_key' },
  PERMISSION_DENIED: { type: 'permission_error', code: 'permission_denied' },
  RESOURCE_EXHAUSTED: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  CANCELLED: { type: 'server_error', code: 'cancelled' },
  DEADLINE_EXCEEDED: { type: 'server_error', code: 'timeout' },
  INTERNAL: { type: 'server_error', code: 'server_error' },
  UNAVAILABLE: { type: 'server_error', code: 'service_unavailable' },
};

/** Gemini names request fields by their proto path; the caller wrote the OpenAI name. */
const OPENAI_PARAM: Readonly<Record<string, string>> = {
  'generation_config.temperature': 'temperature',
  'generation_config.top_p': 'top_p',
  'generation_config.max_output_tokens': 'max_tokens',
  'generation_config.stop_sequences': 'stop',
  'generation_config.candidate_count': 'n',
  'generation_config.seed': 'seed',
  'generation_config.presence_penalty': 'presence_penalty',
  'generation_config.frequency_penalty': 'frequency_penalty',
  'generation_config.thinking_config.thinking_budget': 'reasoning_effort',
  'generation_config.response_schema': 'response_format',
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `error` of a parsed Gemini error body, or null when the value is none. */
function errorOf(value: unknown): GeminiErrorBody['error'] | null {
  // Some proxies wrap the body of a failed stream in a one-element array, as `alt=json` streams are.
  const body = Array.isArray(value) ? value[0] : value;
  const err = isObj(body) ? body.error : undefined;
  return isObj(err) && typeof err.message === 'string' ? (err as GeminiErrorBody['error']) : null;
}

function parseGeminiError(body: Buffer | string): GeminiErrorBody['error'] | null {
  try {
    return errorOf(JSON.parse(typeof body === 'string' ? body : body.toString('utf8')));
  } catch {
    return null;
  }
}

const detailsOf = (err: GeminiErrorBody['error']): Array<Record<string, unknown>> =>
  Array.isArray(err.details) ? err.details.filter(isObj) : [];

/** The request field the error is about: from `BadRequest.fieldViolations`, else from the message. */
function paramOf(err: GeminiErrorBody['error']): string | null {
  let field: string | null = null;
  for (const detail of detailsOf(err)) {
    const violations = detail.fieldViolations;
    if (Array.isArray(violations) && isObj(violations[0]) && typeof violations[0].field === 'string' && violations[0].field !== '') {
      field = violations[0].field;
      break;
    }
  }
  field ??=
    /Unknown name "([^"]+)"/.exec(err.message)?.[1] ??
    /Invalid value at '([^']+)'/.exec(err.message)?.[1] ??
    /^\* GenerateContentRequest\.([\w.[\]]+):/.exec(err.message)?.[1] ??
    null;
  return field === null ? null : (OPENAI_PARAM[field] ?? field);
}

const reasonOf = (err: GeminiErrorBody['error']): string | undefined =>
  detailsOf(err)
    .map((d) => d.reason)
    .find((r): r is string => typeof r === 'string');

const body = (message: string, type: string, param: string | null, code: string | null): UnifiedErrorBody => ({
  error: { message, type, param, code },
});

export function translateGeminiError(status: number, raw: Buffer | string): TranslatedError {
  return translateErrorObject(status, parseGeminiError(raw));
}

function translateErrorObject(status: number, err: GeminiErrorBody['error'] | null): TranslatedError {
  if (!err) {
    return { status: status >= 500 ? 502 : status, body: body(`The provider answered ${status}.`, errorTypeForStatus(status), null, 'upstream_error') };
  }
  // Gemini answers a wrong key with 400, not 401: the platform's credentials are at fault, not the caller's
  // request, so it must not read as the caller's bad input (the gateway does the same for 401/403).
  if (reasonOf(err) === 'API_KEY_INVALID') {
    return {
      status: 502,
      body: body("The provider refused the gateway's credentials; the platform admin must fix the provider.", 'server_error', null, 'upstream_auth_error'),
    };
  }
  const rpcStatus = typeof err.status === 'string' ? err.status : '';
  const kind = BY_STATUS[rpcStatus] ?? (status >= 500 ? BY_STATUS.INTERNAL! : { type: errorTypeForStatus(status), code: rpcStatus.toLowerCase() || 'upstream_error' });
  return { status, body: body(err.message, kind.type, paramOf(err), kind.code) };
}

/** An error object that arrived inside a stream (already parsed), or null when the event is no error. */
export function streamError(event: unknown): { message: string; body: UnifiedErrorBody } | null {
  const err = errorOf(event);
  if (!err) return null;
  const translated = translateErrorObject(typeof err.code === 'number' ? err.code : 500, err);
  return { message: `${err.status ?? 'ERROR'}: ${err.message}`.slice(0, 2_000), body: translated.body };
}
