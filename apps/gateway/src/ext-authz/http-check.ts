import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../env';
import { GatewayError, isUnifiedApiPath, renderGatewayError } from '../errors';
import type { TrustedProxies } from '../identity/trusted-proxies';
import type { LimitSettings } from '../steps/limit';
import { rawPathAndQuery } from '../rest/route-table';
import { restAnswerHeaders, restRouteStep } from '../rest/route-step';
import { authorizeRestCall } from '../rest/rest-app';
import { identityHeaders } from '../rest/outbound';
import { checkedPath, extAuthzPrefixProblem } from './prefix';

/** The call record's `upstream` of a check: no REST upstream name can be it (those take no `_`). */
export const extAuthzUpstream = 'ext_authz';

export interface ExtAuthzHttpDeps {
  /** `TOLLGATE_EXT_AUTHZ_PATH_PREFIX`, already validated (`/ext-authz`). */
  prefix: string;
  trustedProxies: TrustedProxies;
  limits: LimitSettings;
  /** The very step instances the REST surface runs: a check is identified, metered and traced as a call is. */
  steps: { context: MiddlewareHandler<GatewayEnv>; meter: MiddlewareHandler<GatewayEnv>; identify: MiddlewareHandler<GatewayEnv> };
}

const untrusted = new GatewayError(
  403,
  'permission_error',
  'ext_authz_untrusted',
  'External authorization checks are answered only for a trusted proxy (the mesh ingress, in TOLLGATE_TRUSTED_PROXIES); send the call itself without the check prefix.',
);

const aiCall = (method: string, path: string) =>
  new GatewayError(
    404,
    'invalid_request_error',
    'ext_authz_not_rest',
    `The external authorizer decides REST calls only; ${method} ${path} is an AI call, which must be sent through the Tollgate gateway (proxy mode), not authorized by the mesh.`,
  );

/**
 * Marks the record as a check and refuses AI calls before the REST route step, which would otherwise answer
 * them as an unknown URL: the unified API and prompt APIs need the gateway to translate and count tokens.
 */
const checkStep: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  c.get('call').record.upstream = extAuthzUpstream;
  // As the REST gate decides: `/v1` is never a REST service's, and a prompt API keeps its path on any host.
  const path = c.req.path;
  if (isUnifiedApiPath(path) || (c.req.method === 'POST' && c.get('config').promptsByPath.has(path))) throw aiCall(c.req.method, path);
  await next();
};

/** Authorize and limit as the REST proxy does (one limiter call, REST request limits), then allow without forwarding. */
function decide(limits: LimitSettings) {
  return async (c: Context<GatewayEnv>) => {
    const { caller, limitHeaders } = await authorizeRestCall(c, limits);
    // Envoy copies the x-tollgate-* headers into the upstream request and the RateLimit ones into the answer.
    return c.body(null, 200, { ...identityHeaders(caller), ...limitHeaders, 'x-request-id': c.get('requestId') });
  };
}

/**
 * Envoy's HTTP ext_authz service (ADR 0035): a request under the prefix describes the client's request (its
 * method, `Host` and headers as sent, the path after the prefix) and runs the REST surface's context → meter →
 * route → identify → authorize → limit on it, without a body and without forwarding. 200 allows; a denial is
 * the proxy mode's own status, body and headers, which Envoy hands to the client.
 *
 * Returns the gateway's first middleware's check: `null` when the request is not a check (then it goes on).
 */
export function extAuthzHttp(deps: ExtAuthzHttpDeps): (c: Context<GatewayEnv>) => Promise<Response> | null {
  const problem = extAuthzPrefixProblem(deps.prefix);
  if (problem) throw new Error(`Invalid ext_authz path prefix: ${problem}.`);
  const checks = new Hono<GatewayEnv>();
  checks.use('*', deps.steps.context, deps.steps.meter, checkStep, restRouteStep, deps.steps.identify);
  checks.all('*', decide(deps.limits));
  checks.onError((err, c) => {
    for (const [name, value] of Object.entries(restAnswerHeaders(c) ?? {})) c.header(name, value);
    return renderGatewayError(err, c);
  });
  const { prefix, trustedProxies: trusted } = deps;
  return (c) => {
    const url = c.req.url;
    const { path } = rawPathAndQuery(url);
    const original = checkedPath(prefix, path);
    if (original === null) return null;
    // Anyone else could test keys and spend a caller's limits through it without ever reaching an upstream.
    const peer = c.env?.incoming?.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    if (trusted.empty || !trusted.has(peer)) return Promise.resolve(renderGatewayError(untrusted, c));
    // Only the URL changes: the method and headers are the client's, as Envoy sent them; the body is not read.
    // On Node the steps read headers from the IncomingMessage (requestHeader), so the WHATWG Headers are not
    // built at all; only under app.request() (no socket) are they copied.
    const start = url.indexOf('/', url.indexOf('//') + 2);
    const headers = c.env?.incoming ? undefined : c.req.raw.headers;
    const described = new Request(url.slice(0, start) + original + url.slice(start + path.length), { method: c.req.method, headers });
    return Promise.resolve(checks.fetch(described, c.env));
  };
}
