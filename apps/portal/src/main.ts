import { pino } from 'pino';
import { startHttpServer } from '@tollgate/gateway';
import { parsePortalConfig } from './config';
import { announceFirstAdmin, createPortalRuntime } from './runtime';
import { releaseSnapshotWaiters } from './snapshot/revision-notify';

// The portal on its own (the scaled-out shape): gateways pull snapshots from it with TOLLGATE_INTERNAL_TOKEN.
const config = parsePortalConfig(process.env);
const logger = pino({ level: config.logLevel });
const runtime = await createPortalRuntime(config, logger);
announceFirstAdmin(runtime);
const http = startHttpServer({ fetch: runtime.app.fetch, hostname: config.host, port: config.port, requestTimeoutMs: config.requestTimeoutMs });
void http.listening.then((port) => logger.info({ port }, 'portal listening'));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    // Gateways holding a long-poll are answered now; else the drain would wait out their wait (up to 60 s).
    releaseSnapshotWaiters(runtime.publisher);
    void http
      .drain()
      .catch((err) => logger.error({ err }, 'draining the server failed'))
      .then(() => runtime.close())
      .finally(() => process.exit(0));
  });
}
