import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { apiKeys, callBodies, callRecords, callRollups, executeRaw, selectRaw, transact, type Db, type Tx } from '@tollgate/db';
import { apiOfCall, type CallRecord } from '@tollgate/domain';
import { createRollupGroups, rollupMeasures, type RollupGroup } from '../analytics/rollups';
import { mergeEncoded } from '../analytics/sketch';

/**
 * The call-record writer on PostgreSQL (ADR 0040): the same contract as SQLite's in store.ts (a batch lands whole
 * or not at all, with its rollups; a record sent twice is stored once; a key's last use moves forward only), in
 * one transaction. PostgreSQL cannot run the sketch merge SQLite is taught, so a rollup row that exists already is
 * upserted for its sums (which locks it until the commit) and its sketches are merged here.
 *
 * Rows go to PostgreSQL as one JSON parameter per statement, expanded by `json_populate_recordset`: drizzle's
 * multi-row insert binds every cell (30 per call record), and a 1,000-record batch with its ~1,000 rollup rows
 * took 400–600 ms that way against 120–180 ms this way (one run, loopback server, 2 cores).
 */

type Table = typeof callRecords | typeof callBodies | typeof callRollups;

/** PostgreSQL refuses NUL in text; SQLite keeps it. Captured bodies and paths are shown, so U+FFFD stands in. */
const withoutNul = (text: string | null) => (text !== null && text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text);

/** A JSON cell as PostgreSQL's record input reads it: bytes in bytea's hex form, text without NUL. */
const jsonCell = (value: unknown) => (Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : typeof value === 'string' ? withoutNul(value) : (value ?? null));

/**
 * `insert into <table> (<its columns>) select <them> from json_populate_recordset(null::<table>, <rows as JSON>)`:
 * rows given by field name (as drizzle names them), sent by column name.
 */
function insertRows(table: Table, rows: ReadonlyArray<Record<string, unknown>>): SQL {
  const columns = Object.entries(getTableColumns(table)).map(([field, column]) => [field, column.name] as const);
  const json = JSON.stringify(rows.map((row) => Object.fromEntries(columns.map(([field, name]) => [name, jsonCell(row[field])]))));
  const names = sql.raw(columns.map(([, name]) => `"${name}"`).join(', '));
  return sql`insert into ${table} (${names}) select ${names} from json_populate_recordset(null::${table}, ${json}::json)`;
}

export function createPgCallRecordWriter(db: Db): (records: readonly CallRecord[]) => Promise<void> {
  return async (records) => {
    if (records.length === 0) return;
    // Records from gateways older than the API dimension get it here, as on SQLite.
    const rows = records.map((r) => (r.api ? r : { ...r, api: apiOfCall(r.path, r.promptId) }));
    await transact(db, async (tx) => {
      const inserted = await selectRaw<{ id: string }>(tx, sql`${insertRows(callRecords, rows as unknown as Array<Record<string, unknown>>)} on conflict do nothing returning "id"`);
      const ids = new Set(inserted.map((r) => r.id));
      // Everything below follows a new row only: a record sent twice (a retried batch or job) counts once.
      const fresh = rows.filter((r) => ids.has(r.id));
      const bodies = fresh.flatMap((r) =>
        r.bodies
          ? [
              {
                callRecordId: r.id,
                startedAt: r.startedAt,
                requestBody: r.bodies.request,
                responseBody: r.bodies.response,
                requestTruncated: r.bodies.requestTruncated,
                responseTruncated: r.bodies.responseTruncated,
              },
            ]
          : [],
      );
      if (bodies.length) await executeRaw(tx, sql`${insertRows(callBodies, bodies)} on conflict do nothing`);
      const lastUse = new Map<string, number>();
      for (const r of fresh) if (r.keyId) lastUse.set(r.keyId, Math.max(lastUse.get(r.keyId) ?? 0, r.startedAt));
      if (lastUse.size) {
        const uses = JSON.stringify([...lastUse].map(([id, at]) => ({ id, at })));
        await executeRaw(
          tx,
          sql`update ${apiKeys} set "last_used_at" = greatest(coalesce(${apiKeys}."last_used_at", 0), u.at)
            from json_to_recordset(${uses}::json) as u(id text, at bigint) where ${apiKeys}."id" = u.id`,
        );
      }
      const groups = createRollupGroups();
      for (const r of fresh) groups.add(r);
      await upsertRollups(tx, groups.take());
    });
  };
}

