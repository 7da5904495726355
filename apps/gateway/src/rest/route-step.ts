import type { Context, MiddlewareHandler } from 'hono';
import type { SnapshotRestService } from '@tollgate/domain';
import type { GatewayEnv } from '../env';
import { GatewayError } from '../errors';
import { requestHeader } from '../http/node-request';
import { lifecycleHeaders } from '../forward/upstream-response';
import type { ApiMatch } from './api-trie';
import { locateService, rawPathAndQuery, type RestServiceRoute } from './route-table';
import { answerPreflight, corsResponseHeaders } from './cors';
import { isWebSocketUpgrade } from './upgrade-registry';

/** What the REST steps hand each other for one call. */
export interface RestCall {
  route: RestServiceRoute & { rest: SnapshotRestService };
  match: ApiMatch;
  /** The raw query string as the client sent it. */
  query: string;
  /** An `Upgrade: websocket` request that arrived on the server's upgrade event. */
  websocket: boolean;
  /** Headers every answer of this call carries, the gateway's errors included: CORS and deprecation. */
  answerHeaders: Record<string, string>;
}

const calls = new WeakMap<Context, RestCall>();
const earlyHeaders = new WeakMap<Context, Record<string, string>>();

export const restCallOf = (c: Context<GatewayEnv>): RestCall => {
  const call = calls.get(c);
  if (!call) throw new Error('the REST route step has not run');
  return call;
};

/** The headers a REST error must carry (CORS so a browser can read it, deprecation), as far as they are known. */
export const restAnswerHeaders = (c: Context<GatewayEnv>): Record<string, string> | undefined => calls.get(c)?.answerHeaders ?? earlyHeaders.get(c);

const refusal = (status: 404 | 405 | 410 | 400, code: string, message: string, headers: Record<string, string> = {}) =>
  new GatewayError(status, 'invalid_request_error', code, message, null, headers);

/** A CORS preflight: answered by the gateway itself when the service has a CORS policy. */
const preflightOf = (c: Context<GatewayEnv>, rest: SnapshotRestService | null) => {
  if (c.req.method !== 'OPTIONS' || !rest?.cors) return null;
  const origin = requestHeader(c, 'origin');
  const method = requestHeader(c, 'access-control-request-method');
  return origin && method ? { origin, method: method.toUpperCase() } : null;
};

/**
 * The route step of REST calls (DESIGN §2 step 2): the service by host or slug, then its most specific API
 * for the method and path, before anyone asks who is calling. A preflight is routed by the method it asks
 * about and answered here; no key is needed and the upstream is never reached.
 */
export const restRouteStep: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const { path, query } = rawPathAndQuery(c.req.url);
  const located = locateService(c.get('config').rest, requestHeader(c, 'host'), path);
  // The gate saw a REST service a moment ago; a snapshot swapped in between may have removed it.
  if (!located) throw refusal(404, 'unknown_url', `Unknown request URL: ${c.req.method} ${c.req.path}.`);
  const { service, rest } = located.route;
  const draft = c.get('call');
  draft.record.serviceId = service.id;
  draft.record.api = 'rest:unmatched';
  const answerHeaders: Record<string, string> = lifecycleHeaders(service);
  earlyHeaders.set(c, answerHeaders);
  if (service.lifecycle === 'retired' || !rest) {
    throw refusal(410, 'service_retired', `The service '${service.name}' has been retired and no longer answers calls.`);
  }
  c.set('restService', rest);
  const preflight = preflightOf(c, rest);
  // On every answer but a preflight's (which has its own): errors included, so a browser can read a 403.
  if (rest.cors && !preflight) Object.assign(answerHeaders, corsResponseHeaders(rest.cors, requestHeader(c, 'origin')));
  const method = preflight?.method ?? c.req.method;
  let params: URLSearchParams | undefined;
  const result = located.route.apis.match(located.apiPath, {
    method,
    header: (name) => requestHeader(c, name),
    query: (name) => (params ??= new URLSearchParams(query)).get(name) ?? undefined,
  });
  if (result.kind === 'none') throw refusal(404, 'route_not_found', `Service '${service.name}' has no API at ${method} ${located.apiPath}.`);
  if (result.kind === 'method') {
    throw refusal(405, 'method_not_allowed', `Service '${service.name}' does not accept ${method} at ${located.apiPath}; it accepts ${result.allow.join(', ')}.`, {
      allow: result.allow.join(', '),
    });
  }
  const { match } = result;
  draft.record.api = `rest:${match.api.api.id}`;
  draft.record.route = match.api.api.path;
  const websocket = isWebSocketUpgrade(c);
  if (websocket && !match.api.api.websocket) {
    throw refusal(400, 'websocket_not_allowed', `The API '${match.api.api.name}' of service '${service.name}' does not accept WebSocket upgrades.`);
  }
  calls.set(c, { route: located.route as RestCall['route'], match, query, websocket, answerHeaders });
  if (preflight) {
    const answer = answerPreflight(rest.cors!, preflight.origin, preflight.method, requestHeader(c, 'access-control-request-headers'));
    if (!answer.ok) throw new GatewayError(403, 'permission_error', answer.code, answer.message);
    return c.body(null, 204, { ...answer.headers, ...lifecycleHeaders(service), 'x-request-id': c.get('requestId') });
  }
  await next();
};
