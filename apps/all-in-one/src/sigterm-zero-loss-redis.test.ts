import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRecordQueueName } from '@tollgate/jobs';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { freePort, startEntry, stopProcess, waitOk, type StartedProcess } from './testing/processes';
import { startChatLoad, type LoadResult } from './testing/load-client';
import { countChatRecords, firstAdminPassword, seedChatConsumer, waitForChatRecords, waitServing } from './testing/zero-loss';

/**
 * The scaled-out shape with Redis: a portal process and gateway processes, call records travelling as BullMQ
 * jobs. SIGTERM a gateway under load: every answer's record reaches the database through the portal's
 * worker. SIGTERM the portal while a gateway keeps queueing: the jobs wait in Redis and a restarted portal
 * stores each record exactly once.
 */
const token = 'zero-loss-internal-token-0123456789abcdef';
const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-sigterm-redis-'));
const dbPath = path.join(dataDir, 'tollgate.db');
let redis: TestRedis;
let upstream: MockOpenAi;
let portalPort: number;
let portal: StartedProcess | undefined;
const processes: StartedProcess[] = [];
/** Two gateways started together (a process start is most of these tests' time); each test stops one. */
let gateways: Array<{ process: StartedProcess; url: string }>;
let seeded: { secret: string; keyId: string };
const answered: LoadResult[] = [];
const totalAnswered = () => answered.reduce((n, r) => n + r.complete, 0);

function startPortal(): StartedProcess {
  return startEntry('apps/portal/src/main.ts', {
    TOLLGATE_DATA_DIR: dataDir,
    TOLLGATE_PORTAL_PORT: String(portalPort),
    TOLLGATE_INTERNAL_TOKEN: token,
    TOLLGATE_REDIS_URL: redis.url,
  });
}

async function startGateway(): Promise<{ process: StartedProcess; url: string }> {
  const port = await freePort();
  const process = startEntry('apps/gateway/src/main.ts', {
    TOLLGATE_GATEWAY_PORT: String(port),
    TOLLGATE_PORTAL_URL: `http://127.0.0.1:${portalPort}`,
    TOLLGATE_INTERNAL_TOKEN: token,
    TOLLGATE_REDIS_URL: redis.url,
    TOLLGATE_SNAPSHOT_POLL_MS: '200',
  });
  processes.push(process);
  const url = `http://127.0.0.1:${port}`;
  await waitServing(url, seeded.secret);
  return { process, url };
}

/** Load for `ms`, then SIGTERM the gateway; resolves with its exit code once the clients are done. */
async function loadThenStop(gateway: { process: StartedProcess; url: string }, ms: number, during?: () => Promise<void>) {
  const load = startChatLoad({ baseURL: `${gateway.url}/v1`, apiKey: seeded.secret, concurrency: 50 });
  if (during) {
    await new Promise((r) => setTimeout(r, ms / 2));
    await during();
    await new Promise((r) => setTimeout(r, ms / 2));
  } else {
    await new Promise((r) => setTimeout(r, ms));
  }
  gateway.process.child.kill('SIGTERM');
  const [code] = (await once(gateway.process.child, 'exit')) as [number | null];
  answered.push(await load.done);
  return code;
}

beforeAll(async () => {
  redis = await startRedisServer();
  upstream = await startMockOpenAi({ apiKey: 'sk-up', firstByteDelayMs: 20, chunkDelayMs: 5 });
  portalPort = await freePort();
  portal = startPortal();
  await waitOk(`http://127.0.0.1:${portalPort}/healthz`);
  seeded = await seedChatConsumer(`http://127.0.0.1:${portalPort}`, await firstAdminPassword(portal.output), { url: upstream.url, key: 'sk-up' });
  gateways = await Promise.all([startGateway(), startGateway()]);
}, 60_000);

afterAll(async () => {
  for (const p of processes) await stopProcess(p.child);
  if (portal) await stopProcess(portal.child);
  await upstream?.close();
  await redis?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('SIGTERM under load, records over BullMQ', () => {
  it('a gateway stopped under load delivers every answered call’s record through the queue', { timeout: 40_000 }, async () => {
    const gateway = gateways[0]!;
    const code = await loadThenStop(gateway, 2_000);
    expect(code, gateway.process.output()).toBe(0);
    const result = answered[0]!;
    expect(result.complete).toBeGreaterThan(25);
    expect(result.streamed).toBeGreaterThan(5);
    const stored = await waitForChatRecords(dbPath, seeded.keyId, result.complete);
    console.log(`gateway SIGTERM: ${result.complete} answers (${result.streamed} streamed), ${result.failed} refused, ${stored.rows} records stored via BullMQ`);
    expect(stored).toEqual({ rows: result.complete, ids: result.complete, requests: result.complete });
    expect(gateway.process.output()).not.toMatch(/"level":(50|60)/);
  });

  it('a portal stopped while jobs arrive leaves them queued, and its restart stores each record once', { timeout: 40_000 }, async () => {
    const gateway = gateways[1]!;
    const before = totalAnswered();
    // The portal gets SIGTERM halfway through the load: its worker finishes the job it is writing and stops.
    const gatewayCode = await loadThenStop(gateway, 2_000, async () => {
      expect(await stopProcess(portal!.child)).toBe(0);
    });
    expect(gatewayCode, gateway.process.output()).toBe(0);
    const during = answered.at(-1)!.complete;
    expect(during).toBeGreaterThan(25);

    // Nothing consumes now: what the gateway sent after the portal stopped waits in Redis.
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(callRecordQueueName, { connection });
    try {
      const waiting = await queue.getWaitingCount();
      const storedWhileDown = countChatRecords(dbPath, seeded.keyId).rows;
      expect(waiting).toBeGreaterThan(0);
      expect(storedWhileDown).toBeLessThan(before + during);

      portal = startPortal();
      await waitOk(`http://127.0.0.1:${portalPort}/healthz`);
      const stored = await waitForChatRecords(dbPath, seeded.keyId, totalAnswered());
      console.log(`portal SIGTERM: ${during} answers, ${storedWhileDown - before} stored before the portal stopped, ${waiting} jobs waited in Redis; after the restart ${stored.rows} records for ${totalAnswered()} answers`);
      // Let a late duplicate show itself, if there were one.
      await new Promise((r) => setTimeout(r, 300));
      const total = totalAnswered();
      expect(countChatRecords(dbPath, seeded.keyId)).toEqual({ rows: total, ids: total, requests: total });
      expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'failed')).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});
