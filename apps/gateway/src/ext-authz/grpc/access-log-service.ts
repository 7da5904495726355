import type { handleClientStreamingCall } from '@grpc/grpc-js';
import type { HttpAccessLogEntry } from '../access-log/entry';

/** Receives each batch of decoded entries, in the order the mesh sent them. */
export type AccessLogSink = (entries: HttpAccessLogEntry[]) => void;

/** The default sink while nothing completes call records: it counts what it is given and keeps nothing. */
export function countingAccessLogSink(): AccessLogSink & { received: number } {
  const sink = Object.assign((entries: HttpAccessLogEntry[]) => void (sink.received += entries.length), { received: 0 });
  return sink;
}

// The JS shape of the messages as protos.ts loads them (snake_case names, unset fields absent).
interface Duration {
  seconds?: number;
  nanos?: number;
}
interface WireEntry {
  common_properties?: {
    start_time?: Duration;
    time_to_first_upstream_rx_byte?: Duration;
    time_to_last_downstream_tx_byte?: Duration;
    upstream_cluster?: string;
    response_flags?: Record<string, boolean | object | undefined>;
  };
  request?: {
    request_method?: string;
    path?: string;
    authority?: string;
    request_id?: string;
    request_body_bytes?: number;
    request_headers?: Record<string, string>;
  };
  response?: { response_code?: { value?: number }; response_body_bytes?: number };
}
export interface WireStreamMessage {
  identifier?: { node?: { id?: string; cluster?: string }; log_name?: string };
  http_logs?: { log_entry?: WireEntry[] };
}

/** google.protobuf.Duration and Timestamp in milliseconds (a Timestamp is a Duration since the epoch). */
const millis = (d: Duration | undefined): number | null => (d ? (d.seconds ?? 0) * 1_000 + (d.nanos ?? 0) / 1e6 : null);

const orNull = (s: string | undefined): string | null => (s ? s : null);

/** One `envoy.data.accesslog.v3.HTTPAccessLogEntry` as the plain entry the completion logic reads. */
export function decodeHttpEntry(wire: WireEntry): HttpAccessLogEntry {
  const common = wire.common_properties ?? {};
  const request = wire.request ?? {};
  const response = wire.response ?? {};
  const requestHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.request_headers ?? {})) requestHeaders[name.toLowerCase()] = value;
  const method = request.request_method;
  // A bool flag is set when true; `unauthorized_details` is a message, set when present (ext_authz denied).
  const responseFlags = Object.entries(common.response_flags ?? {})
    .filter(([, value]) => value === true || (typeof value === 'object' && value !== null))
    .map(([name]) => name);
  // The wrapper is absent when Envoy sent no response; 0 is never a status either.
  const status = response.response_code?.value;
  return {
    requestId: orNull(request.request_id),
    method: method && method !== 'METHOD_UNSPECIFIED' ? method : null,
    path: orNull(request.path),
    authority: orNull(request.authority),
    status: status ? status : null,
    requestHeaders,
    requestBodyBytes: request.request_body_bytes ?? 0,
    responseBodyBytes: response.response_body_bytes ?? 0,
    startTimeMs: millis(common.start_time),
    durationMs: millis(common.time_to_last_downstream_tx_byte),
    firstUpstreamByteMs: millis(common.time_to_first_upstream_rx_byte),
    upstreamCluster: orNull(common.upstream_cluster),
    responseFlags,
  };
}

export interface AccessLogServiceDeps {
  onAccessLogs: AccessLogSink;
  /** Whether the stream's peer may send logs: forged ones would complete (and falsify) held call records. */
  allowed(peer: string): boolean;
  peerOf(call: { getPeer(): string }): string;
  logger: { warn(o: object, m: string): void; error(o: object, m: string): void };
  /** Open streams' way to be answered, so a draining server can send Envoy to another replica. */
  streams: Set<() => void>;
}

/**
 * `envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs`: Envoy opens one client stream and sends
 * batches on it for as long as it runs, never expecting an answer; the identifier comes in the first message
 * only. TCP batches are not read. The empty answer goes when Envoy ends the stream (or the server drains,
 * which tells Envoy to reconnect elsewhere).
 */
export function streamAccessLogsHandler(deps: AccessLogServiceDeps): handleClientStreamingCall<WireStreamMessage, Record<string, never>> {
  return (call, callback) => {
    const peer = deps.peerOf(call);
    if (!deps.allowed(peer)) {
      deps.logger.warn({ peer }, 'access log stream refused: the peer is not a trusted proxy');
      callback({ code: 7 /* PERMISSION_DENIED */, details: 'Access logs are taken only from a trusted proxy (TOLLGATE_TRUSTED_PROXIES).' });
      return;
    }
    let identifier: WireStreamMessage['identifier'];
    let answered = false;
    const answer = () => {
      if (answered) return;
      answered = true;
      deps.streams.delete(answer);
      callback(null, {});
    };
    deps.streams.add(answer);
    call.on('data', (message: WireStreamMessage) => {
      identifier ??= message.identifier;
      const entries = message.http_logs?.log_entry;
      if (!entries?.length) return;
      try {
        deps.onAccessLogs(entries.map(decodeHttpEntry));
      } catch (err) {
        // A failing sink must not end Envoy's stream: the next batch may well be taken.
        deps.logger.error({ err, node: identifier?.node?.id, logName: identifier?.log_name }, 'access log entries could not be handled');
      }
    });
    call.on('end', answer);
    // Envoy went away (or cancelled): nothing to answer.
    call.on('error', () => {
      answered = true;
      deps.streams.delete(answer);
    });
  };
}
