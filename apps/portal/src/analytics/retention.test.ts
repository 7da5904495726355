import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { callBodies, callRecords, callRollups, createDb, first, type Db, type RollupLevel } from '@tollgate/db';
import { createInProcessQueue, type JobQueue } from '@tollgate/jobs';
import { parsePortalConfig } from '../config';
import { createCallRecordWriter } from '../call-records/store';
import { callRecord } from '../testing/call-record-factory';
import { enforceRetention, scheduleRetention, type RetentionSettings } from './retention';

const day = 86_400_000;
const now = Date.UTC(2026, 5, 15, 12, 0, 0);
const settings: RetentionSettings = { rawDays: 2, minuteDays: 1, hourDays: 3, dayDays: 0 };

const dirs: string[] = [];
const dbs: Db[] = [];
afterAll(() => {
  for (const db of dbs) db.$client.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A file database in WAL mode, as the portal runs it, with every statement SQLite runs counted. */
function fileDb(statements: string[] = []): { db: Db; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-retention-'));
  dirs.push(dir);
  const file = path.join(dir, 'tollgate.db');
  const db = createDb({ path: file, onStatement: (sql) => statements.push(sql) });
  dbs.push(db);
  return { db, file };
}

const rows = async (db: Db, table: typeof callRecords | typeof callBodies) => (await first(db.select({ n: count() }).from(table)))!.n;
const rollupStarts = async (db: Db, level: RollupLevel) =>
  (await db.select({ t: callRollups.bucketStart }).from(callRollups).where(eq(callRollups.level, level)).orderBy(callRollups.bucketStart)).map((r) => r.t);
const withBodies = (at: number, id: string) =>
  callRecord({ id, startedAt: at, bodies: { request: '{"q":1}', response: '{"a":2}', requestTruncated: false, responseTruncated: false } });

describe('retention', () => {
  it('deletes raw records with their bodies and each rollup level past its own horizon, keeping the rest', async () => {
    const { db } = fileDb();
    const rawHorizon = now - 2 * day;
    await createCallRecordWriter(db)([
      withBodies(now - day / 2, 'call_fresh'),
      withBodies(rawHorizon, 'call_on_the_horizon'),
      withBodies(rawHorizon - 1, 'call_just_past'),
      withBodies(now - 2.5 * day, 'call_old'),
      withBodies(now - 5 * day, 'call_older'),
      withBodies(now - 40 * day, 'call_ancient'),
    ]);
    const before = { minute: await rollupStarts(db, 'minute'), hour: await rollupStarts(db, 'hour'), day: await rollupStarts(db, 'day') };

    const result = await enforceRetention(db, settings, now);

    const kept = (await db.select({ id: callRecords.id }).from(callRecords).orderBy(callRecords.id)).map((r) => r.id);
    expect(kept).toEqual(['call_fresh', 'call_on_the_horizon']);
    expect((await db.select({ id: callBodies.callRecordId }).from(callBodies).orderBy(callBodies.callRecordId)).map((r) => r.id)).toEqual(kept);
    // A bucket goes only once it has ended before its level's horizon.
    const keptFrom = (level: RollupLevel, days: number, width: number) => before[level].filter((t) => t + width > now - days * day);
    expect(await rollupStarts(db, 'minute')).toEqual(keptFrom('minute', 1, 60_000));
    expect(await rollupStarts(db, 'minute')).toHaveLength(1);
    expect(await rollupStarts(db, 'hour')).toEqual(keptFrom('hour', 3, 3_600_000));
    expect(await rollupStarts(db, 'hour')).toHaveLength(4);
    // 0 keeps the day level forever.
    expect(await rollupStarts(db, 'day')).toEqual(before.day);
    expect(result).toEqual({ records: 4, bodies: 4, rollups: { minute: 5, hour: 2, day: 0 } });
    // Running again finds nothing more.
    expect(await enforceRetention(db, settings, now)).toEqual({ records: 0, bodies: 0, rollups: { minute: 0, hour: 0, day: 0 } });
  });

  it('keeps a bucket that straddles the horizon whole', async () => {
    const { db } = fileDb();
    // Half a minute past a minute edge: the minute bucket holding the horizon keeps calls from before it too.
    const at = now + 30_000;
    const horizon = at - day;
    await createCallRecordWriter(db)([callRecord({ startedAt: horizon - 10_000 }), callRecord({ startedAt: horizon - 60_000 })]);
    await enforceRetention(db, { ...settings, rawDays: 0 }, at);
    expect(await rollupStarts(db, 'minute')).toEqual([horizon - 30_000]);
    // rawDays 0: raw records are kept forever.
    expect(await rows(db, callRecords)).toBe(2);
  });

  it('deletes in bounded chunks, releasing the write lock between them so another writer gets in', async () => {
    const statements: string[] = [];
    const { db, file } = fileDb(statements);
    const old = Array.from({ length: 60 }, (_, i) => callRecord({ startedAt: now - 10 * day - i * 60_000 }));
    await createCallRecordWriter(db)(old);
    // A second connection, as another portal process would hold, that will not wait for the lock at all.
    const other = new Database(file, { timeout: 0 });
    let otherWrites = 0;
    statements.length = 0;
    const result = await enforceRetention(db, settings, now, {
      chunkRows: 7,
      pause: async () => {
        other.prepare('INSERT INTO config_revision (id, revision, updated_at) VALUES (?, 1, 0) ON CONFLICT DO NOTHING').run(100 + otherWrites);
        otherWrites += 1;
      },
    });
    other.close();
    expect(result.records).toBe(60);
    const deletes = statements.filter((s) => s.startsWith('DELETE FROM "call_records"'));
    // 60 rows at 7 a statement: 8 full chunks and the one that finds fewer.
    expect(deletes).toHaveLength(9);
    expect(otherWrites).toBeGreaterThanOrEqual(8);
    expect(await rows(db, callRecords)).toBe(0);
  });

  it('stops between chunks when told to (a portal shutting down), leaving the rest to the next run', async () => {
    const { db } = fileDb();
    await createCallRecordWriter(db)(Array.from({ length: 30 }, (_, i) => callRecord({ startedAt: now - 10 * day - i * 60_000 })));
    const stop = new AbortController();
    let chunks = 0;
    const result = await enforceRetention(db, settings, now, {
      chunkRows: 5,
      signal: stop.signal,
      pause: async () => {
        if (++chunks === 2) stop.abort();
      },
    });
    // Two pauses, then the abort seen after the third chunk: 15 of 30 gone, and no rollup level touched.
    expect(result).toEqual({ records: 15, bodies: 0, rollups: { minute: 0, hour: 0, day: 0 } });
    expect(await rows(db, callRecords)).toBe(15);
    expect((await enforceRetention(db, settings, now)).records).toBe(15);
  });
});

describe('retention settings', () => {
  it('defaults to 30 days raw, 7 minute, 90 hour, 730 day, swept hourly', () => {
    const config = parsePortalConfig({});
    expect(config.retention).toEqual({ rawDays: 30, minuteDays: 7, hourDays: 90, dayDays: 730 });
    expect(config.retentionSweepMs).toBe(3_600_000);
  });

  it('takes 0 as keep forever, an empty value as the default, and refuses negatives naming the variable', () => {
    const config = parsePortalConfig({ TOLLGATE_RETENTION_DAY_DAYS: '0', TOLLGATE_RETENTION_RAW_DAYS: '', TOLLGATE_RETENTION_MINUTE_DAYS: '2' });
    expect(config.retention).toEqual({ rawDays: 30, minuteDays: 2, hourDays: 90, dayDays: 0 });
    expect(() => parsePortalConfig({ TOLLGATE_RETENTION_HOUR_DAYS: '-1' })).toThrow(/TOLLGATE_RETENTION_HOUR_DAYS: use 0 \(keep forever\)/);
    expect(() => parsePortalConfig({ TOLLGATE_RETENTION_RAW_DAYS: 'a month' })).toThrow(/TOLLGATE_RETENTION_RAW_DAYS/);
    expect(() => parsePortalConfig({ TOLLGATE_RETENTION_SWEEP_MINUTES: '0' })).toThrow(/TOLLGATE_RETENTION_SWEEP_MINUTES/);
  });
});

// The schedule itself (in-process timer, BullMQ job scheduler shared by portals) is the job queue's contract,
// tested on both queues in packages/jobs; here it drives retention with a clock the test moves.
describe('scheduled retention', () => {
  const open: JobQueue[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.close()));
  });

  it('runs on its schedule against the clock it is given', async () => {
    const { db } = fileDb();
    await createCallRecordWriter(db)([callRecord({ startedAt: now - day }), callRecord({ startedAt: now - 3 * day })]);
    const jobs = createInProcessQueue();
    open.push(jobs);
    let clock = now - 3 * day;
    let runs = 0;
    await scheduleRetention({ db, jobs, settings, everyMs: 100, logger: pino({ level: 'silent' }), clock: () => (runs++, clock) });
    const deadline = Date.now() + 8_000;
    while (runs < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Nothing is past its horizon yet at that clock.
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(await rows(db, callRecords)).toBe(2);
    clock = now;
    while ((await rows(db, callRecords)) === 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await rows(db, callRecords)).toBe(1);
    clock = now + 10 * day;
    while ((await rows(db, callRecords)) === 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await rows(db, callRecords)).toBe(0);
  });
});
