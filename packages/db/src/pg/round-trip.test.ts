import { count, eq, sum } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServiceId } from '@tollgate/domain';
import { schema as sqliteSchema, type Db } from '../index';
import type { PgDb } from './client';
import * as pgSchema from './schema';
import { bothDatabases } from './test-database';

/**
 * The same rows, typed once by the SQLite insert types, written through drizzle to both databases and read back:
 * what a repository layer above both will rely on. Values are picked where the dialects could disagree: 64-bit
 * integers past int4, booleans, JSON with nesting, bytes, nulls, the defaults.
 */
const team = { id: 'team_aaaaaaaaaa', name: 'Platform', slug: 'platform', costBudgetMicroUsdPerMonth: 5_000_000_000 } satisfies typeof sqliteSchema.teams.$inferInsert;
const user = { id: 'usr_aaaaaaaaaa', email: 'a@example.com', name: 'A', passwordHash: 'scrypt$x' } satisfies typeof sqliteSchema.users.$inferInsert;
const openapi = { openapi: '3.1.0', paths: { '/pets': { get: { summary: 'List' } } }, info: { title: 'Pets', version: '1' } };
const service = {
  id: 'svc_aaaaaaaaaa', teamId: team.id, name: 'Pets', slug: 'pets', kind: 'rest', directModels: true, tags: ['a', 'b'], openapi,
  limits: { requestsPerMinute: 60 }, captureRedact: ['$.password'], updatedAt: 1_764_812_345_678,
} satisfies typeof sqliteSchema.services.$inferInsert;
const plan = { id: 'plan_aaaaaaaaaa', serviceId: service.id, name: 'Free', approval: 'auto', limits: { requestsPerMinute: 10 } } satisfies typeof sqliteSchema.plans.$inferInsert;
const app = { id: 'app_aaaaaaaaaa', teamId: team.id, name: 'Client', limits: { tokensPerDay: 1_000_000 } } satisfies typeof sqliteSchema.apps.$inferInsert;
const key = { id: 'key_aaaaaaaaaa', appId: app.id, name: 'ci', prefix: 'tg_abc', hash: 'f'.repeat(64), expiresAt: 4_102_444_800_000 } satisfies typeof sqliteSchema.apiKeys.$inferInsert;
const subscription = { id: 'sub_aaaaaaaaaa', appId: app.id, serviceId: service.id, planId: plan.id, state: 'approved', requestedBy: user.id, updatedAt: 1_764_812_345_679 } satisfies typeof sqliteSchema.subscriptions.$inferInsert;
const callRecord = {
  id: 'call_aaaaaaaaaa', requestId: 'req-1', startedAt: 1_764_812_345_680, teamId: team.id, appId: app.id, method: 'POST', path: '/v1/chat/completions',
  status: 200, failed: false, stream: true, latencyMs: 1234, ttftMs: null, bytesIn: 3_000_000_000, bytesOut: 12, inputTokens: 10, cacheReadTokens: 0,
  cacheWriteTokens: 0, outputTokens: 20, reasoningTokens: 0, costMicroUsd: 9_007_199_254_740_991, usageProblem: 'usage_missing',
} satisfies typeof sqliteSchema.callRecords.$inferInsert;
const rollup = {
  level: 'minute', bucketStart: 1_764_812_340_000, teamId: team.id, serviceId: service.id, api: '/v1/chat/completions', appId: app.id, model: '', statusClass: '2xx',
  requests: 3, errors: 0, latencyMsSum: 5_000_000_000, latencySketch: Buffer.from([0, 1, 2, 255, 0]), ttftSketch: null, bytesIn: 1, bytesOut: 2, inputTokens: 3,
  cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 4, reasoningTokens: 0, costMicroUsd: 5,
} satisfies typeof sqliteSchema.callRollups.$inferInsert;

