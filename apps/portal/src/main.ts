import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { drainServer } from '@tollgate/gateway';
import { parsePortalConfig } from './config';
import { announceFirstAdmin, createPortalRuntime } from './runtime';

// The portal on its own (the scaled-out shape): gateways pull snapshots from it with TOLLGATE_INTERNAL_TOKEN.
const config = parsePortalConfig(process.env);
const logger = pino({ level: config.logLevel });
const runtime = await createPortalRuntime(config, logger);
announceFirstAdmin(runtime);
const server = serve({ fetch: runtime.app.fetch, hostname: config.host, port: config.port }, (info) =>
  logger.info({ port: info.port }, 'portal listening'),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void drainServer(server)
      .catch((err) => logger.error({ err }, 'draining the server failed'))
      .then(() => runtime.close())
      .finally(() => process.exit(0));
  });
}
