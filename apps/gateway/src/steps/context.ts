import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { pooledRandomBytes, requestIdFrom } from '@tollgate/domain';
import type { GatewayEnv } from '../env';
import type { SnapshotSource } from '../snapshot/snapshot-source';
import { GatewayError } from '../errors';
import { peerAddressOf, requestHeader } from '../http/node-request';
import type { TrustedProxies } from '../identity/trusted-proxies';
import { xfccHeader } from '../identity/xfcc';
import type { MeshClaimHeader, MeshClaimValue } from '../identity/mesh-jwt-claim-headers';

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** Headers forwarded upstream as they came: W3C tracestate and Zipkin B3 (single and multi header). */
const passThroughTraceHeaders = ['tracestate', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags'];

export interface TraceContext {
  traceId: string;
  /** This hop's span: the parent of whatever the gateway calls upstream. */
  spanId: string;
  /** The caller's span, when it sent a valid traceparent. */
  parentSpanId: string | null;
  sampled: boolean;
  /** The traceparent to send upstream: the caller's trace id with this hop as the parent span. */
  traceparent: string;
  headers: Record<string, string>;
}

/** W3C trace context: continue a valid incoming trace, or start one. */
export function traceFrom(get: (name: string) => string | undefined): TraceContext {
  const incoming = traceparentPattern.exec(get('traceparent') ?? '');
  const valid = incoming && !/^0+$/.test(incoming[1]!) && !/^0+$/.test(incoming[2]!);
  const traceId = valid ? incoming[1]! : pooledRandomBytes(16).toString('hex');
  const flags = valid ? incoming[3]! : '01';
  const spanId = pooledRandomBytes(8).toString('hex');
  const headers: Record<string, string> = { traceparent: `00-${traceId}-${spanId}-${flags}` };
  for (const name of passThroughTraceHeaders) {
    const value = get(name);
    if (value) headers[name] = value;
  }
  // Bit 0 of the flags is `sampled` (W3C trace-context §3.2.2.5).
  return { traceId, spanId, parentSpanId: valid ? incoming[2]! : null, sampled: (parseInt(flags, 16) & 1) === 1, traceparent: headers.traceparent!, headers };
}

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy, in which case Envoy's
 * `x-envoy-external-address`, else the client `x-forwarded-for` names (see `forwardedClient`).
 */
export function clientIpFrom(peer: string, get: (name: string) => string | undefined, trusted: TrustedProxies): string {
  return trusted.empty || !trusted.has(peer) ? peer : forwardedClient(peer, get, trusted);
}

/**
 * For a trusted peer: with a hop count N, the N-th address from the right of `x-forwarded-for` (the peer when
 * there are fewer, as Envoy does); without one, the nearest address that is not itself a trusted proxy.
 */
function forwardedClient(peer: string, get: (name: string) => string | undefined, trusted: TrustedProxies): string {
  const envoy = get('x-envoy-external-address');
  if (envoy) return envoy.trim();
  const xff = get('x-forwarded-for');
  if (!xff) return peer;
  const hops = xff.split(',').map((s) => s.trim()).filter(Boolean);
  if (trusted.hops !== null) return hops.length >= trusted.hops ? hops[hops.length - trusted.hops]! : peer;
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted.has(hops[i]!)) return hops[i]!;
  return hops[0] ?? peer;
}

export interface ContextDeps {
  snapshots: SnapshotSource;
  logger: Logger;
  trustedProxies: TrustedProxies;
  /** Istio's `outputPayloadToHeader` name (lower case), when mesh-verified JWT identities are on (ADR 0033). */
  meshJwtPayloadHeader?: string;
  /** Istio's `outputClaimToHeaders` pairs (headers in lower case), when claim identities are on (ADR 0033). */
  meshJwtClaimHeaders?: readonly MeshClaimHeader[];
  /** `xfcc`: a trusted proxy's `x-forwarded-client-cert` SPIFFE ID may name the app (ADR 0033). */
  workloadIdentity?: 'xfcc';
}

export function contextStep(deps: ContextDeps): MiddlewareHandler<GatewayEnv> {
  const { trustedProxies: trusted, meshJwtPayloadHeader: meshHeader } = deps;
  return async (c, next) => {
    const get = (name: string) => requestHeader(c, name);
    c.set('requestId', requestIdFrom(get('x-request-id')));
    c.set('logger', deps.logger);
    c.set('trace', traceFrom(get));
    const peer = peerAddressOf(c) ?? '127.0.0.1';
    const trustedPeer = !trusted.empty && trusted.has(peer);
    // A trusted proxy that names the client out of band (Envoy's downstream address in a gRPC check) is
    // believed over any header guessing: per-IP limits then count the address Envoy itself accepted.
    const reported = trustedPeer ? c.env?.clientAddress : undefined;
    c.set('clientIp', reported ?? (trustedPeer ? forwardedClient(peer, get, trusted) : peer));
    if (meshHeader) {
      // The REST path strips the header whoever sent it; identify believes it only from a trusted peer.
      c.set('meshJwtPayloadHeader', meshHeader);
      const payload = trustedPeer ? get(meshHeader) : undefined;
      if (payload !== undefined) c.set('meshJwtPayload', payload);
    }
    if (deps.meshJwtClaimHeaders) {
      // As for the payload: stripped upstream whoever sent them, read only from a trusted peer.
      c.set('meshJwtClaimHeaders', deps.meshJwtClaimHeaders);
      const values: MeshClaimValue[] = [];
      for (const m of trustedPeer ? deps.meshJwtClaimHeaders : []) {
        const value = get(m.header);
        if (value !== undefined) values.push({ ...m, value });
      }
      if (values.length > 0) c.set('meshJwtClaimValues', values);
    }
    if (deps.workloadIdentity === 'xfcc') {
      const xfcc = get(xfccHeader);
      // Believed only from a trusted peer; from anyone else a forgery, which the REST path keeps from the upstream.
      if (xfcc !== undefined && trustedPeer) c.set('workloadXfcc', xfcc);
      else if (xfcc !== undefined) c.set('stripXfcc', true);
    }
    const config = deps.snapshots.current();
    if (!config) throw new GatewayError(503, 'server_error', 'not_ready', 'The gateway has no configuration yet; retry shortly.', null, { 'retry-after': '1' });
    c.set('config', config);
    await next();
  };
}
