import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { SnapshotHolder, createGatewayRuntime, startHttpServer, type CallMeter, type GatewayDeps } from '@tollgate/gateway';
import type { GatewayConfigEnv } from '@tollgate/gateway/config';
import { createCallRecordWriter, createPortalRuntime, isEventStream, releaseSnapshotWaiters, type PortalConfig, type PortalRuntime, type PromptRunner } from '@tollgate/portal';
import { startCallRecordWriterThread } from './call-record-worker';

export interface AllInOne {
  portal: PortalRuntime;
  gatewayApp: ReturnType<typeof createGatewayRuntime>['app'];
  meter: CallMeter;
  portalServer: Server;
  gatewayServer: Server;
  portalUrl: string;
  gatewayUrl: string;
  /** Drains both servers, flushes the meter into the database, then closes it; says how many records were given up. */
  close(): Promise<{ lostRecords: number }>;
}

export interface AllInOneHooks {
  /** Sees every SQL statement the process runs (tests prove the gateway runs none). */
  onStatement?: (sql: string) => void;
  gateway?: Partial<GatewayDeps>;
}

/**
 * The embedded default (DESIGN §2): portal and gateway in one process on SQLite. The gateway is handed each
 * snapshot in memory and its call records go straight to the database, with the same interfaces the split
 * shape uses over HTTP.
 */
export async function startAllInOne(portalConfig: PortalConfig, gatewayConfig: GatewayConfigEnv, logger: Logger, hooks: AllInOneHooks = {}): Promise<AllInOne> {
  // Prompt test runs go from the portal to the gateway in memory, authenticated like the split shape's channel.
  const runToken = gatewayConfig.TOLLGATE_INTERNAL_TOKEN ?? randomBytes(32).toString('base64url');
  let gatewayApp: ReturnType<typeof createGatewayRuntime>['app'] | undefined;
  const promptRunner: PromptRunner = async (run) => {
    if (!gatewayApp) return { status: 503, body: { error: { code: 'starting', message: 'The gateway is still starting.', requestId: '' } } };
    const res = await gatewayApp.request('/internal/prompt-runs', {
      method: 'POST',
      headers: { authorization: `Bearer ${runToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(run),
    });
    if (isEventStream(res.headers.get('content-type')) && res.body) return { status: res.status, stream: res.body };
    return { status: res.status, body: await res.json() };
  };
  // Unless TOLLGATE_PUBLIC_GATEWAY_URL says otherwise, the web app's code samples name this process's gateway.
  let gatewayUrl: string | undefined;
  const portal = await createPortalRuntime(portalConfig, logger, { onStatement: hooks.onStatement, promptRunner, ownGatewayUrl: () => gatewayUrl });
  // The meter's batches are written on a thread of their own (ADR 0029), off the loop that serves requests. A
  // private :memory: database cannot be opened a second time, so there the portal's connection writes them; on
  // PostgreSQL the portal's pool does (the work is the server's, ADR 0040).
  const onSqliteFile = !portalConfig.databaseUrl && portalConfig.dbPath !== ':memory:';
  const writerThread = onSqliteFile ? startCallRecordWriterThread({ dbPath: portalConfig.dbPath, logger, onStatement: hooks.onStatement }) : undefined;
  const sink = writerThread ?? { write: createCallRecordWriter(portal.db) };
  const snapshots = new SnapshotHolder();
  // A change to keys, apps or subscriptions comes with a delta, applied without re-indexing (ADR 0032).
  portal.publisher.subscribe((snapshot, delta) => snapshots.install(snapshot, delta));
  const gateway = createGatewayRuntime(gatewayConfig, {
    snapshots,
    sink,
    logger,
    overrides: { internalToken: runToken, ...hooks.gateway },
  });
  gatewayApp = gateway.app;
  await gateway.limiterReady();
  const portalHttp = startHttpServer({ fetch: portal.app.fetch, hostname: portalConfig.host, port: portalConfig.port, requestTimeoutMs: portalConfig.requestTimeoutMs });
  const gatewayHttp = startHttpServer({
    fetch: gateway.app.fetch,
    hostname: gatewayConfig.TOLLGATE_GATEWAY_HOST,
    port: gatewayConfig.TOLLGATE_GATEWAY_PORT,
    requestTimeoutMs: gatewayConfig.TOLLGATE_REQUEST_TIMEOUT_MS,
  });
  // WebSocket APIs of REST services arrive on the server's upgrade event.
  gateway.attach(gatewayHttp.server);
  // Envoy's ext_authz and access log services, when TOLLGATE_EXT_AUTHZ_GRPC_PORT is set.
  const extAuthzGrpc = gateway.startExtAuthzGrpc();
  const [portalPort, gatewayPort] = await Promise.all([portalHttp.listening, gatewayHttp.listening, extAuthzGrpc?.listening]);
  gatewayUrl = `http://${gatewayConfig.TOLLGATE_GATEWAY_HOST}:${gatewayPort}`;
  return {
    portal,
    gatewayApp: gateway.app,
    meter: gateway.meter,
    portalServer: portalHttp.server,
    gatewayServer: gatewayHttp.server,
    portalUrl: `http://${portalConfig.host}:${portalPort}`,
    gatewayUrl,
    async close() {
      // Separate gateways long-polling this process's internal channel are answered first (ADR 0038).
      releaseSnapshotWaiters(portal.publisher);
      await Promise.all([portalHttp.drain(), gatewayHttp.drain(), extAuthzGrpc?.drain()]);
      // Flush before the database closes: no call record is lost on a clean stop. The meter's last batches
      // are committed by the thread before it closes its connection, and that before the portal closes its own.
      const { lostRecords } = await gateway.close();
      await writerThread?.close();
      await portal.close();
      return { lostRecords };
    },
  };
}
