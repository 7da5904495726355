import type { Logger } from 'pino';
import type { GatewayConfigEnv } from './config';
import { createGatewayApp, type GatewayDeps } from './app';
import { CallMeter, type CallRecordSink } from './meter/call-meter';
import { MemoryLimiter } from '@tollgate/limiter';
import type { SnapshotSource } from './snapshot/snapshot-source';

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
  });
  const limiter = new MemoryLimiter();
  const app = createGatewayApp({
    snapshots: parts.snapshots,
    meter,
    limiter,
    logger: parts.logger,
    trustedProxies: config.TOLLGATE_TRUSTED_PROXIES,
    upstreamTimeoutMs: config.TOLLGATE_UPSTREAM_TIMEOUT_MS,
    retry: { rounds: config.TOLLGATE_UPSTREAM_RETRIES, maxBackoffMs: config.TOLLGATE_UPSTREAM_MAX_BACKOFF_MS },
    circuitBreaker: { failureThreshold: config.TOLLGATE_CIRCUIT_FAILURES, openMs: config.TOLLGATE_CIRCUIT_OPEN_MS },
    ...parts.overrides,
  });
  return {
    app,
    meter,
    /** Stops counting and flushes what the meter still holds: no call record is lost on a clean stop. */
    async close() {
      limiter.close();
      await meter.close();
    },
  };
}
