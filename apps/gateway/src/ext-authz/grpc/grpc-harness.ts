import { credentials, type Client, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { pino } from 'pino';
import type { SnapshotData } from '@tollgate/domain';
import { startTestGateway } from '../../testing/gateway-harness';
import { startExtAuthzGrpcServer, envoyServices } from './server';
import { envoyProtos } from './protos';
import type { WireCheckRequest, WireCheckResponse } from './check-service';

/**
 * A test gateway with its ext_authz gRPC server on a loopback port, and clients built from the same protos,
 * as Envoy's are from Envoy's: real HTTP/2, real protobuf on the wire.
 */
export async function startGrpcGateway(snapshot: SnapshotData | null, deps: Parameters<typeof startTestGateway>[1] = {}) {
  const gateway = await startTestGateway(snapshot, deps);
  const { pipeline, trustedProxies, onAccessLogs } = gateway.app.extAuthz;
  const grpc = startExtAuthzGrpcServer({ pipeline, trustedProxies, onAccessLogs, logger: pino({ level: 'silent' }), hostname: '127.0.0.1', port: 0 });
  const address = `127.0.0.1:${await grpc.listening}`;
  const services = envoyServices() as unknown as { authorization: ServiceClientConstructor; accessLog: ServiceClientConstructor };
  const authz = new services.authorization(address, credentials.createInsecure()) as Client & Record<string, Function>;
  const als = new services.accessLog(address, credentials.createInsecure()) as Client & Record<string, Function>;
  return {
    gateway,
    grpc,
    als,
    /** One Check call: its CheckResponse, or the gRPC error it failed with. */
    check(request: WireCheckRequest | object): Promise<{ response?: WireCheckResponse; error?: ServiceError }> {
      return new Promise((resolve) =>
        authz.Check(request, (error: ServiceError | null, response: WireCheckResponse) => resolve(error ? { error } : { response })),
      );
    },
    async close() {
      authz.close();
      als.close();
      await grpc.drain(1_000);
      await gateway.close();
    },
  };
}

export type GrpcGateway = Awaited<ReturnType<typeof startGrpcGateway>>;

let sequence = 0;

/**
 * A CheckRequest as Envoy's ext_authz filter sends it for a client's call: the downstream and local socket
 * addresses, the request's id, method, path (query included), host, scheme and protocol, and its headers
 * with the HTTP/2 pseudo-headers among them.
 */
export function envoyCheck(method: string, path: string, headers: Record<string, string> = {}, o: { clientIp?: string; host?: string } = {}) {
  const requestId = `5a1c2e3f-7b8d-4c0e-9f1a-${String(++sequence).padStart(12, '0')}`;
  const host = o.host ?? 'pets.example.org';
  const now = Date.now();
  const request = {
    attributes: {
      source: { address: { socket_address: { address: o.clientIp ?? '203.0.113.7', port_value: 52114 } } },
      destination: { address: { socket_address: { address: '10.8.0.12', port_value: 8080 } } },
      request: {
        time: { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1e6 },
        http: {
          id: requestId,
          method,
          path,
          host,
          scheme: 'http',
          protocol: 'HTTP/1.1',
          size: 0,
          headers: {
            ':authority': host,
            ':path': path,
            ':method': method,
            ':scheme': 'http',
            'user-agent': 'curl/8.5.0',
            accept: '*/*',
            'x-request-id': requestId,
            'x-forwarded-for': '198.51.100.23',
            'x-forwarded-proto': 'http',
            'x-envoy-internal': 'true',
            ...headers,
          },
        },
      },
    },
  };
  return { request, requestId };
}

const statusCodes = (envoyProtos()['envoy.type.v3.StatusCode'] as unknown as { type: { value: { name: string; number: number }[] } }).type.value;

/** The number of an `envoy.type.v3.StatusCode` the client decoded by name (`TooManyRequests` → 429). */
export const httpStatusNumber = (name: string | number) => (typeof name === 'number' ? name : statusCodes.find((v) => v.name === name)?.number);

/** A denial's headers by name, for assertions. */
export const headersOf = (options: { header: { key: string; value: string } }[] | undefined) =>
  Object.fromEntries((options ?? []).map((o) => [o.header.key, o.header.value]));

/** Opens a stream, writes `messages`, ends it, and resolves with how the server answered. */
export function streamAccessLogs(g: GrpcGateway, messages: object[], end = true) {
  let call: { write(m: object): void; end(): void } | undefined;
  const answered = new Promise<{ error: ServiceError | null; response: unknown }>((resolve) => {
    call = g.als.StreamAccessLogs((error: ServiceError | null, response: unknown) => resolve({ error, response }));
  });
  for (const m of messages) call!.write(m);
  if (end) call!.end();
  return answered;
}

const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
const duration = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: Math.round((ms % 1000) * 1e6) });

/**
 * An `HTTPAccessLogEntry` as Envoy's HTTP gRPC access logger fills it for a call the ingress served: 1,250 ms to
 * the last byte, 42 bytes in, 1,337 out (`bytesOut` to change it), through `authority` (pets.example.org).
 */
export const envoyAccessLogEntry = (o: { requestId: string; method: string; path: string; status?: number; flags?: object; headers?: Record<string, string>; authority?: string; bytesOut?: number }) => ({
  common_properties: {
    downstream_remote_address: { socket_address: { address: '203.0.113.7', port_value: 52114 } },
    start_time: ts(1_796_000_000_123),
    time_to_last_rx_byte: duration(1),
    time_to_first_upstream_rx_byte: duration(41.5),
    time_to_last_downstream_tx_byte: duration(1_250.25),
    upstream_cluster: 'outbound|8080||pets.default.svc.cluster.local',
    response_flags: o.flags ?? {},
    route_name: 'default',
    duration: duration(1_251),
  },
  protocol_version: 'HTTP11',
  request: {
    request_method: o.method,
    scheme: 'http',
    authority: o.authority ?? 'pets.example.org',
    path: o.path,
    user_agent: 'curl/8.5.0',
    forwarded_for: '198.51.100.23',
    request_id: o.requestId,
    request_body_bytes: 42,
    request_headers: o.headers ?? {},
  },
  response: o.status === undefined ? { response_body_bytes: 0 } : { response_code: { value: o.status }, response_body_bytes: o.bytesOut ?? 1_337, response_code_details: 'via_upstream' },
});

