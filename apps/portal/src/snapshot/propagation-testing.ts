import { pino } from 'pino';
import { startHttpServer, type HttpServer } from '@tollgate/gateway';
import { createPortalFixture, type PortalFixture } from '../testing/portal-fixture';

/** Shared by the long-poll and Redis tests (ADR 0038): a real portal on a loopback port, and a way to time a change. */
export const internalToken = 'internal-token-for-propagation-0123456789';
export const silent = pino({ level: 'silent' });

export interface ServedPortal {
  f: PortalFixture;
  http: HttpServer;
  url: string;
  /** One committed change the gateway serves (a new API key, a delta): resolves when the API has answered. */
  change(): Promise<void>;
  close(): Promise<void>;
}

export async function servePortal(): Promise<ServedPortal> {
  const f = await createPortalFixture({ settings: { internalToken } });
  const http = startHttpServer({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0, requestTimeoutMs: 5_000 });
  const url = `http://127.0.0.1:${await http.listening}`;
  const team = await f.createTeam({ slug: `propagation-${Math.random().toString(36).slice(2, 8)}` });
  const { body } = await f.api('POST', `/api/teams/${team.id}/apps`, { cookie: f.admin.cookie, body: { name: 'gateway-news' }, expect: 201 });
  // The publisher compiles after the writing request answers: wait for it, so tests start level.
  const written = await f.revision();
  await msUntil(() => f.publisher.current().revision === written);
  let n = 0;
  return {
    f,
    http,
    url,
    async change() {
      await f.api('POST', `/api/apps/${body.app.id}/keys`, { cookie: f.admin.cookie, body: { name: `key-${++n}` }, expect: 201 });
    },
    async close() {
      await http.drain(1_000);
      await f.close();
    },
  };
}

/** Resolves when `check` holds (looked at every millisecond), with the milliseconds it took; throws past `limitMs`. */
export async function msUntil(check: () => boolean, limitMs = 5_000): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > limitMs) throw new Error(`not true within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
  return performance.now() - started;
}

/**
 * Makes `times` changes one after another and times each from just before its write (an upper bound of the time
 * from its commit) to the gateway serving a newer revision; returns the sorted times.
 */
export async function timeChanges(portal: ServedPortal, served: () => number | undefined, times = 5): Promise<number[]> {
  const took: number[] = [];
  for (let i = 0; i < times; i++) {
    const before = served();
    const started = performance.now();
    await portal.change();
    await msUntil(() => (served() ?? 0) > (before ?? 0));
    took.push(performance.now() - started);
  }
  return took.sort((a, b) => a - b);
}

export const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)]!;
