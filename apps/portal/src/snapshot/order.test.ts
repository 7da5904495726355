import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiKeys, apps, appWorkloadCredentials, plans, selectRaw, services, subscriptions, teams, type Db } from '@tollgate/db';
import { bothDatabases } from '@tollgate/db/pg/testing';
import { newId, type AppId, type KeyId, type SnapshotData, type SubscriptionId } from '@tollgate/domain';
import { createSecretBox } from '../secrets/secret-box';
import { compileSnapshot } from './compile';
import { compileDelta, type DeltaTargets } from './delta';

/**
 * The snapshot's order is explicit (by id; subscriptions by app and service) and the same on SQLite and
 * PostgreSQL, where an UPDATE moves the row to the end of the heap, so a scan lists it last: after such updates,
 * revocations and additions, a delta merged into the previous snapshot equals a full compile on each database,
 * and both databases give the same arrays.
 */
const both = bothDatabases();
const secrets = createSecretBox(randomBytes(32));
const withoutTime = ({ compiledAt: _, ...rest }: SnapshotData) => rest;
const now = 1_764_812_340_000;

// The same ids on both databases, so their snapshots can be compared.
const teamId = newId('team');
const serviceIds = [newId('service'), newId('service')] as const;
const planIds = [newId('plan'), newId('plan')] as const;
const appIds = Array.from({ length: 12 }, () => newId('app'));
const keyIds = appIds.map(() => [newId('key'), newId('key')] as const);
const subIds = appIds.map(() => newId('subscription'));
const later = { app: newId('app'), key: newId('key'), key2: newId('key'), sub: newId('subscription'), change: newId('subscription'), workloads: [newId('credential'), newId('credential')] };

const hashOf = (id: string) => id.padEnd(64, '0');
const targets = (t: Partial<Record<keyof DeltaTargets, string[]>>): DeltaTargets => ({
  keys: new Set(t.keys),
  apps: new Set(t.apps),
  subscriptions: new Set(t.subscriptions),
  workloadCredentials: new Set(t.workloadCredentials),
});

async function seed(db: Db) {
  await db.insert(teams).values({ id: teamId, name: 'Order', slug: 'order' });
  await db.insert(services).values(serviceIds.map((id, i) => ({ id, teamId, name: `S${i}`, slug: `order-${i}`, kind: 'ai' as const, updatedAt: now })));
  await db.insert(plans).values(planIds.map((id, i) => ({ id, serviceId: serviceIds[i]!, name: 'Free', approval: 'auto' as const, limits: {} })));
  await db.insert(apps).values(appIds.map((id, i) => ({ id, teamId, name: `app ${i}` })));
  await db.insert(apiKeys).values(keyIds.flatMap(([a, b], i) => [a, b].map((id) => ({ id, appId: appIds[i]!, name: 'k', prefix: id.slice(0, 8), hash: hashOf(id) }))));
  await db.insert(subscriptions).values(subIds.map((id, i) => ({ id, appId: appIds[i]!, serviceId: serviceIds[0], planId: planIds[0], state: 'approved' as const, updatedAt: now })));
}

/** Updates that move rows in PostgreSQL's heap, with some revocations and additions; the delta targets they name. */
async function change(db: Db): Promise<DeltaTargets> {
  for (let i = 0; i < 4; i++) {
    await db.update(apps).set({ name: `renamed ${i}` }).where(eq(apps.id, appIds[0]!));
    await db.update(apps).set({ limits: { requestsPerMinute: 10 + i } }).where(eq(apps.id, appIds[3]!));
    await db.update(apiKeys).set({ name: `k${i}` }).where(eq(apiKeys.id, keyIds[5]![0]));
    await db.update(subscriptions).set({ state: i % 2 ? 'approved' : 'paused', updatedAt: now + i }).where(eq(subscriptions.id, subIds[4]!));
  }
  await db.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, keyIds[7]![1]));
  await db.insert(apiKeys).values({ id: later.key, appId: appIds[2]!, name: 'new', prefix: 'tg_new', hash: hashOf(later.key) });
  await db.insert(apps).values({ id: later.app, teamId, name: 'late' });
  await db.insert(apiKeys).values({ id: later.key2, appId: later.app, name: 'late', prefix: 'tg_late', hash: hashOf(later.key2) });
  await db.insert(subscriptions).values([
    { id: later.sub, appId: appIds[8]!, serviceId: serviceIds[1], planId: planIds[1], state: 'approved', updatedAt: now },
    // A plan change waiting for approval: the approved subscription it would replace stays the pair's one.
    { id: later.change, appId: appIds[6]!, serviceId: serviceIds[0], planId: planIds[0], state: 'pending', replacesId: subIds[6]!, updatedAt: now + 9 },
  ]);
  await db.delete(apps).where(eq(apps.id, appIds[9]!));
  await db.insert(appWorkloadCredentials).values(later.workloads.map((id, i) => ({ id, appId: appIds[i + 1]!, spiffeId: `spiffe://order/${i}` })));
  return targets({
    apps: [appIds[0]!, appIds[3]!, later.app, appIds[9]!],
    keys: [keyIds[5]![0], keyIds[7]![1], later.key],
    subscriptions: [subIds[4]!, later.sub, later.change],
    workloadCredentials: later.workloads,
  });
}

