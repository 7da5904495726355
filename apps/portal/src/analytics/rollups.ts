import type Database from 'better-sqlite3';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { callRollups, type RollupLevel } from '@tollgate/db';
import type { CallRecord } from '@tollgate/domain';
import { mergeEncoded, SketchBuilder } from './sketch';

/** Bucket widths of the rollup levels; buckets are aligned to the Unix epoch, so they are UTC minutes, hours, days. */
export const levelWidthMs: Record<RollupLevel, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
export const rollupLevels = Object.keys(levelWidthMs) as RollupLevel[];

export const bucketOf = (at: number, level: RollupLevel) => Math.floor(at / levelWidthMs[level]) * levelWidthMs[level];

/** The same classes as the gateway's `/metrics` (apps/gateway/src/metrics): a client that left (499) is its own. */
export const statusClassOf = (status: number) => (status === 499 ? '499' : `${Math.floor(status / 100)}xx`);

/** What a rollup row sums, in table order after the sketches. */
export const rollupMeasures = ['bytesIn', 'bytesOut', 'inputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'outputTokens', 'reasoningTokens', 'costMicroUsd'] as const;

export interface RollupGroup {
  level: RollupLevel;
  bucketStart: number;
  dims: readonly string[];
  requests: number;
  errors: number;
  latencyMsSum: number;
  latency: SketchBuilder;
  ttft: SketchBuilder | null;
  sums: number[];
}

const column = (field: keyof typeof callRollups.$inferSelect) => `"${callRollups[field].name}"`;
const dimensionColumns = (['teamId', 'serviceId', 'api', 'appId', 'model', 'statusClass'] as const).map(column);
const keyColumns = [column('level'), column('bucketStart'), ...dimensionColumns];
const measureColumns = rollupMeasures.map(column);
const sketchMerge = 'tollgate_sketch_merge';
const taught = new WeakSet<Database.Database>();

// One statement per rollup row a batch touches: a new row is inserted, an existing one (an earlier batch, a late
// record, another portal's batch) gets the sums added and the sketches merged by the function registered below.
const upsertSql = `INSERT INTO "${getTableConfig(callRollups).name}"
  (${[...keyColumns, column('requests'), column('errors'), column('latencyMsSum'), column('latencySketch'), column('ttftSketch'), ...measureColumns].join(', ')})
  VALUES (${Array.from({ length: keyColumns.length + 5 + measureColumns.length }, () => '?').join(', ')})
  ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
  ${[column('requests'), column('errors'), column('latencyMsSum'), ...measureColumns].map((c) => `${c} = ${c} + excluded.${c}`).join(', ')},
  ${column('latencySketch')} = ${sketchMerge}(${column('latencySketch')}, excluded.${column('latencySketch')}),
  ${column('ttftSketch')} = ${sketchMerge}(${column('ttftSketch')}, excluded.${column('ttftSketch')})`;

/**
 * The rollup rows one batch touches, gathered in memory: `add` takes each newly stored record (a redelivered
 * one never reaches it, so nothing counts twice) into its minute, hour and day group. A late record simply
 * lands in its own, older buckets. The writers below store the groups, each its database's way.
 */
export function createRollupGroups() {
  const groups = new Map<string, RollupGroup>();

  function groupFor(level: RollupLevel, bucketStart: number, dimsKey: string, dims: readonly string[]): RollupGroup {
    const key = `${level}\u0000${bucketStart}\u0000${dimsKey}`;
    let group = groups.get(key);
    if (!group) {
      group = { level, bucketStart, dims, requests: 0, errors: 0, latencyMsSum: 0, latency: new SketchBuilder(), ttft: null, sums: rollupMeasures.map(() => 0) };
      groups.set(key, group);
    }
    return group;
  }

  return {
    add(record: CallRecord): void {
      const dims = [record.teamId ?? '', record.serviceId ?? '', record.api ?? '', record.appId ?? '', record.model ?? '', statusClassOf(record.status)];
      const dimsKey = dims.join('\u0000');
      const latency = Math.max(0, record.latencyMs);
      const ttft = record.stream && record.ttftMs !== null ? Math.max(0, record.ttftMs) : null;
      for (const level of rollupLevels) {
        const g = groupFor(level, bucketOf(record.startedAt, level), dimsKey, dims);
        g.requests += 1;
        if (record.failed) g.errors += 1;
        g.latencyMsSum += latency;
        g.latency.accept(latency);
        if (ttft !== null) (g.ttft ??= new SketchBuilder()).accept(ttft);
        for (let i = 0; i < rollupMeasures.length; i += 1) g.sums[i]! += record[rollupMeasures[i]!];
      }
    },
    /** Hands the gathered groups over and forgets them (also what a rolled-back batch does with them). */
    take(): RollupGroup[] {
      const taken = [...groups.values()];
      groups.clear();
      return taken;
    },
  };
}

/**
 * The SQLite writer, inside the call-record writer's transaction: one upsert per group, which adds the sums to
 * an existing row (an earlier batch, a late record, another portal's batch) and merges the sketches there.
 */
export function createRollupWriter(client: Database.Database) {
  // SQLite cannot merge sketches, so the connection that writes them is taught how, once: defining a function
  // again would expire the statements other writers on the connection prepared.
  if (!taught.has(client)) {
    client.function(sketchMerge, { deterministic: true }, (a: unknown, b: unknown) => mergeEncoded(a as Buffer | null, b as Buffer | null));
    taught.add(client);
  }
  const upsert = client.prepare(upsertSql);
  const groups = createRollupGroups();
  return {
    add: groups.add,
    flush(): void {
      for (const g of groups.take()) {
        upsert.run(g.level, g.bucketStart, ...g.dims, g.requests, g.errors, g.latencyMsSum, g.latency.encode(), g.ttft?.encode() ?? null, ...g.sums);
      }
    },
    /** Drops what `add` gathered: the transaction it belonged to rolled back. */
    discard(): void {
      groups.take();
    },
  };
}
