import { pino } from 'pino';
import type { CallRecord, SnapshotData } from '@tollgate/domain';
import { createGatewayApp, type GatewayDeps } from '../app';
import { CallMeter } from '../meter/call-meter';
import { MemoryLimiter } from '@tollgate/limiter';
import { SnapshotHolder } from '../snapshot/snapshot-source';
import { createRestUpstreams } from '../rest/upstreams';
import { attachRestUpgrades } from '../rest/websocket';
import { startHttpServer } from '../http/server';

/** A gateway on a real loopback port with a collecting meter sink, for tests that need real sockets. */
export async function startTestGateway(snapshot: SnapshotData | null, deps: Partial<GatewayDeps> = {}) {
  const records: CallRecord[] = [];
  const snapshots = new SnapshotHolder();
  if (snapshot) snapshots.install(snapshot);
  const meter = new CallMeter({ sink: { write: (batch) => void records.push(...batch) }, logger: pino({ level: 'silent' }), flushIntervalMs: 50 });
  const limiter = new MemoryLimiter();
  const restUpstreams = deps.restUpstreams ?? createRestUpstreams();
  const app = createGatewayApp({ snapshots, meter, limiter, logger: pino({ level: 'silent' }), upstreamTimeoutMs: 5_000, restUpstreams, ...deps });
  const http = startHttpServer({ fetch: app.fetch, hostname: '127.0.0.1', port: 0, requestTimeoutMs: 30_000 });
  const server = http.server;
  attachRestUpgrades(server, (request, env) => app.fetch(request, env));
  const port = await http.listening;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    snapshots,
    meter,
    restUpstreams,
    server,
    /** The SIGTERM path: sheds clients and waits for the calls in flight. */
    drain: http.drain,
    records,
    /** Flushes the meter and returns every record so far. */
    async flushed(): Promise<CallRecord[]> {
      await meter.flush();
      return records;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      restUpstreams.close();
      limiter.close();
      // As the runtime does: checks still waiting for their access-log entry are recorded before the last flush.
      app.extAuthz.completions?.close();
      await meter.close();
    },
  };
}
