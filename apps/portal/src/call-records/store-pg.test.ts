import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiKeys, apps, callBodies, callRecords, callRollups, teams, type Db } from '@tollgate/db';
import { bothDatabases } from '@tollgate/db/pg/testing';
import { newId, type AppId, type KeyId, type TeamId } from '@tollgate/domain';
import { callRecord } from '../testing/call-record-factory';
import { SketchBuilder, quantileOf } from '../analytics/sketch';
import { createCallRecordWriter } from './store';

/**
 * The meter's sink on both databases (ADR 0040): the same batches written through `createCallRecordWriter` to
 * SQLite (prepared statements, a sketch-merging SQL function) and to PostgreSQL (drizzle, sketches merged in
 * the writer) must leave the same rows: records, bodies, a key's last use, and rollups with their sketches.
 */
const both = bothDatabases();
const teamId = newId('team') as TeamId;
const appId = newId('app') as AppId;
const keyId = newId('key') as KeyId;

async function seed(db: Db) {
  await db.insert(teams).values({ id: teamId, name: 'Meter', slug: 'meter' });
  await db.insert(apps).values({ id: appId, teamId, name: 'Client' });
  await db.insert(apiKeys).values({ id: keyId, appId, name: 'ci', prefix: 'tg_meter', hash: 'a'.repeat(64) });
}

const minute = 1_764_812_340_000;
const batchOne = [
  callRecord({ teamId, appId, keyId, startedAt: minute + 1_000, latencyMs: 100, stream: true, ttftMs: 40 }),
  callRecord({ teamId, appId, keyId, startedAt: minute + 2_000, latencyMs: 300, status: 502, failed: true }),
  callRecord({
    teamId,
    appId,
    startedAt: minute + 3_000,
    latencyMs: 200,
    path: '/v1/chat/completions',
    bodies: { request: '{"a":1}', response: 'bytes\u0000after a NUL', requestTruncated: false, responseTruncated: true },
  }),
];
// The same minute again (its rollup rows exist: sums add, sketches merge), a later key use, and a redelivery.
const batchTwo = [callRecord({ teamId, appId, keyId, startedAt: minute + 30_000, latencyMs: 900, stream: true, ttftMs: 80 }), batchOne[0]!];

async function written(db: Db) {
  const write = createCallRecordWriter(db);
  await write(batchOne);
  await write(batchTwo);
  await write(batchTwo);
  const records = await db.select().from(callRecords).orderBy(asc(callRecords.startedAt));
  const bodies = await db.select().from(callBodies);
  const [key] = await db.select({ lastUsedAt: apiKeys.lastUsedAt }).from(apiKeys).where(eq(apiKeys.id, keyId));
  const rollups = await db.select().from(callRollups).orderBy(asc(callRollups.level), asc(callRollups.statusClass));
  return { records, bodies, key, rollups };
}

const quantiles = (sketch: Buffer | null) => {
  const read = sketch ? new SketchBuilder().add(sketch).sketch() : null;
  return [0.5, 1].map((q) => quantileOf(read, q));
};

describe('the call-record writer on SQLite and on PostgreSQL', () => {
  it('stores the same records, bodies, last use and rollups, once each however often a batch comes', async () => {
    await seed(both.sqlite);
    await seed(both.pg as unknown as Db);
    const onSqlite = await written(both.sqlite);
    const onPg = await written(both.pg as unknown as Db);

    expect(onPg.records).toHaveLength(4);
    expect(onPg.records).toEqual(onSqlite.records);
    expect(onPg.key).toEqual({ lastUsedAt: minute + 30_000 });
    expect(onSqlite.key).toEqual(onPg.key);
    // PostgreSQL refuses NUL in text: the captured body keeps everything else.
    expect(onSqlite.bodies[0]!.responseBody).toBe('bytes\u0000after a NUL');
    expect(onPg.bodies).toEqual([{ ...onSqlite.bodies[0]!, responseBody: 'bytes\uFFFDafter a NUL' }]);

    const strip = (rows: typeof onPg.rollups) => rows.map(({ latencySketch, ttftSketch, ...sums }) => ({ ...sums, latency: quantiles(latencySketch), ttft: quantiles(ttftSketch) }));
    expect(strip(onPg.rollups)).toEqual(strip(onSqlite.rollups));
    const minuteOk = strip(onPg.rollups).find((r) => r.level === 'minute' && r.statusClass === '2xx')!;
    // Three calls in that minute's 2xx row: two from the first batch, one merged in from the second.
    expect(minuteOk).toMatchObject({ requests: 3, errors: 0, latencyMsSum: 1_200 });
    // The largest latency came in the merged batch: the stored sketch holds it.
    expect(minuteOk.latency[1]).toBeGreaterThan(850);
    expect(minuteOk.ttft[0]).not.toBeNull();
  });

  it('writes a batch whole or not at all on PostgreSQL', async () => {
    const db = both.pg as unknown as Db;
    const before = (await db.select().from(callRecords)).length;
    const good = callRecord({ teamId, appId, startedAt: minute + 50_000 });
    const broken = callRecord({ teamId, appId, startedAt: minute + 51_000, path: null as never });
    await expect(createCallRecordWriter(db)([good, broken])).rejects.toThrow();
    expect(await db.select().from(callRecords)).toHaveLength(before);
  });
});
