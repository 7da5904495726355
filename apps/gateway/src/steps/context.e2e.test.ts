import { afterAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { pino } from 'pino';
import type { GatewayEnv } from '../env';
import { startHttpServer } from '../http/server';
import { trustedProxies } from '../identity/trusted-proxies';
import { SnapshotHolder } from '../snapshot/snapshot-source';
import { testSnapshot } from '../testing/test-snapshot';
import { contextStep } from './context';

/**
 * The context step on a real socket: the peer address is what Node reports. The server listens on `::`
 * (dual stack), so a call to 127.0.0.1 arrives from `::ffff:127.0.0.1` and one to [::1] from `::1`.
 */
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});

async function serve(entries: string[], hops: number | null = null) {
  const snapshots = new SnapshotHolder();
  snapshots.install(testSnapshot({ providerUrl: 'http://127.0.0.1:9/v1' }));
  const app = new Hono<GatewayEnv>();
  app.use('*', contextStep({ snapshots, logger: pino({ level: 'silent' }), trustedProxies: trustedProxies(entries, hops), meshJwtPayloadHeader: 'x-jwt-payload' }));
  app.get('/', (c) => c.json({ clientIp: c.get('clientIp'), payload: c.get('meshJwtPayload') ?? null, header: c.get('meshJwtPayloadHeader') ?? null }));
  const http = startHttpServer({ fetch: app.fetch, hostname: '::', port: 0, requestTimeoutMs: 5_000 });
  const port = await http.listening;
  closers.push(() => new Promise<void>((resolve) => http.server.close(() => resolve())));
  return async (host: string, headers: Record<string, string>) => {
    const res = await fetch(`http://${host}:${port}/`, { headers });
    return (await res.json()) as { clientIp: string; payload: string | null; header: string | null };
  };
}

const forwarded = { 'x-forwarded-for': '6.6.6.6, 198.51.100.7', 'x-jwt-payload': 'eyJpc3MiOiJ4In0' };

describe('the context step behind a proxy', () => {
  it('trusts an IPv4-mapped peer by an IPv4 range, and reports it as IPv4 when untrusted', async () => {
    const call = await serve(['127.0.0.0/8']);
    expect(await call('127.0.0.1', forwarded)).toEqual({ clientIp: '198.51.100.7', payload: 'eyJpc3MiOiJ4In0', header: 'x-jwt-payload' });
    // ::1 is not in 127.0.0.0/8: its claims (and the mesh payload) are ignored.
    expect(await call('[::1]', forwarded)).toEqual({ clientIp: '::1', payload: null, header: 'x-jwt-payload' });
  });

  it('trusts an IPv6 peer by an IPv6 entry', async () => {
    const call = await serve(['::1/128']);
    expect((await call('[::1]', forwarded)).clientIp).toBe('198.51.100.7');
    expect(await call('127.0.0.1', forwarded)).toEqual({ clientIp: '127.0.0.1', payload: null, header: 'x-jwt-payload' });
  });

  it('applies the hop count only to a trusted peer', async () => {
    const call = await serve(['127.0.0.1'], 2);
    expect((await call('127.0.0.1', forwarded)).clientIp).toBe('6.6.6.6');
    expect((await call('[::1]', forwarded)).clientIp).toBe('::1');
  });
});
