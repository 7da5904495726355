import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blankCallRecord, type CallRecord } from '@tollgate/domain';
import { callRecordQueueName } from '@tollgate/jobs';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';
import { CallMeter, type CallRecordSink } from './call-meter';
import { createPortalCallRecordSink } from './portal-call-record-sink';
import { createQueueCallRecordSink } from './queue-call-record-sink';

// A store that is down while records keep coming (issue 16: with Redis down and 1,000+ records buffered, every
// request triggered another failed flush and another error line with a stack). Real sinks, a real pino logger.

interface LogLine {
  level: number;
  msg: string;
  err?: { message: string; stack?: string };
  error?: string;
  failedFlushes?: number;
  buffered?: number;
}
const levels = { info: 30, warn: 40, error: 50 };

function capturedLogger() {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines, errors: () => lines.filter((l) => l.level >= levels.error) };
}

/** The sink, counting (and timing) every write the meter attempts. */
function counted(sink: CallRecordSink) {
  const writes: number[] = [];
  return { writes, sink: { write: (batch: CallRecord[]) => (writes.push(Date.now()), sink.write(batch)) } };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each wait between attempts at least the one before doubled (from 250 ms, capped at 10 s); timers never fire early beyond a ms. */
function expectBackoff(writes: number[]): void {
  const gaps = writes.slice(1).map((t, i) => t - writes[i]!);
  gaps.forEach((gap, i) => expect(gap, `wait before attempt ${i + 2} (waits: ${gaps.join(', ')})`).toBeGreaterThanOrEqual(Math.min(250 * 2 ** i, 10_000) - 5));
}

let upstream: MockOpenAi;
beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
});
afterAll(() => upstream.close());

