import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@tollgate/db';
import type { CallRecord } from '@tollgate/domain';
import { batchJobAttempts, callRecordQueueName, createBatchProducer, type BatchConsumer, type BatchProducer } from '@tollgate/jobs';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { callRecord } from '../testing/call-record-factory';
import { startCallRecordWorker } from './queue-worker';

// The portal's end of the call-record queue against a real Redis and a real SQLite file (a second connection
// can lock it, which is how the store fails here).
let redis: TestRedis;
let dir: string;
let db: Db;
let connection: Redis;
const lines: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });

beforeAll(async () => {
  redis = await startRedisServer();
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  dir = mkdtempSync(path.join(tmpdir(), 'tollgate-worker-'));
  db = createDb({ path: path.join(dir, 'tollgate.db') });
  // Fail at once on a lock rather than block the event loop for the 5 s busy timeout.
  db.$client.pragma('busy_timeout = 0');
});
afterAll(async () => {
  connection.disconnect();
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
  await redis.close();
});

const storedIds = () => (db.$client.prepare('SELECT id FROM call_records ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id);

async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 8_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A worker and a producer on a prefix of their own, so no test sees another's jobs. */
function channel(options: { retryBaseMs?: number; retryMaxMs?: number } = {}) {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const worker = startCallRecordWorker({ redisUrl: redis.url, prefix, db, logger, retryBaseMs: options.retryBaseMs ?? 50, retryMaxMs: options.retryMaxMs ?? 200 });
  const producer: BatchProducer<CallRecord> = createBatchProducer({ url: redis.url, name: callRecordQueueName, prefix });
  const queue = new Queue(callRecordQueueName, { connection, prefix });
  return {
    worker,
    producer,
    queue,
    async close() {
      await worker.close();
      await producer.close();
      await queue.close();
    },
  };
}

const ready = (p: BatchProducer<CallRecord>, records: CallRecord[]) => waitFor('redis', () => p.send(records).then(() => true, () => false));

describe('call-record worker', () => {
  it('stores each queued batch once, even when the same records arrive in a second job', async () => {
    const c = channel();
    const records = Array.from({ length: 1_200 }, (_, i) => callRecord({ id: `call_once_${String(i).padStart(4, '0')}` }));
    await ready(c.producer, records);
    // The gateway sends a batch again when it could not tell whether the first send arrived.
    await c.producer.send(records.slice(0, 10));
    await waitFor('all jobs done', async () => {
      const counts = await c.queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      return c.worker.stats.jobs === 4 && Object.values(counts).every((n) => n === 0);
    });
    // 1,200 records in jobs of 500, plus the repeat: every id stored exactly once.
    expect(storedIds().filter((id) => id.startsWith('call_once_'))).toEqual(records.map((r) => r.id));
    await c.close();
  });

  it('stores the valid records of a job, fails it at once as a dead letter for the invalid ones, logs and counts it, and goes on', async () => {
    const c = channel();
    lines.length = 0;
    const good = callRecord({ id: 'call_good_beside_bad' });
    const bad = { ...callRecord({ id: 'call_bad' }), status: 42 };
    await c.queue.add('batch', { items: [good, bad] }, { attempts: batchJobAttempts, backoff: { type: 'capped-exponential' }, removeOnFail: false });
    const failed = await waitFor('the dead letter', async () => (await c.queue.getFailed())[0]);
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/^1 of 2 records invalid; first: records\.1\.status:/);
    expect(failed.data).toEqual({ items: [good, bad] });
    expect(storedIds()).toContain('call_good_beside_bad');
    expect(c.worker.stats).toMatchObject({ invalid: 1, retried: 0 });
    expect(await c.worker.failedJobs()).toBe(1);
    expect(lines.find((l) => l.level === 50 && /invalid/.test(l.msg))).toMatchObject({ jobId: failed.id });
    // The next batch is stored as usual.
    await c.producer.send([callRecord({ id: 'call_after_bad' })]);
    await waitFor('the next batch', () => storedIds().includes('call_after_bad'));
    expect(storedIds()).not.toContain('call_bad');
    await c.close();
  });

  it('retries a batch while the database is locked, with growing waits, and stores it once the lock is gone', async () => {
    const c = channel({ retryBaseMs: 100, retryMaxMs: 1_000 });
    lines.length = 0;
    const locker = new Database(path.join(dir, 'tollgate.db'));
    locker.exec('BEGIN EXCLUSIVE');
    try {
      await ready(c.producer, [callRecord({ id: 'call_locked' })]);
      await waitFor('three failed attempts', () => c.worker.stats.retried >= 3);
      expect(storedIds()).not.toContain('call_locked');
    } finally {
      locker.exec('COMMIT');
      locker.close();
    }
    await waitFor('the record', () => storedIds().includes('call_locked'));
    expect(c.worker.stats.invalid).toBe(0);
    expect(await c.worker.failedJobs()).toBe(0);
    const retries = lines.filter((l) => l.level === 40 && /will retry/.test(l.msg));
    expect(retries.every((l) => /database is locked/.test(JSON.stringify(l.err)))).toBe(true);
    // Waits of 100 ms, then 200 ms, then 400 ms between the attempts.
    const [a, b, c3] = retries.map((l) => l.time as number);
    expect(b! - a!).toBeGreaterThanOrEqual(90);
    expect(c3! - b!).toBeGreaterThan(b! - a! + 50);
    await c.close();
  });

  it('leaves jobs queued while no worker runs, and a worker started later stores them', async () => {
    const c = channel();
    await c.worker.close();
    await ready(c.producer, [callRecord({ id: 'call_waited' })]);
    await new Promise((r) => setTimeout(r, 200));
    expect(await c.queue.getWaitingCount()).toBe(1);
    expect(storedIds()).not.toContain('call_waited');
    const later: BatchConsumer = startCallRecordWorker({ redisUrl: redis.url, prefix: c.queue.opts.prefix, db, logger });
    await waitFor('the waiting record', () => storedIds().includes('call_waited'));
    await later.close();
    await c.producer.close();
    await c.queue.close();
  });
});
