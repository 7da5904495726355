import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { requestIdFrom } from '@tollgate/domain';
import { anthropicErrorBody } from '@tollgate/providers';

/**
 * The gateway's one error type. On `/v1/*` it renders in OpenAI's shape
 * `{"error":{"message","type","param","code"}}`, which the official SDKs parse into their typed errors; on the
 * REST APIs it serves (prompt APIs) in the platform's REST shape `{"error":{"code","message","requestId"}}`.
 * `type` is one of OpenAI's error types (`server_error` for the gateway's own 5xx), so SDKs and OpenAI's
 * OpenAPI document know it; `code` is the gateway's precise reason, also kept as the call record's errorCode.
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

/**
 * A call that reaches a draining gateway on a connection kept alive from before the signal: it is not begun
 * (no upstream call, no record). The answer closes the connection, so the SDKs' retry of a 503 goes out on a
 * new one, which the load balancer sends to another instance.
 */
export const gatewayStopping = new GatewayError(
  503,
  'server_error',
  'gateway_stopping',
  'This gateway is stopping and takes no new calls; send the call again on a new connection.',
);

/** `/v1/messages` speaks Anthropic's error shape, which the Anthropic SDK parses; the rest of `/v1` OpenAI's. */
const speaksAnthropic = (c: Context) => c.req.path === '/v1/messages';
/** The unified AI API's paths (`/v1` itself included): everything else the gateway serves is REST. */
export const isUnifiedApiPath = (path: string) => path === '/v1' || path.startsWith('/v1/');
const speaksRest = (c: Context) => !isUnifiedApiPath(c.req.path);

/**
 * The call's request id. An error can be answered before the context step ran (a URL the gateway does not
 * serve, outside `/v1`): it still gets one, so every error can be quoted.
 */
export function requestIdOf(c: Context): string {
  let requestId = c.get('requestId') as string | undefined;
  if (!requestId) {
    requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
  }
  return requestId;
}

/** The body `err` answers with on the request's surface: the one place the three error shapes are made. */
export function gatewayErrorBody(err: GatewayError, c: Context): unknown {
  if (speaksAnthropic(c)) return anthropicErrorBody(err.status, err.message);
  if (speaksRest(c)) return { error: { code: err.code, message: err.message, requestId: requestIdOf(c) } };
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
}

export function renderGatewayError(err: unknown, c: Context): Response {
  const requestId = requestIdOf(c);
  const limitHeaders = c.get('rateLimitHeaders') as Record<string, string> | undefined;
  for (const [name, value] of Object.entries(limitHeaders ?? {})) c.header(name, value);
  c.header('x-request-id', requestId);
  if (err instanceof GatewayError) {
    for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
    return c.json(gatewayErrorBody(err, c), err.status);
  }
  // Never echo internal text: the log keeps it under the request id the client is given.
  const logger = c.get('logger') as { error: (o: object, m: string) => void } | undefined;
  logger?.error({ err, requestId }, 'gateway request failed');
  const internal = new GatewayError(500, 'server_error', 'internal_error', `Internal gateway error (request ${requestId}).`);
  return c.json(gatewayErrorBody(internal, c), 500);
}
