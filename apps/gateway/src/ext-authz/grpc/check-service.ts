import { status as grpcStatus, type handleUnaryCall } from '@grpc/grpc-js';
import { invalidRequest, type GatewayError } from '../../errors';
import type { TrustedProxies } from '../../identity/trusted-proxies';
import { peerIp } from './peer';
import { refuseCheck, untrustedCheck, type CheckOutcome, type CheckPipeline } from '../check-pipeline';

// The JS shape of the messages as protos.ts loads them (snake_case names, unset fields absent).
interface WireAddress {
  socket_address?: { address?: string; port_value?: number };
}
interface WireHttpRequest {
  id?: string;
  method?: string;
  headers?: Record<string, string>;
  header_map?: { headers?: { key?: string; value?: string; raw_value?: Uint8Array }[] };
  path?: string;
  host?: string;
  scheme?: string;
  /** With `includeRequestBodyInCheck`: the body as text, or as bytes (`packAsBytes`). */
  body?: string;
  raw_body?: Uint8Array;
}
export interface WireCheckRequest {
  attributes?: {
    source?: { address?: WireAddress };
    destination?: { address?: WireAddress };
    request?: { http?: WireHttpRequest };
  };
}
interface WireHeaderOption {
  header: { key: string; value: string };
  append: { value: boolean };
  append_action: 'OVERWRITE_IF_EXISTS_OR_ADD';
}
export interface WireCheckResponse {
  status: { code: number; message?: string };
  ok_response?: { headers: WireHeaderOption[]; headers_to_remove: string[]; response_headers_to_add: WireHeaderOption[]; query_parameters_to_remove: string[] };
  denied_response?: { status: { code: number }; headers: WireHeaderOption[]; body: string };
}

export interface CheckServiceDeps {
  pipeline: CheckPipeline;
  trustedProxies: TrustedProxies;
  /** The caller's IP from the call (see peer.ts), or undefined when the transport names none. */
  peerOf(call: { getPeer(): string }): string | undefined;
  logger: { error(o: object, m: string): void };
}

/** google.rpc codes for a denial: Envoy denies on any non-OK status; the code is for its logs and stats. */
const rpcCodeOf = (httpStatus: number): number =>
  httpStatus === 400 ? grpcStatus.INVALID_ARGUMENT
  : httpStatus === 401 ? grpcStatus.UNAUTHENTICATED
  : httpStatus === 403 ? grpcStatus.PERMISSION_DENIED
  : httpStatus === 404 ? grpcStatus.NOT_FOUND
  : httpStatus === 429 ? grpcStatus.RESOURCE_EXHAUSTED
  : grpcStatus.PERMISSION_DENIED;

/** Overwrite, never append: the caller could otherwise send its own x-tollgate-app and have both reach the upstream. */
const overwrite = (key: string, value: string): WireHeaderOption => ({ header: { key, value }, append: { value: false }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });

