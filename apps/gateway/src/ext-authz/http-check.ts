import type { Context } from 'hono';
import type { GatewayEnv } from '../env';
import { renderGatewayError } from '../errors';
import type { TrustedProxies } from '../identity/trusted-proxies';
import { peerAddressOf } from '../http/node-request';
import { rawPathAndQuery } from '../rest/route-table';
import { untrustedCheck, type CheckPipeline } from './check-pipeline';
import { checkedPath, extAuthzPrefixProblem } from './prefix';

export { extAuthzUpstream } from './check-pipeline';

export interface ExtAuthzHttpDeps {
  /** `TOLLGATE_EXT_AUTHZ_PATH_PREFIX`, already validated (`/ext-authz`). */
  prefix: string;
  trustedProxies: TrustedProxies;
  /** The check pipeline the gRPC flavour runs too (check-pipeline.ts). */
  pipeline: CheckPipeline;
}

/**
 * Envoy's HTTP ext_authz service (ADR 0035): a request under the prefix describes the client's request (its
 * method, `Host` and headers as sent, the path after the prefix) and runs the check pipeline on it, without a
 * body and without forwarding. 200 allows; a denial is the proxy mode's own status, body and headers, which
 * Envoy hands to the client.
 *
 * Returns the gateway's first middleware's check: `null` when the request is not a check (then it goes on).
 */
export function extAuthzHttp(deps: ExtAuthzHttpDeps): (c: Context<GatewayEnv>) => Promise<Response> | null {
  const problem = extAuthzPrefixProblem(deps.prefix);
  if (problem) throw new Error(`Invalid ext_authz path prefix: ${problem}.`);
  const { prefix, trustedProxies: trusted, pipeline } = deps;
  return (c) => {
    const url = c.req.url;
    const { path } = rawPathAndQuery(url);
    const original = checkedPath(prefix, path);
    if (original === null) return null;
    // Anyone else could test keys and spend a caller's limits through it without ever reaching an upstream.
    const peer = peerAddressOf(c) ?? '127.0.0.1';
    if (trusted.empty || !trusted.has(peer)) return Promise.resolve(renderGatewayError(untrustedCheck, c));
    // Only the URL changes: the method and headers are the client's, as Envoy sent them; the body is not read.
    // On Node the steps read headers from the IncomingMessage (requestHeader), so the WHATWG Headers are not
    // built at all; only under app.request() (no socket) are they copied.
    const start = url.indexOf('/', url.indexOf('//') + 2);
    const headers = c.env?.incoming ? undefined : c.req.raw.headers;
    const described = new Request(url.slice(0, start) + original + url.slice(start + path.length), { method: c.req.method, headers });
    // The outcome's credential removals are for the gRPC flavour's `headers_to_remove`; over HTTP the answer
    // stays as ADR 0035 describes it (Envoy's HTTP client would take them as `x-envoy-auth-headers-to-remove`).
    return pipeline(described, c.env).then((outcome) => outcome.response);
  };
}
