import protobuf from 'protobufjs';
import { fromJSON, type PackageDefinition } from '@grpc/proto-loader';

/**
 * The subset of Envoy's published protos (envoyproxy/envoy api/, v3) that Tollgate reads and writes, and the
 * well-known types they use. Field names, numbers and types are Envoy's; every field Tollgate does not use is
 * left out, which stays wire-compatible because protobuf decoders skip unknown fields. The text lives in
 * this module rather than .proto files so the esbuild bundle in dist/ carries it (no file to find at run time).
 */
const files: string[] = [
  `syntax = "proto3";
package google.protobuf;
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message Duration { int64 seconds = 1; int32 nanos = 2; }
message UInt32Value { uint32 value = 1; }
message BoolValue { bool value = 1; }`,

  `syntax = "proto3";
package google.rpc;
message Status { int32 code = 1; string message = 2; }`,

  // envoy/type/v3/http_status.proto: every code Envoy defines (it validates defined_only).
  `syntax = "proto3";
package envoy.type.v3;
enum StatusCode {
  Empty = 0; Continue = 100; OK = 200; Created = 201; Accepted = 202; NonAuthoritativeInformation = 203;
  NoContent = 204; ResetContent = 205; PartialContent = 206; MultiStatus = 207; AlreadyReported = 208;
  IMUsed = 226; MultipleChoices = 300; MovedPermanently = 301; Found = 302; SeeOther = 303; NotModified = 304;
  UseProxy = 305; TemporaryRedirect = 307; PermanentRedirect = 308; BadRequest = 400; Unauthorized = 401;
  PaymentRequired = 402; Forbidden = 403; NotFound = 404; MethodNotAllowed = 405; NotAcceptable = 406;
  ProxyAuthenticationRequired = 407; RequestTimeout = 408; Conflict = 409; Gone = 410; LengthRequired = 411;
  PreconditionFailed = 412; PayloadTooLarge = 413; URITooLong = 414; UnsupportedMediaType = 415;
  RangeNotSatisfiable = 416; ExpectationFailed = 417; MisdirectedRequest = 421; UnprocessableEntity = 422;
  Locked = 423; FailedDependency = 424; UpgradeRequired = 426; PreconditionRequired = 428; TooManyRequests = 429;
  RequestHeaderFieldsTooLarge = 431; InternalServerError = 500; NotImplemented = 501; BadGateway = 502;
  ServiceUnavailable = 503; GatewayTimeout = 504; HTTPVersionNotSupported = 505; VariantAlsoNegotiates = 506;
  InsufficientStorage = 507; LoopDetected = 508; NotExtended = 510; NetworkAuthenticationRequired = 511;
}
message HttpStatus { StatusCode code = 1; }`,

  // envoy/config/core/v3/address.proto and base.proto.
  `syntax = "proto3";
package envoy.config.core.v3;
import "google/protobuf/wrappers.proto";
message SocketAddress {
  enum Protocol { TCP = 0; UDP = 1; }
  Protocol protocol = 1;
  string address = 2;
  oneof port_specifier { uint32 port_value = 3; string named_port = 4; }
}
message Pipe { string path = 1; uint32 mode = 2; }
message Address { oneof address { SocketAddress socket_address = 1; Pipe pipe = 2; } }
enum RequestMethod { METHOD_UNSPECIFIED = 0; GET = 1; HEAD = 2; POST = 3; PUT = 4; DELETE = 5; CONNECT = 6; OPTIONS = 7; TRACE = 8; PATCH = 9; }
message Node { string id = 1; string cluster = 2; }
message HeaderValue { string key = 1; string value = 2; bytes raw_value = 3; }
message HeaderValueOption {
  enum HeaderAppendAction { APPEND_IF_EXISTS_OR_ADD = 0; ADD_IF_ABSENT = 1; OVERWRITE_IF_EXISTS_OR_ADD = 2; OVERWRITE_IF_EXISTS = 3; }
  HeaderValue header = 1;
  google.protobuf.BoolValue append = 2;
  HeaderAppendAction append_action = 3;
  bool keep_empty_value = 4;
}
message HeaderMap { repeated HeaderValue headers = 1; }`,

  // envoy/service/auth/v3/attribute_context.proto and external_auth.proto.
  `syntax = "proto3";
package envoy.service.auth.v3;
import "envoy/config/core/v3/base.proto";
message AttributeContext {
  message Peer { envoy.config.core.v3.Address address = 1; string service = 2; map<string, string> labels = 3; string principal = 4; }
  message Request { google.protobuf.Timestamp time = 1; HttpRequest http = 2; }
  message HttpRequest {
    string id = 1; string method = 2; map<string, string> headers = 3; envoy.config.core.v3.HeaderMap header_map = 13;
    string path = 4; string host = 5; string scheme = 6; string query = 7; string fragment = 8; int64 size = 9; string protocol = 10; string body = 11; bytes raw_body = 12;
  }
  Peer source = 1;
  Peer destination = 2;
  Request request = 4;
  map<string, string> context_extensions = 10;
}
message CheckRequest { AttributeContext attributes = 1; }
message DeniedHttpResponse { envoy.type.v3.HttpStatus status = 1; repeated envoy.config.core.v3.HeaderValueOption headers = 2; string body = 3; }
message OkHttpResponse {
  repeated envoy.config.core.v3.HeaderValueOption headers = 2;
  repeated string headers_to_remove = 5;
  repeated envoy.config.core.v3.HeaderValueOption response_headers_to_add = 6;
  repeated string query_parameters_to_remove = 8;
}
message CheckResponse { google.rpc.Status status = 1; oneof http_response { DeniedHttpResponse denied_response = 2; OkHttpResponse ok_response = 3; } }
service Authorization { rpc Check(CheckRequest) returns (CheckResponse); }`,

  // envoy/data/accesslog/v3/accesslog.proto.
  `syntax = "proto3";
package envoy.data.accesslog.v3;
message HTTPAccessLogEntry {
  enum HTTPVersion { PROTOCOL_UNSPECIFIED = 0; HTTP10 = 1; HTTP11 = 2; HTTP2 = 3; HTTP3 = 4; }
  AccessLogCommon common_properties = 1;
  HTTPVersion protocol_version = 2;
  HTTPRequestProperties request = 3;
  HTTPResponseProperties response = 4;
}
message AccessLogCommon {
  envoy.config.core.v3.Address downstream_remote_address = 2;
  google.protobuf.Timestamp start_time = 5;
  google.protobuf.Duration time_to_last_rx_byte = 6;
  google.protobuf.Duration time_to_first_upstream_rx_byte = 9;
  google.protobuf.Duration time_to_last_downstream_tx_byte = 12;
  string upstream_cluster = 15;
  ResponseFlags response_flags = 16;
  string route_name = 19;
  google.protobuf.Duration duration = 23;
}
message ResponseFlags {
  message Unauthorized { enum Reason { REASON_UNSPECIFIED = 0; EXTERNAL_SERVICE = 1; } Reason reason = 1; }
  bool failed_local_healthcheck = 1; bool no_healthy_upstream = 2; bool upstream_request_timeout = 3; bool local_reset = 4;
  bool upstream_remote_reset = 5; bool upstream_connection_failure = 6; bool upstream_connection_termination = 7;
  bool upstream_overflow = 8; bool no_route_found = 9; bool delay_injected = 10; bool fault_injected = 11; bool rate_limited = 12;
  Unauthorized unauthorized_details = 13; bool rate_limit_service_error = 14; bool downstream_connection_termination = 15;
  bool upstream_retry_limit_exceeded = 16; bool stream_idle_timeout = 17; bool invalid_envoy_request_headers = 18;
  bool downstream_protocol_error = 19; bool upstream_max_stream_duration_reached = 20; bool response_from_cache_filter = 21;
  bool no_filter_config_found = 22; bool duration_timeout = 23; bool upstream_protocol_error = 24; bool no_cluster_found = 25;
  bool overload_manager = 26; bool dns_resolution_failure = 27;
}
message HTTPRequestProperties {
  envoy.config.core.v3.RequestMethod request_method = 1; string scheme = 2; string authority = 3; string path = 5;
  string user_agent = 6; string forwarded_for = 8; string request_id = 9; string original_path = 10;
  uint64 request_body_bytes = 12; map<string, string> request_headers = 13;
}
message HTTPResponseProperties {
  google.protobuf.UInt32Value response_code = 1; uint64 response_body_bytes = 3; map<string, string> response_headers = 4;
  string response_code_details = 6;
}`,

  // envoy/service/accesslog/v3/als.proto (TCP entries are not read: the field is left out, so they are skipped).
  `syntax = "proto3";
package envoy.service.accesslog.v3;
message StreamAccessLogsResponse {}
message StreamAccessLogsMessage {
  message Identifier { envoy.config.core.v3.Node node = 1; string log_name = 2; }
  message HTTPAccessLogEntries { repeated envoy.data.accesslog.v3.HTTPAccessLogEntry log_entry = 1; }
  Identifier identifier = 1;
  oneof log_entries { HTTPAccessLogEntries http_logs = 2; }
}
service AccessLogService { rpc StreamAccessLogs(stream StreamAccessLogsMessage) returns (StreamAccessLogsResponse); }`,
];

/**
 * How messages look in JS: proto field names (snake_case, as Envoy's docs spell them), 64-bit integers as
 * numbers (durations and byte counts stay far below 2^53), enums by name, unset fields absent (so "not sent"
 * and "zero" differ for messages), and a oneof's chosen member named.
 */
export const protoOptions = { keepCase: true, longs: Number, enums: String, defaults: false, oneofs: true } as const;

let definition: PackageDefinition | undefined;

/** The package definition @grpc/grpc-js serves and calls from, parsed once. */
export function envoyProtos(): PackageDefinition {
  if (definition) return definition;
  const root = new protobuf.Root();
  // Imports are not followed (there are no files): every type lands in the one root, resolved across texts.
  for (const text of files) protobuf.parse(text, root, { keepCase: true });
  root.resolveAll();
  definition = fromJSON(root.toJSON(), protoOptions);
  return definition;
}
