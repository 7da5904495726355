import type { Logger } from 'pino';
import { otlpTracesUrl, type GatewayConfigEnv } from './config';
import { createCallTracer } from './observability/call-tracer';
import { capturedBytesOf } from './capture/body-capture';
import { createGatewayApp, type GatewayDeps } from './app';
import { CallMeter, type CallRecordSink } from './meter/call-meter';
import { MemoryLimiter, RedisLimiter, type Limiter } from '@tollgate/limiter';
import type { SnapshotSource } from './snapshot/snapshot-source';
import { createRestUpstreams } from './rest/upstreams';
import { ConnectTimeouts } from './rest/connector';
import type { UpstreamTls } from './rest/upstream-tls';
import { Agent } from 'undici';
import { attachRestUpgrades } from './rest/websocket';
import type { Server } from 'node:http';
import { MemoryResponseStore } from './responses/memory-response-store';
import { RedisResponseStore } from './responses/redis-response-store';
import type { ResponseStore } from './responses/response-store';
import { createTokenizerCounter } from './limits/input-tokens';
import { startExtAuthzGrpcServer, type ExtAuthzGrpcServer } from './ext-authz/grpc/server';

/** The upstream TLS settings as the app takes them, or undefined when none is set. */
function upstreamTlsOf(config: GatewayConfigEnv): UpstreamTls | undefined {
  const [cert, key, ca] = [config.TOLLGATE_UPSTREAM_TLS_CERT_FILE, config.TOLLGATE_UPSTREAM_TLS_KEY_FILE, config.TOLLGATE_UPSTREAM_TLS_CA_FILE];
  return cert || key || ca ? { cert: cert?.pem, key: key?.pem, ca: ca?.pem } : undefined;
}

/**
 * The gateway assembled from its configuration: the same code whether it runs beside the portal (snapshot in
 * memory, records to the database) or on its own (snapshot pulled, records pushed). Only the source and the
 * sink differ.
 */