/** More updates after the first delta: the app updated again, a workload credential revoked, a key revoked. */
async function changeAgain(db: Db): Promise<DeltaTargets> {
  for (let i = 0; i < 3; i++) await db.update(apps).set({ costBudgetMicroUsdPerMonth: 1_000 * (i + 1) }).where(eq(apps.id, appIds[0]!));
  await db.update(appWorkloadCredentials).set({ revokedAt: now }).where(eq(appWorkloadCredentials.id, later.workloads[0]));
  await db.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, keyIds[0]![0]));
  await db.update(subscriptions).set({ state: 'revoked', updatedAt: now + 20 }).where(eq(subscriptions.id, subIds[1]!));
  return targets({ apps: [appIds[0]!], keys: [keyIds[0]![0]], subscriptions: [subIds[1]!], workloadCredentials: [later.workloads[0]] });
}

async function run(db: Db) {
  await seed(db);
  const first = await compileSnapshot(db, secrets);
  const delta1 = await compileDelta(db, first, await change(db), first.revision);
  const full1 = await compileSnapshot(db, secrets);
  const delta2 = await compileDelta(db, delta1!.snapshot, await changeAgain(db), first.revision);
  const full2 = await compileSnapshot(db, secrets);
  // The table's own order, as a scan without ORDER BY lists it.
  const scanned = (await selectRaw<{ id: string }>(db, sql`select id from apps`)).map((r) => r.id);
  return { delta1: delta1!.snapshot, full1, delta2: delta2!.snapshot, full2, scanned };
}

const byBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const isSorted = (ids: string[]) => ids.every((id, i) => i === 0 || byBytes(ids[i - 1]!, id) < 0);

describe('the snapshot order on both databases', () => {
  it('a delta after rows moved in the heap equals a full compile, and SQLite and PostgreSQL list the same rows in the same order', async () => {
    const sqlite = await run(both.sqlite);
    const pg = await run(both.pg as unknown as Db);
    for (const r of [sqlite, pg]) {
      expect(withoutTime(r.delta1)).toEqual(withoutTime(r.full1));
      expect(withoutTime(r.delta2)).toEqual(withoutTime(r.full2));
      expect(isSorted(r.full2.keys.map((k) => k.id))).toBe(true);
      expect(isSorted(r.full2.apps.map((a) => a.id))).toBe(true);
      expect(isSorted(r.full2.workloadCredentials!.map((w) => w.id))).toBe(true);
      expect(isSorted(r.full2.subscriptions.map((s) => `${s.appId}\u0000${s.serviceId}`))).toBe(true);
    }
    // What the test is about: PostgreSQL's heap lists the app updated last at the end, not in id order.
    expect(pg.scanned.at(-1)).toBe(appIds[0]);
    const rows = (s: SnapshotData) => ({ keys: s.keys, apps: s.apps, subscriptions: s.subscriptions, workloadCredentials: s.workloadCredentials });
    expect(rows(pg.full1)).toEqual(rows(sqlite.full1));
    expect(rows(pg.full2)).toEqual(rows(sqlite.full2));
    // The changes did what they say: the revoked key is gone, the plan change waits behind the approved row.
    expect(sqlite.full1.keys.some((k) => k.id === keyIds[7]![1])).toBe(false);
    expect(sqlite.full1.subscriptions.find((s) => s.appId === appIds[6])!.id).toBe(subIds[6] as SubscriptionId);
    expect(sqlite.full1.apps.some((a) => a.id === (appIds[9] as AppId))).toBe(false);
    expect(sqlite.full2.keys.some((k) => k.id === (keyIds[0]![0] as KeyId))).toBe(false);
  });
});
