import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The portal API's one error type; `renderApiError` is the one place that turns any error into JSON. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    /** For a body that failed validation: each field's path (`limits.requestsPerMinute`) and what is wrong with it. */
    readonly fields?: FieldIssue[],
  ) {
    super(message);
  }
}

export interface FieldIssue {
  path: string;
  message: string;
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const conflict = (message: string) => new ApiError(409, 'conflict', message);
export const payloadTooLarge = (maxBytes: number) =>
  new ApiError(413, 'payload_too_large', `The request body is larger than the ${maxBytes} bytes this API accepts.`);
export const badRequest = (message: string, code = 'invalid_request') => new ApiError(400, code, message);

export interface ApiErrorBody {
  error: { code: string; message: string; requestId: string; fields?: FieldIssue[] };
}

export function renderApiError(err: unknown, c: Context): Response {
  const requestId = (c.get('requestId') as string | undefined) ?? '';
  if (err instanceof ApiError) {
    const fields = err.fields?.length ? { fields: err.fields } : {};
    return c.json({ error: { code: err.code, message: err.message, requestId, ...fields } } satisfies ApiErrorBody, err.status);
  }
  // Internal text never reaches the client; the log has it, keyed by the request id.
  const logger = c.get('logger') as { error: (o: object, m: string) => void } | undefined;
  logger?.error({ err, requestId }, 'portal request failed');
  return c.json(
    { error: { code: 'internal_error', message: 'Internal error; quote the request id when reporting it.', requestId } },
    500,
  );
}
