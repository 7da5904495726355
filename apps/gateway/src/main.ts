import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { createGatewayApp } from './app';
import { parseGatewayConfig } from './config';
import { createPortalSnapshotClient } from './snapshot/portal-snapshot-client';
import { CallMeter } from './meter/call-meter';
import { createPortalCallRecordSink } from './meter/portal-call-record-sink';
import { MemoryLimiter } from './limiter/memory-limiter';

// The gateway on its own (DESIGN §2, scaled-out shape): it never opens the database; it pulls the compiled
// snapshot from the portal and sends call records back.
const config = parseGatewayConfig(process.env);
const logger = pino({ level: config.TOLLGATE_LOG_LEVEL });
if (!config.TOLLGATE_PORTAL_URL || !config.TOLLGATE_INTERNAL_TOKEN) {
  logger.fatal('A gateway on its own needs TOLLGATE_PORTAL_URL and TOLLGATE_INTERNAL_TOKEN (the same token the portal has).');
  process.exit(1);
}
const channel = { portalUrl: config.TOLLGATE_PORTAL_URL, internalToken: config.TOLLGATE_INTERNAL_TOKEN };
const snapshots = createPortalSnapshotClient({ ...channel, pollMs: config.TOLLGATE_SNAPSHOT_POLL_MS, logger });
snapshots.start();
const meter = new CallMeter({
  sink: createPortalCallRecordSink(channel),
  logger,
  flushIntervalMs: config.TOLLGATE_METER_FLUSH_MS,
  batchSize: config.TOLLGATE_METER_BATCH_SIZE,
  maxBuffered: config.TOLLGATE_METER_MAX_BUFFERED,
});
const limiter = new MemoryLimiter();
const app = createGatewayApp({
  snapshots: snapshots.source,
  meter,
  limiter,
  logger,
  trustedProxies: config.TOLLGATE_TRUSTED_PROXIES,
  upstreamTimeoutMs: config.TOLLGATE_UPSTREAM_TIMEOUT_MS,
});
const server = serve({ fetch: app.fetch, hostname: config.TOLLGATE_GATEWAY_HOST, port: config.TOLLGATE_GATEWAY_PORT }, (info) =>
  logger.info({ port: info.port }, 'gateway listening'),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    snapshots.stop();
    limiter.close();
    // Call records still buffered are sent before exit.
    void meter.close().finally(() => process.exit(0));
  });
}
