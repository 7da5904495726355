import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { freePort, startEntry, stopProcess, waitOk, type StartedProcess } from './testing/processes';
import { startChatLoad } from './testing/load-client';
import { countChatRecords, firstAdminPassword, seedChatConsumer, waitServing } from './testing/zero-loss';

/**
 * Issue 7's headline for the embedded default: `npm start` under load, then SIGTERM. The process stops
 * accepting, lets the calls in flight finish, flushes the meter, and exits; every answer a client received
 * whole has exactly one stored record. The flush interval stays at its default (1 s), so without the last
 * flush up to a second of records would be missing.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-sigterm-'));
let upstream: MockOpenAi;
let platform: StartedProcess | undefined;

beforeAll(async () => {
  // A provider that takes a little while, so plenty of calls are in flight when the signal comes.
  upstream = await startMockOpenAi({ apiKey: 'sk-up', firstByteDelayMs: 20, chunkDelayMs: 5 });
});
afterAll(async () => {
  if (platform) await stopProcess(platform.child);
  await upstream?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('SIGTERM under load (all-in-one process)', () => {
  it('stores exactly one record for every answer a client received, and nothing else', { timeout: 45_000 }, async () => {
    const portalPort = await freePort();
    const gatewayPort = await freePort();
    platform = startEntry('apps/all-in-one/src/main.ts', {
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_PORTAL_PORT: String(portalPort),
      TOLLGATE_GATEWAY_PORT: String(gatewayPort),
    });
    const portalUrl = `http://127.0.0.1:${portalPort}`;
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    await waitOk(`${portalUrl}/healthz`);
    const { secret, keyId } = await seedChatConsumer(portalUrl, await firstAdminPassword(platform.output), { url: upstream.url, key: 'sk-up' });
    await waitServing(gatewayUrl, secret);

    const load = startChatLoad({ baseURL: `${gatewayUrl}/v1`, apiKey: secret, concurrency: 50 });
    await new Promise((r) => setTimeout(r, 2_000));
    const answeredBeforeSignal = load.result.complete;
    const signalled = Date.now();
    platform.child.kill('SIGTERM');
    const [code] = (await once(platform.child, 'exit')) as [number | null];
    const exitedMs = Date.now() - signalled;
    const result = await load.done;

    const afterSignal = result.complete - answeredBeforeSignal;
    const stored = countChatRecords(path.join(dataDir, 'tollgate.db'), keyId);
    console.log(`all-in-one SIGTERM: ${result.complete} answers (${result.streamed} streamed, ${afterSignal} finished after the signal), ${result.failed} refused, ${stored.rows} records stored, exited ${exitedMs} ms after SIGTERM`);

    expect(code, platform.output()).toBe(0);
    expect(answeredBeforeSignal).toBeGreaterThan(25);
    expect(result.streamed).toBeGreaterThan(5);
    // Calls in flight at the signal were let finish (50 were running), and no new one was begun: each answer
    // after the signal closed its connection, streams included, and a call sent on a kept-alive connection
    // meanwhile was refused (issue 16: 36-38 calls used to be accepted up to 8.9 s after the signal, and the
    // stop took the full 10 s). Some calls begin between kill() here and the process handling the signal.
    expect(afterSignal).toBeGreaterThan(0);
    expect(afterSignal).toBeLessThan(2 * 50);
    expect(exitedMs).toBeLessThan(3_000);
    expect(stored).toEqual({ rows: result.complete, ids: result.complete, requests: result.complete });
    expect(platform.output()).not.toMatch(/"level":(50|60)/);
  });
});
