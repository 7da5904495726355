import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { SnapshotApp, SnapshotSubscription, SnapshotUpstream } from '@tollgate/domain';
import type { GatewayEnv } from '../env';
import type { RestCall } from './route-step';
import type { RequestFacts } from './upstreams/contract';
import { cookieOf, forwardedHeaders, hasRequestBody, headerOf, upstreamRequestHeaders, type HeaderMap } from './headers';
import { upstreamPath, upstreamQuery } from './node-target';
import { RequestBody } from './body';
import { credentialLocationOf } from './credential';
import { xfccHeader } from '../identity/xfcc';
import { peerAddressOf } from '../http/node-request';

/** Who is calling, once identify and authorize passed. */
export interface Caller {
  app: SnapshotApp;
  subscription: SnapshotSubscription;
}

/** The upstream request of a REST call, built once and reused by every attempt and by the mirror. */
export interface Outbound {
  facts: RequestFacts;
  method: string;
  /** Path and query for the upstream, before a node's base path. */
  path: string;
  /** For `upstream`: the shared headers plus its static credential and `Host`. */
  headersFor(upstream: SnapshotUpstream): HeaderMap;
  body: RequestBody | null;
}

/**
 * The identity headers the upstream of a REST call gets: the proxy mode sends them with the call, the
 * external authorizer (ext-authz/) returns them for the mesh to add (ADR 0035).
 */
export function identityHeaders(caller: Caller): Record<string, string> {
  return { 'x-tollgate-app': caller.app.id, 'x-tollgate-team': caller.app.teamId, 'x-tollgate-subscription': caller.subscription.id };
}

function headersOfWebRequest(headers: Headers): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  headers.forEach((value, name) => (out[name] = value));
  return out;
}

export function prepareOutbound(c: Context<GatewayEnv>, call: RestCall, caller: Caller): Outbound {
  const incoming = c.env?.incoming as IncomingMessage | undefined;
  const requestHeaders = incoming?.headers ?? headersOfWebRequest(c.req.raw.headers);
  const clientIp = c.get('clientIp');
  const facts: RequestFacts = {
    header: (name) => headerOf(requestHeaders, name),
    cookie: (name) => cookieOf(headerOf(requestHeaders, 'cookie'), name),
    clientIp,
  };
  const { rest } = call.route;
  const api = call.match.api.api;
  const reported = credentialLocationOf(c);
  // The gateway's own credential places are never passed on: the standard two, the service's configured
  // key header, and wherever the identify step says this caller's credential was.
  const credentialHeaders = ['authorization', 'x-api-key'];
  if (rest.keyLocations.header) credentialHeaders.push(rest.keyLocations.header.toLowerCase());
  if (reported?.header) credentialHeaders.push(reported.header.toLowerCase());
  // A mesh-verified JWT payload is a credential too; from an untrusted peer it is a forgery (ADR 0033).
  const meshHeader = c.get('meshJwtPayloadHeader');
  if (meshHeader) credentialHeaders.push(meshHeader);
  // And so are the claims the mesh copied one per header (`outputClaimToHeaders`), whoever sent them.
  for (const m of c.get('meshJwtClaimHeaders') ?? []) credentialHeaders.push(m.header);
  // So is an untrusted peer's client certificate header, when workload identities are on; a trusted proxy's goes on.
  if (c.get('stripXfcc')) credentialHeaders.push(xfccHeader);
  const dropQuery = reported?.query ?? rest.keyLocations.query;
  const query = upstreamQuery(call.query, dropQuery, api.addQuery);
  const path = upstreamPath(call.match) + (query ? `?${query}` : '');
  const peer = peerAddressOf(c) ?? clientIp;
  const shared = upstreamRequestHeaders(requestHeaders, {
    credentialHeaders,
    rules: api.requestHeaders,
    gateway: {
      ...forwardedHeaders({ incoming: requestHeaders, peer, clientIp, encrypted: Boolean((incoming?.socket as { encrypted?: boolean } | undefined)?.encrypted) }),
      'x-request-id': c.get('requestId'),
      ...c.get('trace').headers,
      ...identityHeaders(caller),
    },
  });
  let body: RequestBody | null = null;
  if (hasRequestBody(requestHeaders)) {
    const source = incoming ?? (c.req.raw.body as unknown as AsyncIterable<Uint8Array> | null);
    if (source) body = new RequestBody(source as AsyncIterable<Uint8Array>);
  }
  return {
    facts,
    method: c.req.method,
    path,
    headersFor(upstream) {
      if (!upstream.credential && !upstream.hostHeader) return shared;
      const headers = { ...shared };
      if (upstream.credential) headers[upstream.credential.header.toLowerCase()] = upstream.credential.value;
      if (upstream.hostHeader) headers.host = upstream.hostHeader;
      return headers;
    },
    body,
  };
}
