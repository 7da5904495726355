import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../env';
import { renderGatewayError } from '../errors';
import type { SnapshotSource } from '../snapshot/snapshot-source';
import type { GatewayConfig } from '../snapshot/gateway-config';
import { authorizeService } from '../steps/authorize';
import { enforceLimits, type LimitSettings } from '../steps/limit';
import { requestHeader } from '../http/node-request';
import type { RestUpstreams } from './upstreams/contract';
import { locateService, rawPathAndQuery, type RestRouteTable } from './route-table';
import { restAnswerHeaders, restCallOf, restRouteStep } from './route-step';
import { forwardRest, type RestForwardDeps } from './forward';
import { proxyWebSocket } from './websocket';
import type { ConnectTimeouts } from './connector';

export interface RestAppDeps extends RestForwardDeps {
  limits: LimitSettings;
  /** The same step instances the AI surface runs, so a REST call goes through the very same context, meter and identify. */
  steps: { context: MiddlewareHandler<GatewayEnv>; meter: MiddlewareHandler<GatewayEnv>; identify: MiddlewareHandler<GatewayEnv> };
}

/**
 * The authorize and limit steps of a routed REST call (the proxy's and the ext_authz check's): the limit step
 * gets the plan's limits and the API's own in its one limiter call; REST calls reserve no tokens.
 */
export async function authorizeRestCall(c: Context<GatewayEnv>, limits: LimitSettings) {
  const call = restCallOf(c);
  const { service } = call.route;
  const api = call.match.api.api;
  const app = c.get('app');
  const { subscription, plan } = authorizeService(c.get('config'), app, service, `${c.req.method} ${api.path}`);
  c.get('call').record.subscriptionId = subscription.id;
  const limitHeaders = await enforceLimits(c, limits, {
    service,
    plan,
    subscription,
    tokens: { input: 0, output: 0, outputIsDefault: false },
    targets: [],
    api: { id: api.id, name: api.name, limits: api.limits },
  });
  return { call, caller: { app, subscription }, limitHeaders };
}

/** Authorize and limit, then forward (or tunnel a WebSocket). */
function restHandler(deps: RestAppDeps) {
  return async (c: Context<GatewayEnv>) => {
    const { call, caller, limitHeaders } = await authorizeRestCall(c, deps.limits);
    if (call.websocket) return proxyWebSocket(c, deps, call, caller, limitHeaders);
    return forwardRest(c, deps, call, caller, limitHeaders);
  };
}

/**
 * The REST surface: context → meter → route (CORS preflight answered there) → identify → authorize → limit →
 * forward, with errors in the REST shape carrying the call's CORS and deprecation headers.
 */
export function createRestApp(deps: RestAppDeps): Hono<GatewayEnv> {
  const rest = new Hono<GatewayEnv>();
  rest.use('*', deps.steps.context, deps.steps.meter, restRouteStep, deps.steps.identify);
  rest.all('*', restHandler(deps));
  rest.onError((err, c) => {
    for (const [name, value] of Object.entries(restAnswerHeaders(c) ?? {})) c.header(name, value);
    return renderGatewayError(err, c);
  });
  return rest;
}

const isEmpty = (table: RestRouteTable) => table.bySlug.size === 0 && table.byHost.size === 0 && table.wildcardHosts.length === 0;

/** Installs each new snapshot's REST services into the upstream machinery and the connect timeouts, once. */
export function restSnapshotSync(upstreams: RestUpstreams, timeouts: ConnectTimeouts | null) {
  let installed: RestRouteTable | null = null;
  return (config: GatewayConfig) => {
    if (config.rest === installed) return;
    installed = config.rest;
    upstreams.install(config.rest.services);
    timeouts?.install(config.rest.services);
  };
}

/**
 * The first middleware of the gateway: a request for a REST service (by host or slug) is handed to the REST
 * surface whole; anything else (`/v1/*`, prompt APIs, probes) goes on untouched. For those it costs a snapshot
 * read and, when REST services exist, a map lookup or two.
 */
export function restGate(o: { snapshots: SnapshotSource; rest: Hono<GatewayEnv>; sync: (config: GatewayConfig) => void }): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const config = o.snapshots.current();
    if (!config) return next();
    o.sync(config);
    if (isEmpty(config.rest)) return next();
    // A prompt API keeps its path even on a host routed to a REST service.
    if (c.req.method === 'POST' && config.promptsByPath.has(c.req.path)) return next();
    if (!locateService(config.rest, requestHeader(c, 'host'), rawPathAndQuery(c.req.url).path)) return next();
    return o.rest.fetch(c.req.raw, c.env);
  };
}
