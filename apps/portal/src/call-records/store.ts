import { getTableColumns } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { apiKeys, callBodies, callRecords, isPostgres, transact, type Db } from '@tollgate/db';
import { apiOfCall, type CallRecord } from '@tollgate/domain';
import { createRollupWriter } from '../analytics/rollups';
import { createPgCallRecordWriter } from './store-pg';

// The column list comes from the drizzle schema, so the statement cannot drift from the table.
const columns = Object.entries(getTableColumns(callRecords)) as Array<[keyof CallRecord, { name: string }]>;
const insertSql = `INSERT INTO "${getTableConfig(callRecords).name}" (${columns.map(([, c]) => `"${c.name}"`).join(', ')})
  VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`;

const toSqlite = (value: unknown) => (typeof value === 'boolean' ? (value ? 1 : 0) : (value ?? null));

/**
 * Writes one batch of call records in one transaction: a batch lands whole or not at all, and with it the
 * minute, hour and day rollups of its new records. This is the meter's sink, run for every call the gateway
 * serves, so it uses prepared statements rather than drizzle's query builder, which cost several times the
 * insert itself in `npm run bench`. Synchronous, on the connection it is given: the all-in-one's writer thread
 * (ADR 0029) runs it on its own connection.
 */
export function createSqliteCallRecordWriter(db: Db): (records: readonly CallRecord[]) => void {
  const insert = db.$client.prepare(insertSql);
  // A key's last use comes from its calls: the gateway never writes the database, so the store does it here,
  // once per key per batch.
  const touchKey = db.$client.prepare(`UPDATE "${getTableConfig(apiKeys).name}" SET "last_used_at" = MAX(COALESCE("last_used_at", 0), ?) WHERE "id" = ?`);
  const insertBodies = db.$client.prepare(
    `INSERT INTO "${getTableConfig(callBodies).name}" ("call_record_id", "started_at", "request_body", "response_body", "request_truncated", "response_truncated")
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const rollups = createRollupWriter(db.$client);
  const writeBatch = db.$client.transaction((records: readonly CallRecord[]) => {
    try {
      writeRecords(records);
      rollups.flush();
    } finally {
      // A batch that failed half-way rolled back: what it gathered must not reach the next one.
      rollups.discard();
    }
  });
  function writeRecords(records: readonly CallRecord[]): void {
    const lastUse = new Map<string, number>();
    for (const sent of records) {
      // Records from gateways older than the API dimension get it here.
      const record = sent.api ? sent : { ...sent, api: apiOfCall(sent.path, sent.promptId) };
      // A record sent twice (a retried batch or job) is stored once: everything below follows a new row only.
      const inserted = insert.run(columns.map(([field]) => toSqlite(record[field]))).changes === 1;
      if (!inserted) continue;
      const bodies = record.bodies;
      if (bodies) insertBodies.run(record.id, record.startedAt, bodies.request, bodies.response, bodies.requestTruncated ? 1 : 0, bodies.responseTruncated ? 1 : 0);
      if (record.keyId) lastUse.set(record.keyId, Math.max(lastUse.get(record.keyId) ?? 0, record.startedAt));
      rollups.add(record);
    }
    for (const [keyId, at] of lastUse) touchKey.run(at, keyId);
  }
  return (records) => {
    if (records.length > 0) writeBatch(records);
  };
}

/** The meter's sink on either database (ADR 0040): SQLite's prepared statements, or PostgreSQL's (store-pg.ts). */
export function createCallRecordWriter(db: Db): (records: readonly CallRecord[]) => Promise<void> {
  if (isPostgres(db)) return createPgCallRecordWriter(db);
  const write = createSqliteCallRecordWriter(db);
  // On the portal's connection its own (synchronous) transaction becomes a savepoint of transact's, which takes
  // its turn: it must not join a transaction another request holds open (ADR 0040).
  return (records) => transact(db, () => write(records));
}

/** One-off convenience for callers that do not keep a writer. */
export function insertCallRecords(db: Db, records: readonly CallRecord[]): Promise<void> {
  return createCallRecordWriter(db)(records);
}
