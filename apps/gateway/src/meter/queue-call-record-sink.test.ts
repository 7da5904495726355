import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blankCallRecord, type CallRecord } from '@tollgate/domain';
import { callRecordQueueName, charsPerBatchJob, itemsPerBatchJob } from '@tollgate/jobs';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { CallMeter } from './call-meter';
import { createQueueCallRecordSink } from './queue-call-record-sink';

// The gateway's BullMQ sink against a real redis-server that the test stops and starts again.
let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.close());

const record = (n: number) => blankCallRecord(`call_${n}`, `req_${n}`, 'POST', '/v1/chat/completions');

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What a consumer would see: the records of every waiting job, in job order. */
async function queued(queue: Queue): Promise<string[]> {
  const jobs = await queue.getJobs(['waiting'], 0, -1, true);
  return jobs.flatMap((job) => (job.data as { items: CallRecord[] }).items.map((r) => r.id));
}

describe('BullMQ call-record sink', () => {
  it('adds a batch as jobs of at most the job size, each with retries and kept when it finally fails', async () => {
    const prefix = `s${randomBytes(4).toString('hex')}`;
    const sink = createQueueCallRecordSink({ redisUrl: redis.url, prefix });
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(callRecordQueueName, { connection, prefix });
    const records = Array.from({ length: 1_234 }, (_, i) => record(i));
    await waitFor('the sink to connect', () => Promise.resolve(sink.write(records)).then(() => true, () => false));
    const jobs = await queue.getJobs(['waiting'], 0, -1, true);
    expect(jobs.map((j) => (j.data as { items: unknown[] }).items.length)).toEqual([itemsPerBatchJob, itemsPerBatchJob, 234]);
    expect(jobs[0]!.opts).toMatchObject({ removeOnComplete: true, removeOnFail: false });
    expect(jobs[0]!.opts.attempts).toBeGreaterThan(10);
    expect(await queued(queue)).toEqual(records.map((r) => r.id));
    await sink.close();
    await queue.close();
    connection.disconnect();
  });

  it('cuts jobs by size too, so records with captured bodies never make one huge Redis value', async () => {
    const prefix = `b${randomBytes(4).toString('hex')}`;
    const sink = createQueueCallRecordSink({ redisUrl: redis.url, prefix });
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(callRecordQueueName, { connection, prefix });
    const body = 'x'.repeat(1024 * 1024);
    // Twenty records with a 1 MiB request and response body each (40 MiB), and a small one.
    const records: CallRecord[] = Array.from({ length: 20 }, (_, i) => ({
      ...record(i),
      bodies: { request: body, response: body, requestTruncated: false, responseTruncated: false },
    }));
    records.push(record(20));
    await waitFor('the sink to connect', () => Promise.resolve(sink.write(records)).then(() => true, () => false));
    const jobs = await queue.getJobs(['waiting'], 0, -1, true);
    const sizes = jobs.map((j) => JSON.stringify(j.data).length);
    expect(jobs.length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(charsPerBatchJob + 1_024);
    expect(await queued(queue)).toEqual(records.map((r) => r.id));
    await sink.close();
    await queue.close();
    connection.disconnect();
  });

  it('throws while Redis is down, so the meter keeps the batch within its bound and delivers it once Redis is back', async () => {
    const own = await startRedisServer();
    const port = Number(new URL(own.url).port);
    const prefix = `o${randomBytes(4).toString('hex')}`;
    const sink = createQueueCallRecordSink({ redisUrl: own.url, prefix });
    const meter = new CallMeter({ sink, logger: pino({ level: 'silent' }), flushIntervalMs: 60_000, maxBuffered: 5, batchSize: 100, shutdownRetryMs: 500 });
    let restarted: TestRedis | undefined;
    try {
      meter.record(record(0));
      await waitFor('the first delivery', async () => (await meter.flush(), meter.stats.flushed === 1));

      await own.close();
      const failed = meter.stats.failedFlushes;
      for (let i = 1; i <= 4; i++) meter.record(record(i));
      const before = Date.now();
      await meter.flush();
      // It failed fast (no waiting for a reconnect) and kept all four.
      expect(Date.now() - before).toBeLessThan(1_000);
      expect(meter.stats.failedFlushes).toBe(failed + 1);
      expect(meter.buffered).toBe(4);
      // More than the bound: the newest are dropped and counted, the oldest kept.
      for (let i = 5; i <= 7; i++) meter.record(record(i));
      await meter.flush();
      expect(meter.stats.failedFlushes).toBe(failed + 2);
      expect(meter.buffered).toBe(5);
      expect(meter.stats.dropped).toBe(2);

      restarted = await startRedisServer({ port });
      await waitFor('delivery after Redis came back', async () => (await meter.flush(), meter.buffered === 0));
      expect(meter.stats.flushed).toBe(6);
      const connection = new Redis(restarted.url, { maxRetriesPerRequest: null });
      const queue = new Queue(callRecordQueueName, { connection, prefix });
      // The first job went with the Redis that stopped (no persistence); the kept five arrived in order.
      expect(await queued(queue)).toEqual(['call_1', 'call_2', 'call_3', 'call_4', 'call_5']);
      await queue.close();
      connection.disconnect();
    } finally {
      await meter.close();
      await sink.close();
      await restarted?.close();
      await own.close();
    }
  });
});
