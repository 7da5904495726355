import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { closeDatabase, createDb, type Db } from '@tollgate/db';
import { openPgDatabase } from '@tollgate/db/pg';
import { createTestDatabase } from '@tollgate/db/pg/testing';
import { blankCallRecord, type CallRecord } from '@tollgate/domain';
import { createCallRecordWriter } from '@tollgate/portal';
// Not part of the all-in-one's package exports: the bench drives the sink on its own.
import { startCallRecordWriterThread } from '../apps/all-in-one/src/call-record-worker';

/**
 * `npm run bench:writer`: what the store costs per batch of call records, on both databases in one run: a SQLite
 * file in WAL mode as in production, and a throwaway PostgreSQL database (ADR 0040) on the server at
 * TOLLGATE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres), created and dropped here. Two shapes: the bench's own traffic (one app, one service, one model: every
 * record in a batch lands in the same rollup rows) and a varied one (200 dimension sets, so a batch touches
 * hundreds of rollup rows per level). Then what the event loop that writes sees (ADR 0029): its delay and busy
 * time while the same batches are written by the portal's connection in that thread, and while they are
 * posted to the all-in-one's writer thread. Options (env): BENCH_WRITER_BATCHES (default 60), BENCH_WRITER_SIZE (1000).
 */
const batches = Number(process.env.BENCH_WRITER_BATCHES ?? 60);
const size = Number(process.env.BENCH_WRITER_SIZE ?? 1000);

function record(i: number, at: number, varied: boolean): CallRecord {
  const combo = varied ? i % 200 : 0;
  return {
    ...blankCallRecord(`call_bench${i}`, `req_bench${i}`, 'POST', '/v1/chat/completions'),
    startedAt: at,
    teamId: `team_${combo % 5}`,
    appId: `app_${combo}`,
    serviceId: `svc_${combo % 4}`,
    keyId: `key_${combo}`,
    model: `model-${combo % 10}`,
    api: '/v1/chat/completions',
    status: combo % 17 === 0 ? 500 : 200,
    failed: combo % 17 === 0,
    stream: i % 2 === 0,
    latencyMs: 20 + ((i * 7919) % 3000),
    ttftMs: i % 2 === 0 ? 5 + ((i * 104729) % 400) : null,
    bytesIn: 300,
    bytesOut: 1200,
    inputTokens: 40,
    outputTokens: 120,
    costMicroUsd: 90,
  };
}

type Database = 'SQLite' | 'PostgreSQL';

/** A fresh database of that kind, and how to let it go. */
async function openBenchDatabase(kind: Database): Promise<{ db: Db; close: () => Promise<void> }> {
  if (kind === 'SQLite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-writer-bench-'));
    const db = createDb({ path: path.join(dir, 'bench.db') });
    return {
      db,
      close: async () => {
        db.$client.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const database = await createTestDatabase();
  const db = (await openPgDatabase(database.url)) as unknown as Db;
  return {
    db,
    close: async () => {
      await closeDatabase(db);
      await database.drop();
    },
  };
}

async function run(kind: Database, varied: boolean): Promise<{ medianMs: number; p90Ms: number }> {
  const { db, close } = await openBenchDatabase(kind);
  try {
    const write = createCallRecordWriter(db);
    const times: number[] = [];
    const start = Date.UTC(2026, 0, 1);
    let n = 0;
    for (let b = 0; b < batches; b += 1) {
      // A batch is about a second of traffic at the bench's rate.
      const batch = Array.from({ length: size }, (_, k) => record(n + k, start + b * 1_000 + k, varied));
      n += size;
      const t0 = performance.now();
      await write(batch);
      times.push(performance.now() - t0);
    }
    // The first batches warm the JIT and the page cache; they are not what a running portal pays.
    const steady = times.slice(Math.min(5, batches - 1)).sort((a, b) => a - b);
    return { medianMs: steady[Math.floor(steady.length / 2)]!, p90Ms: steady[Math.floor(steady.length * 0.9)]! };
  } finally {
    await close();
  }
}

for (const kind of ['SQLite', 'PostgreSQL'] as const) {
  for (const varied of [false, true]) {
    const { medianMs, p90Ms } = await run(kind, varied);
    const shape = varied ? 'varied (200 dimension sets)' : 'uniform (1 dimension set)';
    console.log(`${kind.padEnd(10)} call-record writer, ${size}-record batch with its rollups, ${shape}: median ${medianMs.toFixed(2)} ms, p90 ${p90Ms.toFixed(2)} ms (${Math.round((size / medianMs) * 1000)} records/s)`);
  }
}

/**
 * On SQLite (the all-in-one's shape), the main thread's view while batches are written, one after another with a pause between (the meter's
 * flush timer): event-loop delay (p99, max, at 1 ms resolution), its busy time per batch (event-loop
 * utilisation: active ms), and the time `write` holds the loop before returning (the whole transaction in
 * the thread; the structured clone of the batch with the worker).
 */
async function loopView(mode: 'in-thread' | 'worker', varied: boolean): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-writer-bench-'));
  try {
    const dbPath = path.join(dir, 'bench.db');
    const db = createDb({ path: dbPath });
    const thread = mode === 'worker' ? startCallRecordWriterThread({ dbPath, logger: pino({ level: 'silent' }) }) : undefined;
    const inThread = createCallRecordWriter(db);
    const write = thread ? (records: CallRecord[]) => thread.write(records) : (records: CallRecord[]) => inThread(records);
    const start = Date.UTC(2026, 0, 1);
    const batchesOf = (from: number, count: number) =>
      Array.from({ length: count }, (_, b) => Array.from({ length: size }, (_, k) => record((from + b) * size + k, start + (from + b) * 1_000 + k, varied)));
    // Warm-up, unmeasured: the JIT, the page cache and (with the worker) the thread's start.
    for (const batch of batchesOf(0, 5)) await write(batch);
    const measured = batchesOf(5, batches);
    const delay = monitorEventLoopDelay({ resolution: 1 });
    const held: number[] = [];
    delay.enable();
    const elu = performance.eventLoopUtilization();
    for (const batch of measured) {
      const t0 = performance.now();
      const done = write(batch);
      held.push(performance.now() - t0);
      await done;
      await sleep(20);
    }
    const busy = performance.eventLoopUtilization(elu);
    delay.disable();
    await thread?.close();
    db.$client.close();
    held.sort((a, b) => a - b);
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    return `${mode.padEnd(9)}: loop delay p99 ${ms(delay.percentile(99))} ms, max ${ms(delay.max)} ms; loop busy ${(busy.active / batches).toFixed(2)} ms/batch; write() holds the loop median ${held[Math.floor(held.length / 2)]!.toFixed(2)} ms, max ${held[held.length - 1]!.toFixed(2)} ms`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const varied of [false, true]) {
  console.log(`main event loop while ${batches} ${varied ? 'varied' : 'uniform'} ${size}-record batches are written (20 ms apart):`);
  for (const mode of ['in-thread', 'worker'] as const) console.log(`  ${await loopView(mode, varied)}`);
}