describe('rows written through drizzle', () => {
  let sqlite: Db;
  let pg: PgDb;
  const both = bothDatabases();

  beforeAll(async () => {
    ({ sqlite, pg } = both);
    // Written without casts: the compiler accepts each literal for both tables' insert types.
    await sqlite.insert(sqliteSchema.teams).values(team);
    await pg.insert(pgSchema.teams).values(team);
    await sqlite.insert(sqliteSchema.users).values(user);
    await pg.insert(pgSchema.users).values(user);
    await sqlite.insert(sqliteSchema.services).values(service);
    await pg.insert(pgSchema.services).values(service);
    await sqlite.insert(sqliteSchema.plans).values(plan);
    await pg.insert(pgSchema.plans).values(plan);
    await sqlite.insert(sqliteSchema.apps).values(app);
    await pg.insert(pgSchema.apps).values(app);
    await sqlite.insert(sqliteSchema.apiKeys).values(key);
    await pg.insert(pgSchema.apiKeys).values(key);
    await sqlite.insert(sqliteSchema.subscriptions).values(subscription);
    await pg.insert(pgSchema.subscriptions).values(subscription);
    await sqlite.insert(sqliteSchema.callRecords).values(callRecord);
    await pg.insert(pgSchema.callRecords).values(callRecord);
    await sqlite.insert(sqliteSchema.callRollups).values(rollup);
    await pg.insert(pgSchema.callRollups).values(rollup);
  });

  it('read back equal on PostgreSQL and equal to what SQLite reads back', async () => {
    const pairs = [
      [await sqlite.select().from(sqliteSchema.teams), await pg.select().from(pgSchema.teams), team],
      [await sqlite.select().from(sqliteSchema.services), await pg.select().from(pgSchema.services), service],
      [await sqlite.select().from(sqliteSchema.apps), await pg.select().from(pgSchema.apps), app],
      [await sqlite.select().from(sqliteSchema.apiKeys), await pg.select().from(pgSchema.apiKeys), key],
      [await sqlite.select().from(sqliteSchema.subscriptions), await pg.select().from(pgSchema.subscriptions), subscription],
      [await sqlite.select().from(sqliteSchema.callRecords), await pg.select().from(pgSchema.callRecords), callRecord],
      [await sqlite.select().from(sqliteSchema.callRollups), await pg.select().from(pgSchema.callRollups), rollup],
    ] as const;
    for (const [fromSqlite, fromPg, written] of pairs) {
      expect(fromPg).toHaveLength(1);
      expect(fromPg[0]).toMatchObject(written);
      // Defaults filled in by each database (created_at aside, which differs by the ms) agree too.
      const { createdAt: pgCreated, ...pgRow } = fromPg[0] as Record<string, unknown>;
      const { createdAt: sqliteCreated, ...sqliteRow } = fromSqlite[0] as Record<string, unknown>;
      expect(pgRow).toEqual(sqliteRow);
      if (pgCreated !== undefined) expect(Math.abs(Number(pgCreated) - Number(sqliteCreated))).toBeLessThan(60_000);
    }
  });

  it('reads the same rows through the SQLite tables, which the portal uses on both databases (ADR 0040)', async () => {
    const onPg = pg as unknown as Db;
    const tables = ['teams', 'services', 'apps', 'apiKeys', 'subscriptions', 'callRecords', 'callRollups'] as const;
    for (const name of tables) {
      const viaSqliteTable = await onPg.select().from(sqliteSchema[name] as typeof sqliteSchema.teams);
      expect(viaSqliteTable, name).toEqual(await pg.select().from(pgSchema[name] as typeof pgSchema.teams));
    }
    // count() is a number, as on SQLite (node-postgres reads int8 as a string by default); drizzle's sum() is text on both.
    const [totals] = await onPg.select({ n: count(), bytes: sum(sqliteSchema.callRecords.bytesIn) }).from(sqliteSchema.callRecords);
    expect(totals).toEqual({ n: 1, bytes: '3000000000' });
    expect(typeof (await onPg.select({ n: count() }).from(sqliteSchema.teams))[0]!.n).toBe('number');
  });

  it('writes through the SQLite tables what pg-core reads back: booleans, JSON in order, bytes, big numbers', async () => {
    const onPg = pg as unknown as Db;
    const second = { ...service, id: 'svc_bbbbbbbbbb' as ServiceId, slug: 'pets-2', directModels: false, captureBodies: true, openapi: { z: 1, a: { y: 2, b: 3 } } };
    await onPg.insert(sqliteSchema.services).values(second);
    const [read] = await pg.select().from(pgSchema.services).where(eq(pgSchema.services.id, second.id));
    expect(read).toMatchObject({ directModels: false, captureBodies: true, tags: ['a', 'b'], limits: { requestsPerMinute: 60 } });
    expect(JSON.stringify(read!.openapi)).toBe(JSON.stringify(second.openapi));
    const later = { ...rollup, bucketStart: rollup.bucketStart + 60_000, latencySketch: Buffer.from([9, 0, 255]), costMicroUsd: Number.MAX_SAFE_INTEGER };
    await onPg.insert(sqliteSchema.callRollups).values(later);
    const [stored] = await pg.select().from(pgSchema.callRollups).where(eq(pgSchema.callRollups.bucketStart, later.bucketStart));
    expect([...stored!.latencySketch]).toEqual([9, 0, 255]);
    expect(stored!.costMicroUsd).toBe(Number.MAX_SAFE_INTEGER);
    // A boolean compared in a where clause: the SQLite codec sends 1, which PostgreSQL's boolean input takes.
    expect(await onPg.select({ id: sqliteSchema.services.id }).from(sqliteSchema.services).where(eq(sqliteSchema.services.captureBodies, true))).toEqual([{ id: second.id }]);
  });

  it('keeps numbers past int4 exact, bytes as bytes and the OpenAPI document in its own key order', async () => {
    const [call] = await pg.select().from(pgSchema.callRecords);
    expect(call!.bytesIn).toBe(3_000_000_000);
    expect(call!.costMicroUsd).toBe(Number.MAX_SAFE_INTEGER);
    expect(typeof call!.startedAt).toBe('number');
    const [row] = await pg.select().from(pgSchema.callRollups);
    expect(Buffer.isBuffer(row!.latencySketch)).toBe(true);
    expect([...row!.latencySketch]).toEqual([0, 1, 2, 255, 0]);
    const [svc] = await pg.select({ openapi: pgSchema.services.openapi }).from(pgSchema.services);
    expect(JSON.stringify(svc!.openapi)).toBe(JSON.stringify(openapi));
  });

  it('holds the constraints: the unique key hash, the foreign keys, one active SPIFFE ID per app', async () => {
    // drizzle wraps the driver's error; the constraint's name is on node-postgres' error, its cause.
    const violated = (query: Promise<unknown>) => query.then(() => 'no violation', (err: { cause?: { constraint?: string } }) => err.cause?.constraint);
    expect(await violated(pg.insert(pgSchema.apiKeys).values({ ...key, id: 'key_bbbbbbbbbb' }))).toBe('api_keys_hash_unique');
    expect(await violated(pg.insert(pgSchema.apiKeys).values({ ...key, id: 'key_cccccccccc', hash: 'e'.repeat(64), appId: 'app_missing000' }))).toBe('api_keys_app_id_apps_id_fk');
    const spiffe = { appId: app.id, spiffeId: 'spiffe://mesh.local/ns/a/sa/b' };
    await pg.insert(pgSchema.appWorkloadCredentials).values({ ...spiffe, id: 'crd_aaaaaaaaaa', revokedAt: 1 });
    await pg.insert(pgSchema.appWorkloadCredentials).values({ ...spiffe, id: 'crd_bbbbbbbbbb' });
    expect(await violated(pg.insert(pgSchema.appWorkloadCredentials).values({ ...spiffe, id: 'crd_cccccccccc' }))).toBe('app_workload_credentials_active_spiffe_idx');
    // Deleting the app cascades to its keys and credentials, as on SQLite.
    await pg.delete(pgSchema.subscriptions).where(eq(pgSchema.subscriptions.appId, app.id));
    await pg.delete(pgSchema.apps).where(eq(pgSchema.apps.id, app.id));
    expect(await pg.select().from(pgSchema.apiKeys)).toEqual([]);
    expect(await pg.select().from(pgSchema.appWorkloadCredentials)).toEqual([]);
  });
});
