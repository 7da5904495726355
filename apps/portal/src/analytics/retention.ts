import { and, eq, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Logger } from 'pino';
import { callBodies, callRecords, callRollups, changedRows, executeRaw, isPostgres, transact, type Db, type RollupLevel } from '@tollgate/db';
import type { JobQueue } from '@tollgate/jobs';
import { levelWidthMs, rollupLevels } from './rollups';

/** Days each kind of data is kept; 0 keeps it forever. */
export interface RetentionSettings {
  /** Raw call records, and their captured bodies with them. */
  rawDays: number;
  minuteDays: number;
  hourDays: number;
  dayDays: number;
}

export const defaultRetention: RetentionSettings = { rawDays: 30, minuteDays: 7, hourDays: 90, dayDays: 730 };

export interface RetentionResult {
  records: number;
  bodies: number;
  rollups: Record<RollupLevel, number>;
}

export interface RetentionOptions {
  /** Rows deleted per statement; each statement is its own short write transaction. */
  chunkRows?: number;
  /** Awaited between chunks, so other writers (the call-record writer, another portal) get the lock. */
  pause?: () => Promise<void>;
  /** Stops the run between chunks (a portal shutting down); the next run deletes the rest. */
  signal?: AbortSignal;
}

const dayMs = 86_400_000;
const levelDays: Record<RollupLevel, keyof RetentionSettings> = { minute: 'minuteDays', hour: 'hourDays', day: 'dayDays' };
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes what is older than its retention: raw records (and their bodies) that started before the horizon,
 * and rollup buckets that ended before their level's horizon (a bucket straddling it stays whole). Deletes go
 * in chunks by row address (SQLite's rowid, PostgreSQL's ctid) through the time indexes, so no statement holds
 * the write lock for long, however much is due (the first run after an upgrade, say).
 */
export async function enforceRetention(db: Db, settings: RetentionSettings, now: number, options: RetentionOptions = {}): Promise<RetentionResult> {
  const chunk = options.chunkRows ?? 2_000;
  const pause = options.pause ?? yieldToOthers;
  const row = sql.raw(isPostgres(db) ? 'ctid' : 'rowid');
  async function deleteInChunks(table: typeof callBodies | typeof callRecords | typeof callRollups, where: SQL | undefined): Promise<number> {
    const statement = sql`DELETE FROM ${table} WHERE ${row} IN (SELECT ${row} FROM ${table} WHERE ${where} LIMIT ${chunk})`;
    let total = 0;
    for (;;) {
      // Each chunk is its own short transaction, taking its turn with the portal's others (ADR 0040).
      const deleted = changedRows(await transact(db, (tx) => executeRaw(tx, statement)));
      total += deleted;
      if (deleted < chunk || options.signal?.aborted) return total;
      await pause();
    }
  }

  const result: RetentionResult = { records: 0, bodies: 0, rollups: { minute: 0, hour: 0, day: 0 } };
  if (settings.rawDays > 0) {
    const horizon = now - settings.rawDays * dayMs;
    // Bodies first: a body is never left without its record when a run stops half-way.
    result.bodies = await deleteInChunks(callBodies, lt(callBodies.startedAt, horizon));
    result.records = await deleteInChunks(callRecords, lt(callRecords.startedAt, horizon));
  }
  for (const level of rollupLevels) {
    const days = settings[levelDays[level]];
    if (days <= 0 || options.signal?.aborted) continue;
    const lastStart = now - days * dayMs - levelWidthMs[level];
    result.rollups[level] = await deleteInChunks(callRollups, and(eq(callRollups.level, level), lte(callRollups.bucketStart, lastStart)));
  }
  return result;
}

export const retentionJob = 'analytics.retention';
const retentionScheduler = 'analytics-retention';

/**
 * Enforces retention on a schedule: the job queue's in-process timer in the embedded default, a BullMQ job
 * scheduler when Redis is configured, which every portal upserts under one id so several portals do not
 * multiply the runs. A run that overlaps one still going in this process is skipped.
 */
export async function scheduleRetention(deps: {
  db: Db;
  jobs: JobQueue;
  settings: RetentionSettings;
  everyMs: number;
  logger: Logger;
  clock?: () => number;
  options?: RetentionOptions;
}): Promise<{ stop(): void }> {
  const clock = deps.clock ?? Date.now;
  // Shutdown must not wait for a long first sweep (after an upgrade, say): it stops it between chunks.
  const stopping = new AbortController();
  let running = false;
  deps.jobs.process(retentionJob, async () => {
    if (running) return;
    running = true;
    try {
      if (stopping.signal.aborted) return;
      const result = await enforceRetention(deps.db, deps.settings, clock(), { ...deps.options, signal: stopping.signal });
      const deleted = result.records + result.bodies + result.rollups.minute + result.rollups.hour + result.rollups.day;
      if (deleted > 0) deps.logger.info({ retention: result }, 'deleted call data past its retention');
    } catch (err) {
      deps.logger.error({ err }, 'retention run failed; the next one retries');
      throw err;
    } finally {
      running = false;
    }
  });
  await deps.jobs.schedule(retentionScheduler, retentionJob, deps.everyMs);
  return { stop: () => stopping.abort() };
}