const keyColumns = ['level', 'bucketStart', 'teamId', 'serviceId', 'api', 'appId', 'model', 'statusClass'].map((f) => callRollups[f as 'level'].name);
const summedColumns = ['requests', 'errors', 'latencyMsSum', ...rollupMeasures].map((f) => callRollups[f as 'requests'].name);
const quoted = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');
const rollupTable = getTableConfig(callRollups).name;

interface StoredRollup {
  latency_sketch: Buffer;
  ttft_sketch: Buffer | null;
  inserted: boolean;
  [key: string]: unknown;
}

/**
 * The batch's rollup rows in two statements: one upsert that inserts the new rows and adds the sums to existing
 * ones, then one update that writes back the merged sketches of the rows that existed. `xmax = 0` tells
 * PostgreSQL's insert from its update; after an update the returned sketches are the row's own (the upsert left
 * them) and the row is locked by this transaction until it commits, so merging them here cannot lose another
 * writer's sketch.
 */
async function upsertRollups(tx: Tx, groups: readonly RollupGroup[]): Promise<void> {
  if (!groups.length) return;
  const rows = groups.map((g) => {
    const [teamId, serviceId, api, appId, model, statusClass] = g.dims;
    const sums = Object.fromEntries(rollupMeasures.map((m, n) => [m, g.sums[n]!]));
    // A group holds at least the record that made it, so its latency sketch is never empty.
    return { level: g.level, bucketStart: g.bucketStart, teamId, serviceId, api, appId, model, statusClass, requests: g.requests, errors: g.errors, latencyMsSum: g.latencyMsSum, latencySketch: g.latency.encode()!, ttftSketch: g.ttft?.encode() ?? null, ...sums };
  });
  const keyOf = (row: Record<string, unknown>, names: readonly string[]) => names.map((n) => String(row[n])).join('\u0000');
  const fieldKeys = ['level', 'bucketStart', 'teamId', 'serviceId', 'api', 'appId', 'model', 'statusClass'];
  const mine = new Map(rows.map((r) => [keyOf(r, fieldKeys), r]));
  const stored = await selectRaw<StoredRollup>(
    tx,
    sql`${insertRows(callRollups, rows)}
      on conflict (${sql.raw(quoted(keyColumns))}) do update set ${sql.raw(summedColumns.map((c) => `"${c}" = "${rollupTable}"."${c}" + excluded."${c}"`).join(', '))}
      returning ${sql.raw(quoted(keyColumns))}, "latency_sketch", "ttft_sketch", (xmax = 0) as inserted`,
  );
  const merged = stored.flatMap((row) => {
    if (row.inserted) return [];
    const added = mine.get(keyOf(row, keyColumns))!;
    const key = Object.fromEntries(keyColumns.map((c, i) => [fieldKeys[i]!, row[c]]));
    return [{ ...key, latencySketch: mergeEncoded(row.latency_sketch, added.latencySketch)!, ttftSketch: mergeEncoded(row.ttft_sketch, added.ttftSketch) }];
  });
  if (!merged.length) return;
  const json = JSON.stringify(merged.map((m) => Object.fromEntries(Object.entries(m).map(([field, value]) => [callRollups[field as 'level'].name, jsonCell(value)]))));
  await executeRaw(
    tx,
    sql`update ${callRollups} set "latency_sketch" = v."latency_sketch", "ttft_sketch" = v."ttft_sketch"
      from json_populate_recordset(null::${callRollups}, ${json}::json) as v
      where ${sql.raw(keyColumns.map((c) => `"${rollupTable}"."${c}" = v."${c}"`).join(' and '))}`,
  );
}
