import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { anthropicErrorBody } from '@tollgate/providers';

/**
 * The gateway's one error type. On `/v1/*` it renders in OpenAI's shape
 * `{"error":{"message","type","param","code"}}`, which the official SDKs parse into their typed errors; on the
 * REST APIs it serves (prompt APIs) in the platform's REST shape `{"error":{"code","message","requestId"}}`.
 */
export class GatewayError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly type: string,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
    /** What went wrong underneath, for the call record and the log; never shown to the caller. */
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

export const invalidRequest = (message: string, param: string | null = null, code = 'invalid_request') =>
  new GatewayError(400, 'invalid_request_error', code, message, param);

/** `/v1/messages` speaks Anthropic's error shape, which the Anthropic SDK parses; the rest of `/v1` OpenAI's. */
const speaksAnthropic = (c: Context) => c.req.path === '/v1/messages';
/** The unified AI API's paths (`/v1` itself included): everything else the gateway serves is REST. */
export const isUnifiedApiPath = (path: string) => path === '/v1' || path.startsWith('/v1/');
const speaksRest = (c: Context) => !isUnifiedApiPath(c.req.path);

export function renderGatewayError(err: unknown, c: Context): Response {
  const requestId = (c.get('requestId') as string | undefined) ?? '';
  const limitHeaders = c.get('rateLimitHeaders') as Record<string, string> | undefined;
  for (const [name, value] of Object.entries(limitHeaders ?? {})) c.header(name, value);
  if (err instanceof GatewayError) {
    for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
    c.header('x-request-id', requestId);
    if (speaksAnthropic(c)) return c.json(anthropicErrorBody(err.status, err.message), err.status);
    if (speaksRest(c)) return c.json({ error: { code: err.code, message: err.message, requestId } }, err.status);
    return c.json({ error: { message: err.message, type: err.type, param: err.param, code: err.code } }, err.status);
  }
  // Never echo internal text: the log keeps it under the request id the client is given.
  const logger = c.get('logger') as { error: (o: object, m: string) => void } | undefined;
  logger?.error({ err, requestId }, 'gateway request failed');
  c.header('x-request-id', requestId);
  const message = `Internal gateway error (request ${requestId}).`;
  if (speaksAnthropic(c)) return c.json(anthropicErrorBody(500, message), 500);
  if (speaksRest(c)) return c.json({ error: { code: 'internal_error', message, requestId } }, 500);
  return c.json({ error: { message, type: 'server_error', param: null, code: 'internal_error' } }, 500);
}
