import { afterEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { apiKeys, configRevision, first } from '@tollgate/db';
import type { SnapshotData, SnapshotDelta } from '@tollgate/domain';
import { SnapshotHolder, indexSnapshot, type GatewayConfig } from '@tollgate/gateway';
import { fixturePerTest, type PortalFixture } from '../testing/portal-fixture';
import { createMarket } from '../testing/market';
import { compileSnapshot } from './compile';

const fixture = fixturePerTest(afterEach);

/** A seeded generator, so a failing sequence can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const withoutTime = ({ compiledAt: _, ...rest }: SnapshotData) => rest;
const sorted = <K, V>(map: ReadonlyMap<K, V>) => [...map].sort(([a], [b]) => String(a).localeCompare(String(b)));

/** Every lookup a delta touches, and the maps it shares, answer as in `expected`. */
function expectSameLookups(actual: GatewayConfig, expected: GatewayConfig, probes: { hashes: Set<string>; apps: Set<string> }) {
  expect(actual.revision).toBe(expected.revision);
  expect(actual.keysByHash.size).toBe(expected.keysByHash.size);
  expect(sorted(actual.keysByHash)).toEqual(sorted(expected.keysByHash));
  expect(actual.apps.size).toBe(expected.apps.size);
  expect(sorted(actual.apps)).toEqual(sorted(expected.apps));
  expect(actual.subscriptionsByApp.size).toBe(expected.subscriptionsByApp.size);
  const subs = (c: GatewayConfig) => sorted(c.subscriptionsByApp).map(([app, m]) => [app, sorted(m)]);
  expect(subs(actual)).toEqual(subs(expected));
  // get/has, including what was removed along the way (iteration and lookup are separate code in a layered map).
  for (const hash of probes.hashes) {
    expect(actual.keysByHash.get(hash)).toEqual(expected.keysByHash.get(hash));
    expect(actual.keysByHash.has(hash)).toBe(expected.keysByHash.has(hash));
  }
  for (const app of probes.apps) {
    expect(actual.apps.get(app as never)).toEqual(expected.apps.get(app as never));
    expect(actual.subscriptionsByApp.get(app as never) && sorted(actual.subscriptionsByApp.get(app as never)!)).toEqual(
      expected.subscriptionsByApp.get(app as never) && sorted(expected.subscriptionsByApp.get(app as never)!),
    );
  }
  expect(actual.workloads.size).toBe(expected.workloads.size);
  expect(sorted(actual.workloads)).toEqual(sorted(expected.workloads));
  expect(sorted(actual.services)).toEqual(sorted(expected.services));
  expect(sorted(actual.plans)).toEqual(sorted(expected.plans));
}

/** A gateway fed by the publisher, counting how it got each revision. */
function attachGateway(f: PortalFixture) {
  const holder = new SnapshotHolder();
  const seen = { deltas: 0, full: 0, last: undefined as SnapshotDelta | undefined };
  f.publisher.subscribe((snapshot, delta) => {
    seen.last = delta;
    if (delta) seen.deltas += 1;
    else seen.full += 1;
    holder.install(snapshot, delta);
  });
  return { holder, seen };
}

describe('incremental snapshots (ADR 0032)', () => {
  it('after every change of a random sequence, the delta-built snapshot and gateway config equal a full compile', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const second = (await f.api('POST', `/api/teams/${m.publisherTeam}/services`, { cookie: m.pOwner.cookie, body: { name: 'Two API', slug: 'two', kind: 'rest' }, expect: 201 })).body.service.id;
    await f.api('POST', `/api/services/${second}/lifecycle`, { cookie: m.pOwner.cookie, body: { state: 'published' }, expect: 200 });
    const plans = [await m.plan('Free', 'auto'), await m.plan('Gold', 'manual'), await m.plan('Two free', 'auto', {}, second), await m.plan('Two gold', 'manual', {}, second)];
    const { holder, seen } = attachGateway(f);
    const next = random(17);
    const pick = <T>(list: readonly T[]): T | undefined => list[Math.floor(next() * list.length)];
    const appIds: string[] = [];
    const keys: Array<{ appId: string; id: string }> = [];
    const subs: string[] = [];
    const workloads: Array<{ appId: string; id: string }> = [];
    let spiffeSerial = 0;
    const probes = { hashes: new Set<string>(), apps: new Set<string>() };
    const cookie = m.cMember.cookie;
    const ops: Array<[string, () => Promise<unknown>]> = [
      ['create app', async () => appIds.push(await m.app())],
      ['delete app', async () => {
        const app = pick(appIds);
        if (app && (await f.api('DELETE', `/api/apps/${app}`, { cookie: m.cOwner.cookie })).status === 204) appIds.splice(appIds.indexOf(app), 1);
      }],
      ['edit app', async () => {
        const app = pick(appIds);
        if (app) await f.api('PATCH', `/api/apps/${app}`, { cookie: m.cOwner.cookie, body: { limits: { requestsPerMinute: Math.ceil(next() * 100) }, costBudgetMicroUsdPerMonth: Math.ceil(next() * 1e6) } });
      }],
      ['create key', async () => {
        const app = pick(appIds);
        const expiresAt = next() < 0.3 ? { expiresAt: new Date(Date.now() + 86_400_000).toISOString() } : {};
        const res = app && (await f.api('POST', `/api/apps/${app}/keys`, { cookie, body: { name: 'k', ...expiresAt } }));
        if (res && res.status === 201) keys.push({ appId: app!, id: res.body.key.id });
      }],
      ['revoke key', async () => {
        const key = pick(keys);
        if (key) await f.api('POST', `/api/apps/${key.appId}/keys/${key.id}/revoke`, { cookie, body: {} });
      }],
      ['rotate key', async () => {
        const key = pick(keys);
        const res = key && (await f.api('POST', `/api/apps/${key.appId}/keys/${key.id}/rotate`, { cookie, body: { graceSeconds: 60 } }));
        if (res && res.status === 201) keys.push({ appId: key!.appId, id: res.body.key.id });
      }],
      ['subscribe', async () => {
        const app = pick(appIds);
        const res = app && (await f.api('POST', `/api/apps/${app}/subscriptions`, { cookie, body: { planId: pick(plans) } }));
        if (res && res.status === 201) subs.push(res.body.subscription.id);
      }],
      ['decide', async () => {
        const sub = pick(subs);
        const action = pick(['approve', 'reject', 'pause', 'resume', 'revoke'])!;
        if (sub) await m.act(sub, action);
      }],
      ['cancel', async () => {
        const sub = pick(subs);
        if (sub) await m.act(sub, 'cancel', cookie);
      }],
      ['change plan', async () => {
        const sub = pick(subs);
        const res = sub && (await f.api('POST', `/api/subscriptions/${sub}/change-plan`, { cookie, body: { planId: pick(plans) } }));
        if (res && res.status === 201) subs.push(res.body.subscription.id);
      }],
      ['add workload', async () => {
        const app = pick(appIds);
        // Now and then a SPIFFE ID used before: taken (409) while active, free again once revoked.
        const n = next() < 0.3 && spiffeSerial > 0 ? Math.floor(next() * spiffeSerial) : spiffeSerial++;
        const res = app && (await f.api('POST', `/api/apps/${app}/workload-credentials`, { cookie, body: { spiffeId: `spiffe://cluster.local/ns/n${n}/sa/s` } }));
        if (res && res.status === 201) workloads.push({ appId: app!, id: res.body.credential.id });
      }],
      ['revoke workload', async () => {
        const w = pick(workloads);
        if (w) await f.api('DELETE', `/api/apps/${w.appId}/workload-credentials/${w.id}`, { cookie });
      }],
      // Not incremental: recompiles in full, and the deltas after it must start from that snapshot.
      ['edit plan', () => f.api('PATCH', `/api/plans/${pick(plans)}`, { cookie: m.pOwner.cookie, body: { limits: { requestsPerMinute: Math.ceil(next() * 1000) } } })],
      ['team budget', () => f.api('PATCH', `/api/teams/${m.consumerTeam}`, { cookie: m.cOwner.cookie, body: { costBudgetMicroUsdPerMonth: Math.ceil(next() * 1e7) } })],
    ];
    // Keys and subscriptions change most, as they do on a real platform.
    const weights: Record<string, number> = { 'create key': 3, 'revoke key': 2, 'rotate key': 2, subscribe: 3, decide: 4, 'change plan': 2 };
    const weighted = ops.flatMap((op) => Array<typeof op>(weights[op[0]] ?? 1).fill(op));
    for (let i = 0; i < 3; i++) appIds.push(await m.app());
    await f.publisher.settled();
    const behind = new SnapshotHolder();
    behind.install(f.publisher.current());
    let composed = 0;
    for (let step = 0; step < 320; step++) {
      const [name, op] = appIds.length < 3 ? ops[0]! : pick(weighted)!;
      // Sometimes two changes land before the publisher runs: they make one delta from two commits.
      await op();
      if (next() < 0.2) await pick(weighted)![1]();
      await f.publisher.settled();
      const full = await compileSnapshot(f.db, f.secrets);
      for (const k of full.keys) probes.hashes.add(k.hash);
      for (const a of full.apps) probes.apps.add(a.id);
      expect(withoutTime(f.publisher.current()), `after step ${step} (${name})`).toEqual(withoutTime(full));
      expectSameLookups(holder.current()!, indexSnapshot(full), probes);
      // A split-shape gateway that catches up every few steps, by a composed delta when the publisher has one.
      if (step % 4 === 3) {
        const delta = f.publisher.deltaSince(behind.current()!.revision);
        if (delta) composed += behind.applyDelta(delta) ? 1 : 0;
        else behind.install(f.publisher.current());
        expectSameLookups(behind.current()!, indexSnapshot(full), probes);
      }
    }
    expect(composed).toBeGreaterThan(5);
    // The sequence really took both paths.
    expect(seen.deltas).toBeGreaterThan(60);
    expect(seen.full).toBeGreaterThan(10);
    expect(keys.length).toBeGreaterThan(20);
    expect(subs.length).toBeGreaterThan(20);
    expect(workloads.length).toBeGreaterThan(5);
  }, 60_000);

  it('sends a workload credential added, revoked, or gone with its app as a delta the gateway indexes by SPIFFE ID', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const app = await m.app();
    await f.publisher.settled();
    const { holder, seen } = attachGateway(f);
    const spiffeId = 'spiffe://cluster.local/ns/shop/sa/checkout';
    const post = (body: unknown, on = app) => f.api('POST', `/api/apps/${on}/workload-credentials`, { cookie: m.cMember.cookie, body, expect: 201 });
    const credential = (await post({ spiffeId })).body.credential;
    await f.publisher.settled();
    expect(seen).toMatchObject({ deltas: 1, full: 1 });
    expect(seen.last!.workloadCredentials).toEqual({ put: [{ id: credential.id, appId: app, spiffeId }], remove: [] });
    expect(holder.current()!.workloads.get(spiffeId)).toEqual({ id: credential.id, appId: app, spiffeId });

    await f.api('DELETE', `/api/apps/${app}/workload-credentials/${credential.id}`, { cookie: m.cMember.cookie, expect: 200 });
    await f.publisher.settled();
    expect(seen.deltas).toBe(2);
    expect(seen.last!.workloadCredentials).toEqual({ put: [], remove: [spiffeId] });
    expect(holder.current()!.workloads.has(spiffeId)).toBe(false);

    // Revoked, the ID goes to another app; deleting that app takes its credentials along (ON DELETE CASCADE).
    const other = await m.app();
    // Settled first: a change that lands during a compile is followed by a full one (publisher.ts says why).
    await f.publisher.settled();
    const moved = (await post({ spiffeId }, other)).body.credential;
    await f.publisher.settled();
    expect(holder.current()!.workloads.get(spiffeId)!.appId).toBe(other);
    await f.api('DELETE', `/api/apps/${other}`, { cookie: m.cOwner.cookie, expect: 204 });
    await f.publisher.settled();
    expect(seen.last).toMatchObject({ apps: { remove: [other] }, workloadCredentials: { put: [], remove: [spiffeId] } });
    expect(holder.current()!.workloads.has(spiffeId)).toBe(false);
    expect(seen.full).toBe(1);
    expect(withoutTime(f.publisher.current())).toEqual(withoutTime(await compileSnapshot(f.db, f.secrets)));
    expect(moved.id).not.toBe(credential.id);
  });

  it('deleting an app sends its keys and subscriptions as removals', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const plan = await m.plan('Free', 'auto');
    const app = await m.app();
    const key = (await f.api('POST', `/api/apps/${app}/keys`, { cookie: m.cMember.cookie, body: { name: 'k' }, expect: 201 })).body.key;
    await m.subscribe(app, plan);
    await f.publisher.settled();
    const { holder, seen } = attachGateway(f);
    const hash = (await first(f.db.select({ hash: apiKeys.hash }).from(apiKeys).where(eq(apiKeys.id, key.id))))!.hash;
    expect(holder.current()!.keysByHash.has(hash)).toBe(true);
    await f.api('DELETE', `/api/apps/${app}`, { cookie: m.cOwner.cookie, expect: 204 });
    await f.publisher.settled();
    expect(seen.last).toMatchObject({ keys: { put: [], remove: [hash] }, apps: { put: [], remove: [app] }, subscriptions: { put: [], remove: [{ appId: app, serviceId: m.serviceId }] } });
    expect(holder.current()!.keysByHash.has(hash)).toBe(false);
    expect(holder.current()!.apps.get(app as never)).toBeUndefined();
    expect(holder.current()!.subscriptionsByApp.get(app as never)).toBeUndefined();
  });

  it('a write by another process in between makes the publisher compile in full, not apply a delta', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const app = await m.app();
    const other = (await f.api('POST', `/api/apps/${app}/keys`, { cookie: m.cMember.cookie, body: { name: 'other' }, expect: 201 })).body.key;
    await f.publisher.settled();
    const { holder, seen } = attachGateway(f);
    // Another portal process revokes a key: its commit bumps the revision, this process hears nothing of it.
    await f.db.update(apiKeys).set({ revokedAt: Date.now() }).where(eq(apiKeys.id, other.id));
    await f.db.update(configRevision).set({ revision: sql`${configRevision.revision} + 1` });
    await f.api('POST', `/api/apps/${app}/keys`, { cookie: m.cMember.cookie, body: { name: 'mine' }, expect: 201 });
    await f.publisher.settled();
    expect(seen.last).toBeUndefined();
    expect(seen.full).toBe(2);
    const full = await compileSnapshot(f.db, f.secrets);
    expect(withoutTime(f.publisher.current())).toEqual(withoutTime(full));
    expect(full.keys.some((k) => k.id === other.id)).toBe(false);
    expectSameLookups(holder.current()!, indexSnapshot(full), { hashes: new Set(), apps: new Set([app]) });
  });

  it('the gateway applies a delta only onto the revision it starts from, else indexes the full snapshot', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const app = await m.app();
    await f.publisher.settled();
    const holder = new SnapshotHolder();
    const base = f.publisher.current();
    holder.install(base);
    const wrong: SnapshotDelta = { from: base.revision - 1, to: base.revision + 1, keys: { put: [], remove: [] }, apps: { put: [], remove: [app as never] }, subscriptions: { put: [], remove: [] } };
    expect(holder.applyDelta(wrong)).toBe(false);
    expect(holder.current()!.apps.has(app as never)).toBe(true);
    // Handed with a snapshot, the mismatched delta is ignored and the snapshot indexed: the app is still there.
    const newer = { ...base, revision: base.revision + 1 };
    expect(holder.install(newer, wrong)).toBe(true);
    expect(holder.current()!.revision).toBe(newer.revision);
    expect(holder.current()!.apps.has(app as never)).toBe(true);
  });

  it('a gateway several revisions behind gets one composed delta, until a full compile breaks the chain', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const plan = await m.plan('Free', 'auto');
    const app = await m.app();
    await f.publisher.settled();
    const behind = new SnapshotHolder();
    behind.install(f.publisher.current());
    const from = f.publisher.current().revision;
    const key = (await f.api('POST', `/api/apps/${app}/keys`, { cookie: m.cMember.cookie, body: { name: 'k' }, expect: 201 })).body.key;
    await f.publisher.settled();
    await m.subscribe(app, plan);
    await f.publisher.settled();
    await f.api('POST', `/api/apps/${app}/keys/${key.id}/revoke`, { cookie: m.cMember.cookie, body: {}, expect: 200 });
    await f.publisher.settled();
    const composed = f.publisher.deltaSince(from)!;
    expect(composed).toMatchObject({ from, to: f.publisher.current().revision });
    expect(behind.applyDelta(composed)).toBe(true);
    expectSameLookups(behind.current()!, indexSnapshot(await compileSnapshot(f.db, f.secrets)), { hashes: new Set(), apps: new Set([app]) });
    expect(f.publisher.deltaSince(f.publisher.current().revision + 5)).toBeNull();

    await f.api('PATCH', `/api/plans/${plan}`, { cookie: m.pOwner.cookie, body: { limits: { requestsPerMinute: 5 } }, expect: 200 });
    await f.publisher.settled();
    expect(f.publisher.deltaSince(from)).toBeNull();
  });
});
