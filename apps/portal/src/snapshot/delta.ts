import { and, eq, inArray, or, type SQL } from 'drizzle-orm';
import { apiKeys, apps, appWorkloadCredentials, configRevision, first, subscriptions, transact, type Db, type Tx } from '@tollgate/db';
import { snapshotDeltaMediaType, type AppId, type CredentialId, type SnapshotData, type SnapshotDelta, type SnapshotKey, type SnapshotSubscription, type SnapshotWorkloadCredential } from '@tollgate/domain';
import { effectiveSubscriptions, readApps, readKeys, readSubscriptionRows, readWorkloadCredentials } from './compile';

/** The rows committed changes named, by table: what a delta re-reads. */
export interface DeltaTargets {
  keys: ReadonlySet<string>;
  apps: ReadonlySet<string>;
  subscriptions: ReadonlySet<string>;
  /** Workload credentials (ADR 0033), by id. */
  workloadCredentials: ReadonlySet<string>;
}

/**
 * Past this many named rows a delta is no cheaper than it is risky (SQLite's bound-parameter limit, a query of
 * hundreds of ORs): the publisher compiles in full instead.
 */
export const maxDeltaTargets = 500;

const pairOf = (s: { appId: string; serviceId: string }) => `${s.appId} ${s.serviceId}`;

/**
 * The snapshot at the database's current revision, made from `prev` by re-reading only the rows `targets`
 * names, with the delta that turns the one into the other (ADR 0032); null when a delta cannot be trusted and
 * the caller must compile in full: the revision is not `expectedRevision` (another process wrote too), or a
 * deleted app had JWT credentials (they went with it, and the gateway's JWT index is not layered).
 *
 * What is re-read, so that a change touching more rows than it names is still covered: for an app, the app,
 * all its keys and all its subscriptions; for a key, all the keys of its app; for a subscription, every row of
 * its (app, service) pair, since the snapshot holds the one effective subscription of each pair; for a workload
 * credential, that row, and for an app, all its workload credentials too. A row that
 * is gone was deleted with its app (ON DELETE CASCADE). Everything is read in one read-only transaction with the
 * revision, and every row goes where the compile's order puts it (`snapshotOrder` in ./compile.ts: by id, and
 * subscriptions by app and service), so the result is what `compileSnapshot` would give at that revision; the
 * test compares the two.
 */
export async function compileDelta(
  db: Db,
  prev: SnapshotData,
  targets: DeltaTargets,
  expectedRevision: number,
): Promise<{ snapshot: SnapshotData; delta: SnapshotDelta } | null> {
  return transact(db, (tx) => deltaIn(tx, prev, targets, expectedRevision), { readOnly: true });
}

