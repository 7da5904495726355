import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startEntry, stopProcess, waitOk } from './testing/processes';

// The entry points as an operator runs them: real processes, real ports, stopped with SIGTERM.
const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-proc-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const start = startEntry;
const stop = stopProcess;

describe('entry points', () => {
  it('npm start runs portal and gateway in one process, prints the admin password once, and stops cleanly', async () => {
    const env = { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PORTAL_PORT: String(await freePort()), TOLLGATE_GATEWAY_PORT: String(await freePort()) };
    const first = start('apps/all-in-one/src/main.ts', env);
    await waitOk(`http://127.0.0.1:${env.TOLLGATE_PORTAL_PORT}/healthz`);
    await waitOk(`http://127.0.0.1:${env.TOLLGATE_GATEWAY_PORT}/readyz`);
    expect(first.output()).toMatch(/password: \S{16,}/);
    expect(await stop(first.child)).toBe(0);

    const again = start('apps/all-in-one/src/main.ts', env);
    await waitOk(`http://127.0.0.1:${env.TOLLGATE_GATEWAY_PORT}/readyz`);
    expect(again.output()).not.toMatch(/password:/);
    expect(await stop(again.child)).toBe(0);
  });

  it('the portal and a gateway run as separate processes: the gateway becomes ready from the pulled snapshot', async () => {
    const token = 'a-shared-internal-token-of-32-chars-or-more';
    const portalPort = String(await freePort());
    const gatewayPort = String(await freePort());
    const portal = start('apps/portal/src/main.ts', { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PORTAL_PORT: portalPort, TOLLGATE_INTERNAL_TOKEN: token });
    await waitOk(`http://127.0.0.1:${portalPort}/healthz`);
    const gateway = start('apps/gateway/src/main.ts', {
      TOLLGATE_GATEWAY_PORT: gatewayPort,
      TOLLGATE_PORTAL_URL: `http://127.0.0.1:${portalPort}`,
      TOLLGATE_INTERNAL_TOKEN: token,
    });
    try {
      await waitOk(`http://127.0.0.1:${gatewayPort}/readyz`);
      const ready = (await (await fetch(`http://127.0.0.1:${gatewayPort}/readyz`)).json()) as { revision: number };
      expect(ready.revision).toBeGreaterThan(0);
    } finally {
      expect(await stop(gateway.child)).toBe(0);
      expect(await stop(portal.child)).toBe(0);
    }
  });

  it('a gateway on its own refuses to start without the portal channel, saying what is missing', async () => {
    const lonely = start('apps/gateway/src/main.ts', { TOLLGATE_GATEWAY_PORT: String(await freePort()) });
    const [code] = (await once(lonely.child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(lonely.output()).toMatch(/TOLLGATE_PORTAL_URL and TOLLGATE_INTERNAL_TOKEN/);
  });
});
