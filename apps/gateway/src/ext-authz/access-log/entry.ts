/**
 * One HTTP access-log entry as Envoy's access log service sends it (`envoy.service.accesslog.v3`
 * `StreamAccessLogsMessage.http_logs.log_entry[]`, an `envoy.data.accesslog.v3.HTTPAccessLogEntry`), cut to
 * the fields Tollgate reads to complete a checked call's record (ADR 0036). The gRPC receiver decodes into
 * this; the completion logic never sees protobuf.
 */
export interface HttpAccessLogEntry {
  /** `request.request_id`: the `x-request-id` Envoy gave the call, the same one the check saw. */
  requestId: string | null;
  /** `request.request_method` as its enum name (`GET`, `POST`, …); null when unset (METHOD_UNSPECIFIED). */
  method: string | null;
  /** `request.path`: the client's path and query as it reached Envoy (before any rewrite). */
  path: string | null;
  /** `request.authority`. */
  authority: string | null;
  /** `response.response_code`; null when Envoy sent no response (the client reset first). */
  status: number | null;
  /** `request.request_headers`: only those named in the provider's `additionalRequestHeadersToLog`, names lower-cased. */
  requestHeaders: Record<string, string>;
  /** `request.request_body_bytes` and `response.response_body_bytes`. */
  requestBodyBytes: number;
  responseBodyBytes: number;
  /** `common_properties.start_time`, epoch milliseconds. */
  startTimeMs: number | null;
  /**
   * `common_properties.time_to_last_downstream_tx_byte`, milliseconds from the first downstream byte: the call's
   * whole latency as the client saw it. Null when Envoy did not set it.
   */
  durationMs: number | null;
  /** `common_properties.time_to_first_upstream_rx_byte`: the upstream's time to first byte (TTFT for a stream). */
  firstUpstreamByteMs: number | null;
  /** `common_properties.upstream_cluster`. */
  upstreamCluster: string | null;
  /** `common_properties.response_flags`: the names of the flags set, in the proto's field names (`upstream_connection_failure`, `unauthorized_details`, …). */
  responseFlags: string[];
}