/** compileDelta's reads and merge, on its read-only transaction. */
async function deltaIn(tx: Tx, prev: SnapshotData, targets: DeltaTargets, expectedRevision: number): Promise<{ snapshot: SnapshotData; delta: SnapshotDelta } | null> {
  const revision = (await first(tx.select().from(configRevision)))?.revision ?? 0;
  if (revision !== expectedRevision) return null;
  const appIds = [...targets.apps] as AppId[];

  // Which apps' keys to re-read: the named apps' and the named keys' (from the row, or from the old snapshot
  // for a key deleted since).
  const keyApps = new Set<string>(appIds);
  if (targets.keys.size) {
    const ids = [...targets.keys] as SnapshotKey['id'][];
    const rows = await tx.select({ id: apiKeys.id, appId: apiKeys.appId }).from(apiKeys).where(inArray(apiKeys.id, ids));
    for (const row of rows) keyApps.add(row.appId);
    if (rows.length < ids.length) for (const k of prev.keys) if (targets.keys.has(k.id)) keyApps.add(k.appId);
  }
  // Which (app, service) pairs to recompute besides the named apps' own.
  const pairs = new Map<string, { appId: AppId; serviceId: SnapshotSubscription['serviceId'] }>();
  if (targets.subscriptions.size) {
    const ids = [...targets.subscriptions] as SnapshotSubscription['id'][];
    const rows = await tx.select({ appId: subscriptions.appId, serviceId: subscriptions.serviceId }).from(subscriptions).where(inArray(subscriptions.id, ids));
    for (const s of rows) pairs.set(pairOf(s), s);
    if (rows.length < ids.length) for (const s of prev.subscriptions) if (targets.subscriptions.has(s.id)) pairs.set(pairOf(s), s);
  }

  const freshApps = appIds.length ? await readApps(tx, inArray(apps.id, appIds)) : [];
  const deleted = new Set<string>(appIds.filter((id) => !freshApps.some((a) => a.id === id)));
  if (deleted.size && (prev.jwtCredentials ?? []).some((c) => deleted.has(c.appId))) return null;
  const freshKeys = keyApps.size ? await readKeys(tx, inArray(apiKeys.appId, [...keyApps] as AppId[])) : [];
  const subWhere: SQL[] = [...pairs.values()].map((p) => and(eq(subscriptions.appId, p.appId), eq(subscriptions.serviceId, p.serviceId))!);
  if (appIds.length) subWhere.push(inArray(subscriptions.appId, appIds));
  const freshSubs = subWhere.length ? effectiveSubscriptions(await readSubscriptionRows(tx, or(...subWhere))) : [];
  const workloadIds = [...targets.workloadCredentials] as CredentialId[];
  const workloadWhere: SQL[] = [];
  if (workloadIds.length) workloadWhere.push(inArray(appWorkloadCredentials.id, workloadIds));
  if (appIds.length) workloadWhere.push(inArray(appWorkloadCredentials.appId, appIds));
  const freshWorkloads = workloadWhere.length ? await readWorkloadCredentials(tx, or(...workloadWhere)) : [];

  // Scope tests by app id first: a string per row of 100,000 would cost more than the whole delta.
  const pairApps = new Set([...pairs.values()].map((p) => p.appId));
  const keys = merge(prev.keys, freshKeys, keyApps.size > 0, (k) => keyApps.has(k.appId), (k) => k.id, byId);
  const appsMerged = merge(prev.apps, freshApps, appIds.length > 0, (a) => targets.apps.has(a.id), (a) => a.id, byId);
  const subs = merge(
    prev.subscriptions,
    freshSubs,
    appIds.length > 0 || pairs.size > 0,
    (s) => targets.apps.has(s.appId) || (pairApps.has(s.appId) && pairs.has(pairOf(s))),
    pairOf,
    byPair,
  );
  const workloads = merge(
    prev.workloadCredentials ?? [],
    freshWorkloads,
    workloadWhere.length > 0,
    (w) => targets.workloadCredentials.has(w.id) || targets.apps.has(w.appId),
    (w) => w.id,
    byId,
  );
  return {
    snapshot: { ...prev, revision, compiledAt: new Date().toISOString(), keys: keys.rows, apps: appsMerged.rows, subscriptions: subs.rows, workloadCredentials: workloads.rows },
    delta: {
      from: prev.revision,
      to: revision,
      keys: { put: keys.put, remove: keys.removed.map((k) => k.hash) },
      apps: { put: appsMerged.put, remove: appsMerged.removed.map((a) => a.id) },
      subscriptions: { put: subs.put, remove: subs.removed.map(({ appId, serviceId }) => ({ appId, serviceId })) },
      // By SPIFFE ID, what the gateway indexes them by (as keys go by hash).
      workloadCredentials: { put: workloads.put, remove: workloads.removed.map((w) => w.spiffeId) },
    },
  };
}

/**
 * Ids in `snapshotOrder`'s byte order (./compile.ts). JS compares UTF-16 code units, which order ASCII ids
 * (a kind prefix and base64url) as their bytes.
 */
const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byId = (a: { id: string }, b: { id: string }) => compareIds(a.id, b.id);
const byPair = (a: SnapshotSubscription, b: SnapshotSubscription) => compareIds(a.appId, b.appId) || compareIds(a.serviceId, b.serviceId);

