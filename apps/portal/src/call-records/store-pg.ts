import { and, eq, sql } from 'drizzle-orm';
import { apiKeys, callBodies, callRecords, callRollups, transact, type Db, type Tx } from '@tollgate/db';
import { apiOfCall, type CallRecord } from '@tollgate/domain';
import { createRollupGroups, rollupMeasures, type RollupGroup } from '../analytics/rollups';
import { mergeEncoded } from '../analytics/sketch';

/**
 * The call-record writer on PostgreSQL (ADR 0040): the same contract as SQLite's in store.ts (a batch lands whole
 * or not at all, with its rollups; a record sent twice is stored once; a key's last use moves forward only),
 * through drizzle on one transaction. PostgreSQL cannot run the sketch merge SQLite is taught, so a rollup row
 * that exists already is upserted for its sums (which locks it until the commit) and its sketches merged here.
 */

// Rows per INSERT: 1,000 records of ~30 columns would pass PostgreSQL's 65,535 bind parameters.
const chunk = 500;

/** PostgreSQL refuses NUL in text; SQLite keeps it. Captured bodies and paths are shown, so U+FFFD stands in. */
const withoutNul = (text: string | null) => (text !== null && text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text);

function recordRow(sent: CallRecord): typeof callRecords.$inferInsert {
  // Records from gateways older than the API dimension get it here, as on SQLite.
  const record = sent.api ? sent : { ...sent, api: apiOfCall(sent.path, sent.promptId) };
  const { bodies: _bodies, ...row } = record as CallRecord & { bodies?: unknown };
  const clean: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(row)) clean[field] = typeof value === 'string' ? withoutNul(value) : value;
  return clean as typeof callRecords.$inferInsert;
}

export function createPgCallRecordWriter(db: Db): (records: readonly CallRecord[]) => Promise<void> {
  return async (records) => {
    if (records.length === 0) return;
    await transact(db, async (tx) => {
      const inserted = new Set<string>();
      for (let i = 0; i < records.length; i += chunk) {
        const rows = records.slice(i, i + chunk).map(recordRow);
        const ids = await tx.insert(callRecords).values(rows).onConflictDoNothing().returning({ id: callRecords.id });
        for (const { id } of ids) inserted.add(id);
      }
      // Everything below follows a new row only: a record sent twice (a retried batch or job) counts once.
      const fresh = records.filter((r) => inserted.has(r.id));
      const bodies = fresh.flatMap((r) =>
        r.bodies
          ? [
              {
                callRecordId: r.id,
                startedAt: r.startedAt,
                requestBody: withoutNul(r.bodies.request),
                responseBody: withoutNul(r.bodies.response),
                requestTruncated: r.bodies.requestTruncated,
                responseTruncated: r.bodies.responseTruncated,
              },
            ]
          : [],
      );
      for (let i = 0; i < bodies.length; i += chunk) await tx.insert(callBodies).values(bodies.slice(i, i + chunk)).onConflictDoNothing();
      const lastUse = new Map<string, number>();
      for (const r of fresh) if (r.keyId) lastUse.set(r.keyId, Math.max(lastUse.get(r.keyId) ?? 0, r.startedAt));
      for (const [keyId, at] of lastUse) {
        await tx
          .update(apiKeys)
          .set({ lastUsedAt: sql`greatest(coalesce(${apiKeys.lastUsedAt}, 0), ${at}::bigint)` })
          .where(eq(apiKeys.id, keyId as typeof apiKeys.$inferSelect.id));
      }
      const groups = createRollupGroups();
      for (const r of fresh) groups.add(r.api ? r : { ...r, api: apiOfCall(r.path, r.promptId) });
      for (const g of groups.take()) await upsertRollup(tx, g);
    });
  };
}

const excluded = (column: { name: string }) => sql.raw(`excluded."${column.name}"`);
const summed = ['requests', 'errors', 'latencyMsSum', ...rollupMeasures] as const;

/**
 * One rollup row: inserted, or its sums added in the upsert. `xmax = 0` tells PostgreSQL's insert from its update;
 * after an update the returned sketches are the row's own (the upsert left them), now locked by this
 * transaction, so merging them here and writing them back cannot lose another writer's sketch.
 */
async function upsertRollup(tx: Tx, g: RollupGroup): Promise<void> {
  const [teamId, serviceId, api, appId, model, statusClass] = g.dims as [string, string, string, string, string, string];
  const key = { level: g.level as typeof callRollups.$inferInsert.level, bucketStart: g.bucketStart, teamId, serviceId, api, appId, model, statusClass };
  // A group holds at least the record that made it, so its latency sketch is never empty.
  const latencySketch = g.latency.encode()!;
  const ttftSketch = g.ttft?.encode() ?? null;
  const sums = Object.fromEntries(rollupMeasures.map((m, i) => [m, g.sums[i]!])) as Record<(typeof rollupMeasures)[number], number>;
  const [row] = await tx
    .insert(callRollups)
    .values({ ...key, requests: g.requests, errors: g.errors, latencyMsSum: g.latencyMsSum, latencySketch, ttftSketch, ...sums })
    .onConflictDoUpdate({
      target: [callRollups.level, callRollups.bucketStart, callRollups.teamId, callRollups.serviceId, callRollups.api, callRollups.appId, callRollups.model, callRollups.statusClass],
      set: Object.fromEntries(summed.map((field) => [field, sql`${callRollups[field]} + ${excluded(callRollups[field])}`])),
    })
    .returning({ latencySketch: callRollups.latencySketch, ttftSketch: callRollups.ttftSketch, inserted: sql<boolean>`(xmax = 0)` });
  if (!row || row.inserted) return;
  await tx
    .update(callRollups)
    .set({ latencySketch: mergeEncoded(row.latencySketch, latencySketch)!, ttftSketch: mergeEncoded(row.ttftSketch, ttftSketch) })
    .where(and(...Object.entries(key).map(([field, value]) => eq(callRollups[field as keyof typeof key], value as never))));
}