export function createGatewayRuntime(
  config: GatewayConfigEnv,
  parts: { snapshots: SnapshotSource; sink: CallRecordSink; logger: Logger; overrides?: Partial<GatewayDeps> },
) {
  const meter = new CallMeter({
    sink: parts.sink,
    logger: parts.logger,
    flushIntervalMs: config.TOLLGATE_METER_FLUSH_MS,
    batchSize: config.TOLLGATE_METER_BATCH_SIZE,
    maxBuffered: config.TOLLGATE_METER_MAX_BUFFERED,
    shutdownRetryMs: config.TOLLGATE_METER_SHUTDOWN_RETRY_MS,
    maxBufferedBodyBytes: config.TOLLGATE_METER_MAX_BUFFERED_BODY_BYTES,
    bodyBytesOf: capturedBytesOf,
  });
  // With Redis every gateway shares one set of counters; without it each counts alone (the embedded default).
  const limiter: Limiter = config.TOLLGATE_REDIS_URL
    ? new RedisLimiter(config.TOLLGATE_REDIS_URL, { commandTimeoutMs: config.TOLLGATE_LIMITER_TIMEOUT_MS, logger: parts.logger })
    : new MemoryLimiter();
  // Stored Responses follow the limiter: shared by every gateway on Redis, each gateway's own in memory.
  const responseStore: ResponseStore = config.TOLLGATE_REDIS_URL
    ? new RedisResponseStore(config.TOLLGATE_REDIS_URL, { logger: parts.logger })
    : new MemoryResponseStore({ maxEntries: config.TOLLGATE_RESPONSE_STORE_MAX_ENTRIES, maxBytes: config.TOLLGATE_RESPONSE_STORE_MAX_BYTES });
  const tracesUrl = otlpTracesUrl(config);
  const tracer = tracesUrl ? createCallTracer({ url: tracesUrl, headers: config.OTEL_EXPORTER_OTLP_HEADERS, serviceName: config.OTEL_SERVICE_NAME }) : undefined;
  if (tracesUrl) parts.logger.info({ url: tracesUrl }, 'exporting a span per call over OTLP/HTTP');
  // The gateway's one upstream TLS identity and extra CAs (ADR 0037), for calls and, below, health probes alike.
  const upstreamTls = upstreamTlsOf(config);
  // Probes keep their own small pool (as RestUpstreams' default); with TLS settings it must present them too, or
  // a probe to an ingress that demands a client certificate would mark the ingress down.
  const probeAgent = upstreamTls ? new Agent({ connections: 2, keepAliveTimeout: 30_000, connect: new ConnectTimeouts(upstreamTls).connect }) : undefined;
  // Health checks of REST upstreams run in this process, off the request path; stopped by close().
  const restUpstreams = parts.overrides?.restUpstreams ?? createRestUpstreams({ logger: parts.logger, dispatcher: probeAgent });
  // OpenAI's tokenizers load now, before the first call, not on it (a quarter of a second each).
  const inputTokens = createTokenizerCounter();
  inputTokens.preload();
  const app = createGatewayApp({
    tracer,
    inputTokens,
    restUpstreams,
    upstreamTls,
    snapshots: parts.snapshots,
    meter,
    limiter,
    logger: parts.logger,
    trustedProxies: config.TOLLGATE_TRUSTED_PROXIES,
    trustedHops: config.TOLLGATE_TRUSTED_HOPS,
    meshJwtPayloadHeader: config.TOLLGATE_MESH_JWT_PAYLOAD_HEADER,
    meshJwtClaimHeaders: config.TOLLGATE_MESH_JWT_CLAIM_HEADERS,
    workloadIdentity: config.TOLLGATE_MESH_WORKLOAD_IDENTITY === 'xfcc' ? 'xfcc' : undefined,
    extAuthzPathPrefix: config.TOLLGATE_EXT_AUTHZ_PATH_PREFIX,
    extAuthzAccessLogWaitMs: config.TOLLGATE_EXT_AUTHZ_ACCESS_LOG_WAIT_MS,
    upstreamTimeoutMs: config.TOLLGATE_UPSTREAM_TIMEOUT_MS,
    upstreamTotalTimeoutMs: config.TOLLGATE_UPSTREAM_TOTAL_TIMEOUT_MS,
    retry: { rounds: config.TOLLGATE_UPSTREAM_RETRIES, maxBackoffMs: config.TOLLGATE_UPSTREAM_MAX_BACKOFF_MS },
    circuitBreaker: { failureThreshold: config.TOLLGATE_CIRCUIT_FAILURES, openMs: config.TOLLGATE_CIRCUIT_OPEN_MS },
    limiterUnavailable: config.TOLLGATE_LIMITER_ON_UNAVAILABLE,
    reserveOutputTokens: config.TOLLGATE_RESERVE_OUTPUT_TOKENS,
    captureMaxBytes: config.TOLLGATE_CAPTURE_MAX_BYTES,
    internalToken: config.TOLLGATE_INTERNAL_TOKEN,
    responseStore,
    responseStoreTtlMs: config.TOLLGATE_RESPONSE_STORE_TTL_SECONDS * 1_000,
    ...parts.overrides,
  });
  return {
    app,
    meter,
    /** Hooks the Node server's `upgrade` event, so WebSocket APIs of REST services can be proxied. */
    attach(server: unknown): void {
      attachRestUpgrades(server as Server, (request, env) => app.fetch(request, env));
    },
    /**
     * Starts Envoy's ext_authz and access log gRPC services when `TOLLGATE_EXT_AUTHZ_GRPC_PORT` is set, on the
     * gateway's host like its HTTP port; the caller drains it with the HTTP server on SIGTERM.
     */
    startExtAuthzGrpc(): ExtAuthzGrpcServer | undefined {
      if (config.TOLLGATE_EXT_AUTHZ_GRPC_PORT === undefined) return undefined;
      const { pipeline, trustedProxies, onAccessLogs } = app.extAuthz;
      return startExtAuthzGrpcServer({ pipeline, trustedProxies, onAccessLogs, logger: parts.logger, hostname: config.TOLLGATE_GATEWAY_HOST, port: config.TOLLGATE_EXT_AUTHZ_GRPC_PORT });
    },
    /**
     * Waits (up to `waitMs`) for the shared limiter's connection, so a starting gateway does not count its first
     * calls alone; past that it serves anyway, each limit degrading as its plan chose until Redis answers.
     */
    async limiterReady(waitMs = 3_000): Promise<void> {
      if (!(limiter instanceof RedisLimiter)) return;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), waitMs)));
      // The response store shares the URL: its fast-failing client would lose the first writes too.
      const connected = Promise.all([limiter.ready(), responseStore instanceof RedisResponseStore ? responseStore.ready() : undefined]);
      const late = await Promise.race([connected.then(() => false), timedOut]);
      clearTimeout(timer);
      if (late) parts.logger.warn({ waitMs }, 'Redis is not answering: serving with each limit in its degraded mode until it does');
    },
    /**
     * Stops counting and flushes what the meter still holds: no call record is lost on a clean stop unless the
     * store stays unreachable past the meter's shutdown retry; `lostRecords` says how many were given up.
     */
    async close(): Promise<{ lostRecords: number }> {
      // The meter first: its records settle reservations, which the limiter then flushes as it closes.
      restUpstreams.close();
      probeAgent?.destroy().catch(() => {});
      // After the servers drained: checks still waiting for their access-log entry are recorded as they stand.
      app.extAuthz.completions?.close();
      const { lost } = await meter.close();
      await limiter.close();
      await responseStore.close();
      // Spans of the last calls are batched too: send them before the process goes.
      await tracer?.close();
      return { lostRecords: lost };
    },
  };
}
