import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb } from '@tollgate/db';
import { blankCallRecord, type CallRecord } from '@tollgate/domain';
import { createCallRecordWriter } from '@tollgate/portal';

/**
 * `npm run bench:writer`: what the store costs per batch of call records, on a file database in
 * WAL mode as in production. Two shapes: the bench's own traffic (one app, one service, one model: every
 * record in a batch lands in the same rollup rows) and a varied one (200 dimension sets, so a batch touches
 * hundreds of rollup rows per level). Options (env): BENCH_WRITER_BATCHES (default 60), BENCH_WRITER_SIZE (1000).
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

function run(varied: boolean): { medianMs: number; p90Ms: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-writer-bench-'));
  try {
    const db = createDb({ path: path.join(dir, 'bench.db') });
    const write = createCallRecordWriter(db);
    const times: number[] = [];
    const start = Date.UTC(2026, 0, 1);
    let n = 0;
    for (let b = 0; b < batches; b += 1) {
      // A batch is about a second of traffic at the bench's rate.
      const batch = Array.from({ length: size }, (_, k) => record(n + k, start + b * 1_000 + k, varied));
      n += size;
      const t0 = performance.now();
      write(batch);
      times.push(performance.now() - t0);
    }
    db.$client.close();
    // The first batches warm the JIT and the page cache; they are not what a running portal pays.
    const steady = times.slice(Math.min(5, batches - 1)).sort((a, b) => a - b);
    return { medianMs: steady[Math.floor(steady.length / 2)]!, p90Ms: steady[Math.floor(steady.length * 0.9)]! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const varied of [false, true]) {
  const { medianMs, p90Ms } = run(varied);
  const shape = varied ? 'varied (200 dimension sets)' : 'uniform (1 dimension set)';
  console.log(`call-record writer, ${size}-record batch, ${shape}: median ${medianMs.toFixed(2)} ms, p90 ${p90Ms.toFixed(2)} ms (${Math.round((size / medianMs) * 1000)} records/s)`);
}
