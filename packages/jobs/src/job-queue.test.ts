import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBullmqQueue } from './bullmq-queue';
import { createInProcessQueue } from './in-process-queue';
import type { JobInfo, JobQueue } from './job-queue';
import { startRedisServer, type TestRedis } from './testing/redis-server';

/** The one contract, run against both queues: the portal must not behave differently with or without Redis. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

let redis: TestRedis | undefined;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.close();
});

const kinds: Array<[string, (concurrency?: number) => JobQueue]> = [
  ['in-process', (concurrency) => createInProcessQueue({ concurrency })],
  [
    'bullmq',
    (concurrency) =>
      createBullmqQueue({ url: redis!.url, name: 'contract', prefix: `t-${randomBytes(6).toString('hex')}`, concurrency }),
  ],
];

describe.each(kinds)('job queue contract: %s', (kind, make) => {
  const open: JobQueue[] = [];
  const queue = (concurrency?: number) => {
    const q = make(concurrency);
    open.push(q);
    return q;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.close()));
  });

  it('reports its kind', () => {
    expect(queue().kind).toBe(kind);
  });

  it('runs an added job once with its data and tells the handler which attempt it is', async () => {
    const q = queue();
    const seen: Array<{ data: unknown; job: JobInfo }> = [];
    q.process('greet', async (data, job) => {
      seen.push({ data, job });
    });
    await q.add('greet', { who: 'world' }, { jobId: 'greet-1', attempts: 3 });
    await waitFor(() => seen.length === 1, 'the job');
    await sleep(150);
    expect(seen).toEqual([{ data: { who: 'world' }, job: { id: 'greet-1', name: 'greet', attempt: 1, attempts: 3 } }]);
  });

  it('routes each job to the handler registered for its name', async () => {
    const q = queue();
    const calls: string[] = [];
    q.process('a', async (data) => void calls.push(`a:${data.n}`));
    q.process('b', async (data) => void calls.push(`b:${data.n}`));
    await q.add('a', { n: 1 });
    await q.add('b', { n: 2 });
    await waitFor(() => calls.length === 2, 'both jobs');
    expect(calls.sort()).toEqual(['a:1', 'b:2']);
  });

  it('retries a failing job until it succeeds, counting attempts', async () => {
    const q = queue();
    const attempts: number[] = [];
    let done = false;
    q.process('flaky', async (_data, job) => {
      attempts.push(job.attempt);
      if (job.attempt < 3) throw new Error(`boom ${job.attempt}`);
      done = true;
    });
    await q.add('flaky', {}, { attempts: 5, backoffMs: 20 });
    await waitFor(() => done, 'the third attempt');
    await sleep(200);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('waits exponentially longer between attempts and stops after the last one', async () => {
    const q = queue();
    const times: number[] = [];
    q.process('doomed', async () => {
      times.push(Date.now());
      throw new Error('always');
    });
    await q.add('doomed', {}, { attempts: 4, backoffMs: 100 });
    await waitFor(() => times.length === 4, 'four attempts');
    await sleep(1_000);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
    expect(gaps[2]).toBeGreaterThan(gaps[1]!);
  });

  it('ignores an add whose jobId is still waiting or running, and takes it again once finished', async () => {
    const q = queue();
    let runs = 0;
    let release!: () => void;
    q.process('once', async () => {
      runs += 1;
      if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    await q.add('once', {}, { jobId: 'same' });
    await waitFor(() => runs === 1, 'the first run');
    await q.add('once', {}, { jobId: 'same' });
    await sleep(200);
    expect(runs).toBe(1);
    release();
    await sleep(200);
    expect(runs).toBe(1);
    await q.add('once', {}, { jobId: 'same' });
    await waitFor(() => runs === 2, 'the run after the first finished');
  });

  it('runs no more handlers at once than its concurrency', async () => {
    const q = queue(2);
    let active = 0;
    let peak = 0;
    let finished = 0;
    q.process('slow', async () => {
      active += 1;
      peak = Math.max(peak, active);
      await sleep(80);
      active -= 1;
      finished += 1;
    });
    for (let i = 0; i < 6; i += 1) await q.add('slow', { i });
    await waitFor(() => finished === 6, 'six jobs');
    expect(peak).toBe(2);
  });

  it('holds a job added before its handler exists', async () => {
    const q = queue();
    const seen: unknown[] = [];
    await q.add('early', { n: 7 });
    await sleep(100);
    q.process('early', async (data) => void seen.push(data));
    await waitFor(() => seen.length === 1, 'the early job');
    expect(seen).toEqual([{ n: 7 }]);
  });

  it('close waits for a running handler and runs nothing afterwards', async () => {
    const q = queue();
    let finished = false;
    let retried = 0;
    q.process('long', async () => {
      await sleep(300);
      finished = true;
    });
    q.process('retry', async () => {
      retried += 1;
      throw new Error('again');
    });
    await q.add('retry', {}, { attempts: 5, backoffMs: 150 });
    await waitFor(() => retried === 1, 'the first failing attempt');
    await q.add('long', {});
    await sleep(100);
    await q.close();
    expect(finished).toBe(true);
    const after = retried;
    await sleep(500);
    expect(retried).toBe(after);
  });
});

type Pair = () => [JobQueue, JobQueue];
/**
 * "Another process" is a second BullMQ queue on the same Redis and prefix (a second portal); the in-process
 * queue has no other process, so there it is the same queue scheduling again (a portal re-running its start-up).
 */