/** Reg-name, IPv4 or bracketed IPv6, with an optional port: anything else could move the path once put in a URL. */
const hostPattern = /^(?:[A-Za-z0-9._~%!$&'()*+,;=-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

const malformed = (what: string) =>
  invalidRequest(`The CheckRequest ${what}; Tollgate authorizes HTTP requests as Envoy's ext_authz filter describes them.`, null, 'ext_authz_malformed_check');

type Described = { request: Request; requestId: string | undefined } | { problem: GatewayError; requestId: string | undefined };

/**
 * The client's request as a Request the pipeline runs: `attributes.request.http`'s method, host (as `Host`),
 * path with its query, and headers. Envoy puts the pseudo-headers (`:authority`, `:path`, `:method`) in the
 * header map too: they are dropped, the fields say the same. Raw headers (`encode_raw_headers`) come as a list.
 */
export function describeCheck(check: WireCheckRequest): Described {
  const http = check.attributes?.request?.http;
  const headerList: [string, string][] = Object.entries(http?.headers ?? {});
  for (const h of http?.header_map?.headers ?? []) {
    if (h.key) headerList.push([h.key, h.value || (h.raw_value ? Buffer.from(h.raw_value).toString('utf8') : '')]);
  }
  const requestId = http?.id || headerList.find(([name]) => name.toLowerCase() === 'x-request-id')?.[1];
  if (!http) return { problem: malformed('describes no HTTP request (attributes.request.http is missing)'), requestId };
  const pseudo = (name: string) => headerList.find(([key]) => key === name)?.[1];
  const method = http.method || pseudo(':method');
  const path = http.path || pseudo(':path');
  const host = http.host || pseudo(':authority');
  if (!method) return { problem: malformed('has no request method (attributes.request.http.method)'), requestId };
  if (!path?.startsWith('/')) return { problem: malformed(`has no origin-form path (attributes.request.http.path is ${JSON.stringify(path ?? '')})`), requestId };
  if (!host || !hostPattern.test(host)) return { problem: malformed(`has no valid host (attributes.request.http.host is ${JSON.stringify(host ?? '')})`), requestId };
  try {
    const headers = new Headers();
    for (const [name, value] of headerList) if (!name.startsWith(':')) headers.append(name, value);
    headers.set('host', host);
    // Envoy's id is the x-request-id it forwards: the check and the call then share one request id.
    if (requestId && !headers.has('x-request-id')) headers.set('x-request-id', requestId);
    const scheme = http.scheme === 'https' ? 'https' : 'http';
    // The body Envoy includes (an AI call's, which the check reads for its model and tokens); never for GET/HEAD.
    const bytes = http.raw_body?.length ? Buffer.from(http.raw_body) : http.body ? Buffer.from(http.body, 'utf8') : null;
    const body = bytes && method !== 'GET' && method !== 'HEAD' ? bytes : undefined;
    return { request: new Request(`${scheme}://${host}${path}`, { method, headers, body }), requestId };
  } catch (err) {
    // A header the WHATWG Headers refuse, a method fetch forbids (CONNECT, TRACE): named, not a 500.
    return { problem: malformed(`cannot be checked: ${(err as Error).message}`), requestId };
  }
}

/** Envoy's answer to copy into the upstream request: the identity Tollgate vouches for and the request id. */
const forUpstream = (name: string) => name.startsWith('x-tollgate-') || name === 'x-request-id';

/**
 * The pipeline's Response as a CheckResponse. 200 allows: the identity headers go upstream (overwriting any
 * the client sent), the RateLimit ones to the client, and the caller's credential is stripped. Any 4xx
 * denies with the proxy mode's status, headers and JSON body.
 *
 * A 5xx (no snapshot yet, the limiter store down in refuse mode) means Tollgate could not decide, which is
 * not a denial: it is answered as a gRPC error (UNAVAILABLE), so Envoy applies `failure_mode_allow` (Istio's
 * `failOpen`) exactly as when Tollgate is unreachable. Over HTTP Envoy reads a 5xx from the check that way.
 */
export async function checkResponseOf(outcome: CheckOutcome): Promise<WireCheckResponse | { unavailable: string }> {
  const { response } = outcome;
  const body = await response.text();
  if (response.status >= 500) {
    let message = `The authorizer could not decide (HTTP ${response.status}).`;
    try {
      message = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // Not the gateway's JSON: keep the generic message.
    }
    return { unavailable: message };
  }
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => {
    if (name !== 'content-length') headers.push([name, value]);
  });
  if (response.status === 200) {
    return {
      status: { code: grpcStatus.OK },
      ok_response: {
        headers: headers.filter(([name]) => forUpstream(name)).map(([name, value]) => overwrite(name, value)),
        headers_to_remove: outcome.headersToRemove,
        response_headers_to_add: headers.filter(([name]) => !forUpstream(name) && name !== 'content-type').map(([name, value]) => overwrite(name, value)),
        query_parameters_to_remove: outcome.queryToRemove,
      },
    };
  }
  const code = rpcCodeOf(response.status);
  return {
    status: { code, message: `Denied with HTTP ${response.status}.` },
    denied_response: { status: { code: response.status }, headers: headers.map(([name, value]) => overwrite(name, value)), body },
  };
}

/**
 * `envoy.service.auth.v3.Authorization/Check`, answered only for a trusted peer (the mesh ingress): anyone
 * else could test keys and spend a caller's limits through it. Envoy's downstream address
 * (`attributes.source`) is the client address per-IP limits count.
 */
export function checkHandler(deps: CheckServiceDeps): handleUnaryCall<WireCheckRequest, WireCheckResponse> {
  return (call, callback) => {
    const answer = async (): Promise<WireCheckResponse | { unavailable: string }> => {
      const described = describeCheck(call.request);
      const peer = deps.peerOf(call);
      const trusted = peer !== undefined && !deps.trustedProxies.empty && deps.trustedProxies.has(peer);
      if (!trusted) return checkResponseOf({ response: await refuseCheck(untrustedCheck, described.requestId), headersToRemove: [], queryToRemove: [] });
      if ('problem' in described) return checkResponseOf({ response: await refuseCheck(described.problem, described.requestId), headersToRemove: [], queryToRemove: [] });
      const source = call.request.attributes?.source?.address?.socket_address?.address;
      const clientAddress = source ? peerIp(source) : undefined;
      return checkResponseOf(await deps.pipeline(described.request, { peerAddress: peer, clientAddress }));
    };
    answer().then(
      (result) => ('unavailable' in result ? callback({ code: grpcStatus.UNAVAILABLE, details: result.unavailable }) : callback(null, result)),
      (err: unknown) => {
        deps.logger.error({ err }, 'ext_authz gRPC check failed');
        // Still an error, not a denial: Envoy's failure mode decides.
        callback({ code: grpcStatus.INTERNAL, details: 'The authorizer failed while checking; see the gateway log.' });
      },
    );
  };
}
