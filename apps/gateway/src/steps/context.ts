import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { pooledRandomBytes, requestIdFrom } from '@tollgate/domain';
import type { GatewayEnv } from '../env';
import type { SnapshotSource } from '../snapshot/snapshot-source';
import { GatewayError } from '../errors';
import { requestHeader } from '../http/node-request';

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
 * The client's address: the socket peer, unless the peer is a configured proxy, in which case the nearest
 * untrusted address of `x-forwarded-for` (or Envoy's `x-envoy-external-address`).
 */
export function clientIpFrom(peer: string, get: (name: string) => string | undefined, trusted: ReadonlySet<string>): string {
  if (!trusted.has(peer)) return peer;
  const envoy = get('x-envoy-external-address');
  if (envoy) return envoy.trim();
  const hops = (get('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted.has(hops[i]!)) return hops[i]!;
  return hops[0] ?? peer;
}

export function contextStep(deps: { snapshots: SnapshotSource; logger: Logger; trustedProxies: ReadonlySet<string> }): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const get = (name: string) => requestHeader(c, name);
    c.set('requestId', requestIdFrom(get('x-request-id')));
    c.set('logger', deps.logger);
    c.set('trace', traceFrom(get));
    const peer = c.env?.incoming?.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    c.set('clientIp', clientIpFrom(peer, get, deps.trustedProxies));
    const config = deps.snapshots.current();
    if (!config) throw new GatewayError(503, 'server_error', 'not_ready', 'The gateway has no configuration yet; retry shortly.', null, { 'retry-after': '1' });
    c.set('config', config);
    await next();
  };
}