describe('a call-record store that is down', () => {
  it('with Redis down and 1,200 calls buffered: backs off, logs the failure once, and delivers everything with one recovery line when Redis is back', async () => {
    const own = await startRedisServer();
    const port = Number(new URL(own.url).port);
    const prefix = `o${randomBytes(4).toString('hex')}`;
    const log = capturedLogger();
    const queueSink = createQueueCallRecordSink({ redisUrl: own.url, prefix, logger: log.logger });
    const { sink, writes } = counted(queueSink);
    // The production defaults (1 s flushes, batches of 1,000, failures logged at most every 10 s).
    const meter = new CallMeter({ sink, logger: log.logger, shutdownRetryMs: 2_000 });
    const gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-up' }), { meter });
    const client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello there' }] };
    let restarted: TestRedis | undefined;
    try {
      // Connected before the first record, so the outage below is the meter's first.
      const probe = [blankCallRecord('call_probe', 'req_probe', 'POST', '/v1/chat/completions')];
      await waitFor('the sink to connect', () => Promise.resolve(queueSink.write(probe)).then(() => true, () => false));
      await client.chat.completions.create(ask);
      await waitFor('the first delivery', async () => (await meter.flush(), meter.stats.flushed === 1));

      // What the outage costs from here.
      const failedBefore = meter.stats.failedFlushes;
      expect(failedBefore).toBe(0);
      const seenBefore = log.lines.length;
      const lines = () => log.lines.slice(seenBefore);
      const errorLines = () => lines().filter((l) => l.level >= levels.error);
      await own.close();
      const down = Date.now();
      writes.length = 0;
      // 1,200 calls, 20 at a time: past 1,000 buffered, each record used to start a flush of its own.
      let next = 0;
      const worker = async () => {
        while (next < 1_200) {
          next++;
          const answer = await client.chat.completions.create(ask);
          expect(answer.choices[0]!.message.content).toBeTruthy();
        }
      };
      await Promise.all(Array.from({ length: 20 }, worker));
      await waitFor('every call recorded', () => meter.buffered === 1_200, 5_000);
      // Redis stays down for at least 4 s in all.
      await sleep(Math.max(0, 4_000 - (Date.now() - down)));
      const elapsed = Date.now() - down;
      expect(meter.stats.dropped).toBe(0);

      // Attempts back off instead of following the requests: 250 ms, 500 ms, 1 s, 2 s… after the first.
      expect(writes.length).toBeGreaterThanOrEqual(2);
      expect(writes.length).toBeLessThanOrEqual(2 + Math.log2(elapsed / 250));
      expectBackoff(writes);
      expect(meter.stats.failedFlushes - failedBefore).toBe(writes.length);
      // One error line for the outage so far (≤ 1 + elapsed / 10 s), with the error and its stack once.
      const errors = errorLines();
      expect(errors.length).toBeLessThanOrEqual(1 + Math.floor(elapsed / 10_000));
      expect(errors[0]).toMatchObject({ msg: expect.stringMatching(/call record flush failed/), err: { message: expect.stringMatching(/redis/) } });
      expect(errors[0]!.err!.stack).toBeTruthy();
      // The producer's connection warnings are throttled too.
      expect(lines().filter((l) => l.level === levels.warn).length).toBeLessThanOrEqual(1 + Math.floor(elapsed / 10_000));

      restarted = await startRedisServer({ port });
      await waitFor('delivery after Redis came back', () => meter.buffered === 0 && meter.stats.flushed === 1_201);
      const recoveries = lines().filter((l) => /recovered/.test(l.msg));
      const outageFailures = meter.stats.failedFlushes - failedBefore;
      expect(recoveries).toHaveLength(1);
      expect(recoveries[0]).toMatchObject({ level: levels.info, msg: `call record store recovered after ${outageFailures} failed flushes`, failedFlushes: outageFailures });
      expect(errorLines()).toHaveLength(errors.length);

      const connection = new Redis(restarted.url, { maxRetriesPerRequest: null });
      const queue = new Queue(callRecordQueueName, { connection, prefix });
      const jobs = await queue.getJobs(['waiting'], 0, -1, true);
      expect(jobs.flatMap((job) => (job.data as { items: CallRecord[] }).items)).toHaveLength(1_200);
      await queue.close();
      connection.disconnect();
    } finally {
      await gateway.close();
      await queueSink.close();
      await restarted?.close();
      await own.close();
    }
  }, 60_000);

  it('with the portal’s channel on a closed port: one line, then one line per interval with the count, and the recovery once', async () => {
    // A port nobody listens on, kept for the portal stand-in that "comes back" later.
    const portal: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const n = (JSON.parse(body) as { records: unknown[] }).records.length;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: n, rejected: 0, problems: [] }));
      });
    });
    portal.listen(0, '127.0.0.1');
    await once(portal, 'listening');
    const port = (portal.address() as { port: number }).port;
    await new Promise((r) => portal.close(r));

    const log = capturedLogger();
    const { sink, writes } = counted(createPortalCallRecordSink({ portalUrl: `http://127.0.0.1:${port}`, internalToken: 't'.repeat(32) }));
    const meter = new CallMeter({ sink, logger: log.logger, flushIntervalMs: 200, batchSize: 100, failureLogIntervalMs: 1_000, shutdownRetryMs: 2_000 });
    try {
      // 1,500 records over about 3 s, a few at a time as requests finish.
      const started = Date.now();
      for (let i = 0; i < 300; i++) {
        for (let j = 0; j < 5; j++) meter.record(blankCallRecord(`call_${i}_${j}`, `req_${i}_${j}`, 'POST', '/v1/chat/completions'));
        await sleep(10);
      }
      await sleep(Math.max(0, 3_200 - (Date.now() - started)));
      const elapsed = Date.now() - started;
      expect(meter.buffered).toBe(1_500);

      expect(writes.length).toBeLessThanOrEqual(2 + Math.log2(elapsed / 250));
      expectBackoff(writes);
      const errors = log.errors();
      expect(errors.length).toBeGreaterThanOrEqual(2);
      expect(errors.length).toBeLessThanOrEqual(1 + Math.floor(elapsed / 1_000));
      expect(errors[0]).toMatchObject({ msg: expect.stringMatching(/call record flush failed/), err: { message: expect.stringMatching(/ECONNREFUSED/) } });
      // Later lines: one each, with the attempts since the last line, the records waiting and the error's message.
      for (const line of errors.slice(1)) {
        expect(line).toMatchObject({ msg: expect.stringMatching(/still failing/), error: expect.stringMatching(/ECONNREFUSED/) });
        expect(line.buffered).toBeGreaterThan(0);
        expect(line.failedFlushes).toBeGreaterThanOrEqual(1);
        expect(line.err).toBeUndefined();
      }
      const stamps = errors.map((l) => (l as unknown as { time: number }).time);
      // (pino stamps a line a moment after the meter decided to log it.)
      stamps.slice(1).forEach((t, i) => expect(t - stamps[i]!).toBeGreaterThanOrEqual(990));
      // Every failed attempt is in a line or still waiting for the next one; never more.
      expect(errors.reduce((n, l) => n + l.failedFlushes!, 0)).toBeLessThanOrEqual(meter.stats.failedFlushes);

      portal.listen(port, '127.0.0.1');
      await once(portal, 'listening');
      // Buffered 0 is not enough: the last batch may still be in its write.
      await waitFor('delivery after the portal came back', () => meter.stats.flushed === 1_500, 15_000);
      expect(meter.buffered).toBe(0);
      const recoveries = log.lines.filter((l) => /recovered/.test(l.msg));
      expect(recoveries).toHaveLength(1);
      expect(recoveries[0]).toMatchObject({ failedFlushes: meter.stats.failedFlushes });
      // The failures are over: no further line, even after another interval.
      const errorsAtRecovery = log.errors().length;
      await sleep(1_200);
      expect(log.errors()).toHaveLength(errorsAtRecovery);
    } finally {
      await meter.close();
      await new Promise((r) => portal.close(r));
    }
  }, 60_000);

  it('on close, keeps its own retry budget instead of waiting out the backoff, and loses nothing', async () => {
    let storeUp = false;
    const stored: CallRecord[] = [];
    const { sink, writes } = counted({ write: (batch) => (storeUp ? void stored.push(...batch) : Promise.reject(new Error('connect ECONNREFUSED'))) });
    const log = capturedLogger();
    const meter = new CallMeter({ sink, logger: log.logger, flushIntervalMs: 60_000 });
    for (let i = 0; i < 3; i++) meter.record(blankCallRecord(`call_${i}`, `req_${i}`, 'POST', '/v1/chat/completions'));
    // Seven failures in a row: the next automatic try would be 16 s away (capped at 10 s).
    for (let i = 0; i < 7; i++) await meter.flush();
    expect(meter.stats.failedFlushes).toBe(7);
    setTimeout(() => (storeUp = true), 300);
    const started = Date.now();
    expect(await meter.close()).toEqual({ lost: 0 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(stored.map((r) => r.id)).toEqual(['call_0', 'call_1', 'call_2']);
    // Nothing tries again after close (the backoff's timer is gone with it).
    const attempts = writes.length;
    await sleep(500);
    expect(writes.length).toBe(attempts);
    expect(log.lines.filter((l) => /recovered/.test(l.msg))).toHaveLength(1);
  });
});
