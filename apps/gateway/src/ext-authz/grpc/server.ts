import type { Server as NetServer, Socket } from 'node:net';
import { Server, ServerCredentials, loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { TrustedProxies } from '../../identity/trusted-proxies';
import type { CheckPipeline } from '../check-pipeline';
import { envoyProtos } from './protos';
import { checkHandler } from './check-service';
import { streamAccessLogsHandler, type AccessLogSink } from './access-log-service';
import { peerIp } from './peer';

export interface ExtAuthzGrpcOptions {
  pipeline: CheckPipeline;
  trustedProxies: TrustedProxies;
  onAccessLogs: AccessLogSink;
  logger: Logger;
  hostname: string;
  port: number;
}

export interface ExtAuthzGrpcServer {
  /** The port it listens on, once listening (the OS's choice for port 0); rejects when it cannot bind. */
  listening: Promise<number>;
  /**
   * Takes no new calls, lets the checks in flight finish, then answers every open access-log stream so Envoy
   * reconnects to another replica (after a short grace, for the logs of calls just checked); past `timeoutMs`
   * whatever is left is cut.
   */
  drain(timeoutMs?: number): Promise<void>;
}

type ServiceCtor = { service: ServiceDefinition };

/** The services Envoy calls, built from the same protos the tests' clients use. */
export function envoyServices() {
  const root = loadPackageDefinition(envoyProtos()) as unknown as {
    envoy: { service: { auth: { v3: { Authorization: ServiceCtor } }; accesslog: { v3: { AccessLogService: ServiceCtor } } } };
  };
  return { authorization: root.envoy.service.auth.v3.Authorization, accessLog: root.envoy.service.accesslog.v3.AccessLogService };
}

/**
 * Turns Nagle's algorithm off on every accepted connection, as node:http does for its own servers. grpc-js's
 * server leaves it on: a check's answer goes out as separate small writes (headers, message, trailers), and with
 * Nagle the later ones wait for the client's ACK of the first, which Linux delays up to 40 ms. The bench's gRPC
 * check p99 was 90-130 ms at 200-1,000 checks/s with it on. grpc-js exposes no option for it, so its listening
 * http2 servers (a private field) get a `connection` listener.
 */
function noDelayOnAccept(server: Server): number {
  const listeners = (server as unknown as { http2Servers?: Map<NetServer, unknown> }).http2Servers;
  for (const http2Server of listeners?.keys() ?? []) http2Server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  return listeners?.size ?? 0;
}

/**
 * The ext_authz gRPC server: `envoy.service.auth.v3.Authorization` (Istio's CUSTOM provider with
 * `envoyExtAuthzGrpc`) and `envoy.service.accesslog.v3.AccessLogService` (its `envoyHttpAls` provider) on one
 * plaintext HTTP/2 port, like the gateway's HTTP port the mesh reaches it over.
 */
export function startExtAuthzGrpcServer(o: ExtAuthzGrpcOptions): ExtAuthzGrpcServer {
  const server = new Server();
  const services = envoyServices();
  // getConnectionInfo names the socket's address directly; the peer string is its fallback.
  const peerOf = (call: { getPeer(): string; getConnectionInfo?: () => { remoteAddress?: string } }) =>
    peerIp(call.getConnectionInfo?.().remoteAddress ?? '') ?? peerIp(call.getPeer());
  const trusted = (peer: string | undefined) => peer !== undefined && !o.trustedProxies.empty && o.trustedProxies.has(peer);
  const streams = new Set<() => void>();
  server.addService(services.authorization.service, {
    Check: checkHandler({ pipeline: o.pipeline, trustedProxies: o.trustedProxies, peerOf, logger: o.logger }),
  });
  server.addService(services.accessLog.service, {
    StreamAccessLogs: streamAccessLogsHandler({ onAccessLogs: o.onAccessLogs, allowed: (peer) => trusted(peer), peerOf: (call) => peerOf(call) ?? '', logger: o.logger, streams }),
  });
  const host = o.hostname.includes(':') ? `[${o.hostname}]` : o.hostname;
  const listening = new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${o.port}`, ServerCredentials.createInsecure(), (err, port) => {
      if (err) return reject(err);
      // Said out loud if a grpc-js upgrade moves that field: checks would work, only slower.
      if (noDelayOnAccept(server) === 0) o.logger.warn('ext_authz gRPC: could not turn off Nagle on accepted connections (grpc-js internals changed); checks will be slower');
      resolve(port);
    });
  });

  function drain(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve) => {
      const answerStreams = setTimeout(() => {
        for (const answer of [...streams]) answer();
      }, Math.min(2_000, timeoutMs / 2));
      const cut = setTimeout(() => server.forceShutdown(), timeoutMs);
      answerStreams.unref();
      cut.unref();
      server.tryShutdown(() => {
        clearTimeout(answerStreams);
        clearTimeout(cut);
        resolve();
      });
    });
  }

  return { listening, drain };
}