const schedulingKinds: Array<[string, Pair]> = [
  [
    'in-process',
    () => {
      const q = createInProcessQueue();
      return [q, q];
    },
  ],
  [
    'bullmq',
    () => {
      const prefix = `s-${randomBytes(6).toString('hex')}`;
      const make = () => createBullmqQueue({ url: redis!.url, name: 'schedule', prefix });
      return [make(), make()];
    },
  ],
];

describe.each(schedulingKinds)('scheduled jobs: %s', (_kind, pair) => {
  const open: JobQueue[] = [];
  const queues = () => {
    const made = pair();
    for (const q of new Set(made)) open.push(q);
    return made;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.close()));
  });

  it('runs right away and then once a period, with its data', async () => {
    const [q] = queues();
    const runs: Array<{ at: number; data: unknown }> = [];
    q.process('sweep', async (data) => void runs.push({ at: Date.now(), data }));
    const scheduledAt = Date.now();
    await q.schedule('sweeper', 'sweep', 250, { scope: 'all' });
    await waitFor(() => runs.length >= 3, 'three runs');
    expect(runs[0]!.at - scheduledAt).toBeLessThan(1_000);
    expect(runs[0]!.data).toEqual({ scope: 'all' });
    const gaps = runs.slice(1, 3).map((r, i) => r.at - runs[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(150);
  });

  it('keeps one schedule per id, however many processes schedule it', async () => {
    const [a, b] = queues();
    let runs = 0;
    for (const q of new Set([a, b])) q.process('sweep', async () => void (runs += 1));
    await a.schedule('sweeper', 'sweep', 200);
    await b.schedule('sweeper', 'sweep', 200);
    await waitFor(() => runs >= 1, 'the first run');
    const start = runs;
    await sleep(1_400);
    // One schedule: about seven runs in 1.4 s; two would make about fourteen.
    const inWindow = runs - start;
    expect(inWindow).toBeGreaterThanOrEqual(3);
    expect(inWindow).toBeLessThanOrEqual(9);
  });

  it('runs nothing in this process once the queue is closed', async () => {
    const [q] = queues();
    let runs = 0;
    q.process('sweep', async () => void (runs += 1));
    await q.schedule('sweeper', 'sweep', 100);
    await waitFor(() => runs >= 1, 'the first run');
    await q.close();
    const after = runs;
    await sleep(400);
    expect(runs).toBe(after);
  });
});

describe('startRedisServer', () => {
  it('gives a url that answers', async () => {
    expect(redis!.url).toMatch(/^redis:\/\//);
    const { Redis } = await import('ioredis');
    const client = new Redis(redis!.url);
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });
});
