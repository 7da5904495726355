import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { createDb } from '@tollgate/db';
import type { SnapshotData } from '@tollgate/domain';
import { SnapshotHolder } from '@tollgate/gateway';
import { compileSnapshot, createSecretBox } from '@tollgate/portal';

/**
 * The scale bench's offline figures on a seeded data directory, in a process of their own (run with
 * --expose-gc, so the heap deltas are after a full collection): the portal's compile, the snapshot's JSON,
 * and what a gateway pays to take a new snapshot, in memory (all-in-one) and pulled as JSON (split shape).
 * Prints one line, `RESULT <json>`.
 */
const dataDir = process.argv[2]!;
const runs = Number(process.env.BENCH_COMPILES ?? 5);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const db = createDb({ path: path.join(dataDir, 'tollgate.db') });
const secrets = createSecretBox(Buffer.from(readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim(), 'hex'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}
/** Heap kept alive by what `make` returns, after full collections either side. */
function retained<T>(make: () => T): { value: T; bytes: number } {
  gc!();
  const before = process.memoryUsage().heapUsed;
  const value = make();
  gc!();
  return { value, bytes: process.memoryUsage().heapUsed - before };
}
const times = (n: number, fn: () => number) => Array.from({ length: n }, fn);

// Warm-up: the first compile also pays for preparing the statements and for the JIT.
await compileSnapshot(db, secrets);
const compileMs: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  await compileSnapshot(db, secrets);
  compileMs.push(performance.now() - started);
}
// As `retained`, around an awaited compile.
gc();
const heapBefore = process.memoryUsage().heapUsed;
const snapshot = await compileSnapshot(db, secrets);
gc();
const snapshotHeap = process.memoryUsage().heapUsed - heapBefore;
const json = JSON.stringify(snapshot);
const stringifyMs = median(times(runs, () => timed(() => JSON.stringify(snapshot)).ms));

// The all-in-one gateway installs the compiled object; each install indexes it anew (a new holder each time).
const installOnce = (data: SnapshotData) => timed(() => new SnapshotHolder().install(data)).ms;
installOnce(snapshot);
const installMs = median(times(runs, () => installOnce(snapshot)));
const { bytes: indexHeap } = retained(() => {
  const holder = new SnapshotHolder();
  holder.install(snapshot);
  return holder;
});
// The split shape's gateway parses the pulled body, then installs it.
const pullMs = median(times(runs, () => timed(() => new SnapshotHolder().install(JSON.parse(json) as SnapshotData)).ms));
const parseMs = median(times(runs, () => timed(() => JSON.parse(json)).ms));
// Were the compile moved to a worker thread, the main thread would still pay for receiving the object.
const cloned = serialize(snapshot);
const deserializeMs = median(times(runs, () => timed(() => deserialize(cloned)).ms));

process.stdout.write(
  `RESULT ${JSON.stringify({
    counts: { keys: snapshot.keys.length, apps: snapshot.apps.length, subscriptions: snapshot.subscriptions.length, services: snapshot.services.length, plans: snapshot.plans.length, modelRoutes: snapshot.modelRoutes.length, restApis: snapshot.restApis?.length ?? 0 },
    compileMs: median(compileMs),
    compileMsAll: compileMs,
    jsonBytes: Buffer.byteLength(json),
    stringifyMs,
    snapshotHeap,
    installMs,
    indexHeap,
    parseMs,
    pullMs,
    deserializeMs,
  })}\n`,
);
db.$client.close();
