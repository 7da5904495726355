import { pino } from 'pino';
import { parseGatewayConfig } from './config';
import { createGatewayRuntime } from './runtime';
import { createPortalSnapshotClient } from './snapshot/portal-snapshot-client';
import { subscribeToRevisions } from './snapshot/revision-subscriber';
import { createPortalCallRecordSink } from './meter/portal-call-record-sink';
import { createQueueCallRecordSink } from './meter/queue-call-record-sink';
import { startHttpServer } from './http/server';

// The gateway on its own (DESIGN §2, scaled-out shape): it never opens the database; it pulls the compiled
// snapshot from the portal and sends call records back: as BullMQ jobs when Redis is configured (they wait
// in Redis while the portal restarts), else over the internal HTTP channel.
const config = parseGatewayConfig(process.env);
const logger = pino({ level: config.TOLLGATE_LOG_LEVEL });
if (!config.TOLLGATE_PORTAL_URL || !config.TOLLGATE_INTERNAL_TOKEN) {
  logger.fatal('A gateway on its own needs TOLLGATE_PORTAL_URL and TOLLGATE_INTERNAL_TOKEN (the same token the portal has).');
  process.exit(1);
}
const channel = { portalUrl: config.TOLLGATE_PORTAL_URL, internalToken: config.TOLLGATE_INTERNAL_TOKEN };
const snapshots = createPortalSnapshotClient({
  ...channel,
  pollMs: config.TOLLGATE_SNAPSHOT_POLL_MS,
  waitSeconds: config.TOLLGATE_SNAPSHOT_WAIT_SECONDS,
  logger,
});
snapshots.start();
// With Redis, the portals' announcements nudge a pull at once (ADR 0038); the long-poll stays on beside them,
// since it needs nothing of the portal's configuration and the announcements are best effort.
const revisions = config.TOLLGATE_REDIS_URL
  ? subscribeToRevisions({ redisUrl: config.TOLLGATE_REDIS_URL, logger, onRevision: (revision) => snapshots.nudge(revision) })
  : undefined;
const queueSink = config.TOLLGATE_REDIS_URL
  ? createQueueCallRecordSink({ redisUrl: config.TOLLGATE_REDIS_URL, prefix: config.TOLLGATE_CALL_RECORD_QUEUE_PREFIX, logger })
  : undefined;
const gateway = createGatewayRuntime(config, { snapshots: snapshots.source, sink: queueSink ?? createPortalCallRecordSink(channel), logger });
await gateway.limiterReady();
const http = startHttpServer({
  fetch: gateway.app.fetch,
  hostname: config.TOLLGATE_GATEWAY_HOST,
  port: config.TOLLGATE_GATEWAY_PORT,
  requestTimeoutMs: config.TOLLGATE_REQUEST_TIMEOUT_MS,
});
void http.listening.then((port) => logger.info({ port }, 'gateway listening'));
gateway.attach(http.server);
// Envoy's ext_authz and access log services (TOLLGATE_EXT_AUTHZ_GRPC_PORT); like the HTTP port, a failure to
// bind stops the process.
const grpc = gateway.startExtAuthzGrpc();
void grpc?.listening.then((port) => logger.info({ port }, 'ext_authz gRPC listening'));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    snapshots.stop();
    void revisions?.close();
    // In-flight calls finish (bounded) before the meter's last flush, so their records are complete. Records
    // given up after the meter's shutdown retry make the exit code 1 (the log line says how many).
    void Promise.all([http.drain(), grpc?.drain()])
      .then(() => gateway.close())
      .then(async ({ lostRecords }) => {
        await queueSink?.close();
        process.exit(lostRecords > 0 ? 1 : 0);
      })
      .catch((err) => {
        logger.error({ err }, 'stopping the gateway failed');
        process.exit(1);
      });
  });
}