/**
 * `prev` with every row `inScope` replaced by its fresh version (same place) or dropped when it has none; fresh
 * rows that are new go where `order` (the arrays' order, which `idOf` is the key of) puts them. `put` is every
 * fresh row, `removed` the dropped ones. With no scope at all (`any` false) `prev` itself is kept: the
 * snapshot's arrays are never mutated, so sharing is safe.
 */
function merge<T>(prev: T[], fresh: readonly T[], any: boolean, inScope: (row: T) => boolean, idOf: (row: T) => string, order: (a: T, b: T) => number) {
  if (!any) return { rows: prev, put: [] as T[], removed: [] as T[] };
  const byKey = new Map(fresh.map((r) => [idOf(r), r] as const));
  // A copy (a memcpy) patched in place: pushing 100,000 rows one by one costs several times more.
  let rows = prev.slice();
  const removed: T[] = [];
  const gone: number[] = [];
  for (let i = 0; i < prev.length; i++) {
    const row = prev[i]!;
    if (!inScope(row)) continue;
    const id = idOf(row);
    const next = byKey.get(id);
    if (next === undefined) {
      removed.push(row);
      gone.push(i);
    } else {
      rows[i] = next;
      byKey.delete(id);
    }
  }
  for (let g = gone.length - 1; g >= 0; g--) rows.splice(gone[g]!, 1);
  const added = [...byKey.values()].sort(order);
  if (added.length) {
    // Each new row's place by binary search, then one concat of the slices between them (slices are memcpys too).
    const parts: T[][] = [];
    let from = 0;
    for (const row of added) {
      let lo = from;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (order(rows[mid]!, row) < 0) lo = mid + 1;
        else hi = mid;
      }
      parts.push(rows.slice(from, lo), [row]);
      from = lo;
    }
    parts.push(rows.slice(from));
    rows = ([] as T[]).concat(...parts);
  }
  return { rows, put: [...fresh], removed };
}

/** The media type of a delta answer on the internal channel: a gateway asks for it in `Accept` (ADR 0032). */
export const deltaMediaType = snapshotDeltaMediaType;

/**
 * One delta that does what the consecutive `deltas` do in turn (each starting where the one before ended):
 * for a gateway that is several revisions behind. A later put or removal of the same entry wins.
 */
export function composeDeltas(deltas: readonly SnapshotDelta[]): SnapshotDelta {
  const keys = new Map<string, SnapshotDelta['keys']['put'][number] | null>();
  const appsById = new Map<string, SnapshotDelta['apps']['put'][number] | null>();
  const subs = new Map<string, { appId: AppId; serviceId: SnapshotSubscription['serviceId']; put: SnapshotSubscription | null }>();
  const workloads = new Map<string, SnapshotWorkloadCredential | null>();
  for (const d of deltas) {
    for (const hash of d.keys.remove) keys.set(hash, null);
    for (const k of d.keys.put) keys.set(k.hash, k);
    for (const id of d.apps.remove) appsById.set(id, null);
    for (const a of d.apps.put) appsById.set(a.id, a);
    for (const s of d.subscriptions.remove) subs.set(pairOf(s), { ...s, put: null });
    for (const s of d.subscriptions.put) subs.set(pairOf(s), { appId: s.appId, serviceId: s.serviceId, put: s });
    for (const spiffeId of d.workloadCredentials?.remove ?? []) workloads.set(spiffeId, null);
    for (const w of d.workloadCredentials?.put ?? []) workloads.set(w.spiffeId, w);
  }
  const split = <T>(map: Map<string, T | null>) => ({
    put: [...map.values()].filter((v): v is T => v !== null),
    remove: [...map].flatMap(([id, v]) => (v === null ? [id] : [])),
  });
  const subValues = [...subs.values()];
  return {
    from: deltas[0]!.from,
    to: deltas.at(-1)!.to,
    keys: split(keys),
    apps: split(appsById) as SnapshotDelta['apps'],
    subscriptions: {
      put: subValues.flatMap((s) => (s.put ? [s.put] : [])),
      remove: subValues.flatMap(({ appId, serviceId, put }) => (put ? [] : [{ appId, serviceId }])),
    },
    workloadCredentials: split(workloads),
  };
}
