import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Logger } from 'pino';
import {
  apiKeys,
  apps,
  appWorkloadCredentials,
  configRevision,
  plans,
  providers,
  releases,
  services,
  subscriptions,
  teams,
  first,
  isPostgres,
  transact,
  type Db,
  type Tx,
} from '@tollgate/db';
import type { SnapshotApp, SnapshotData, SnapshotKey, SnapshotProvider, SnapshotSubscription, SnapshotWorkloadCredential } from '@tollgate/domain';
import type { SecretBox } from '../secrets/secret-box';
import { openCredentials } from '../providers/credentials';
import { readReleaseConfig } from '../releases/config';
import { compileRest } from '../rest/compile';

/**
 * Compiles the gateway's view of the world from the database, in one read-only transaction (one consistent
 * snapshot of the database, `transact`'s `readOnly`) so the snapshot is consistent with the revision it
 * carries. A provider whose credentials cannot be opened (sealed under another master key, say) is left out
 * and reported to `logger`: one bad row must not freeze every other change, and the gateway already skips a
 * model route target whose provider is missing and falls back to the next.
 *
 * The three tables that grow with tenants (keys, apps, subscriptions: 100,000s of rows) are read on SQLite as
 * raw values (in the order of the select's fields) and made into objects here: drizzle's per-cell result
 * mapping cost as much as SQLite itself, and the compile blocks the all-in-one's event loop (bench/scale.ts).
 * Their columns are text and integers, read as stored; apps' `limits` is the one JSON column, parsed as
 * drizzle's json mode does. PostgreSQL's rows come mapped by drizzle, as the same objects.
 */
export async function compileSnapshot(db: Db, secrets: SecretBox, logger?: Pick<Logger, 'error'>, reuse?: SnapshotReuse): Promise<SnapshotData> {
  return transact(
    db,
    async (tx) => {
      const revision = (await first(tx.select().from(configRevision)))?.revision ?? 0;
      // Only at the revision the reuse was worked out for: a write by anyone else may have touched those tables.
      const kept = reuse?.atRevision === revision ? reuse : undefined;
      const subscriptionRows = kept?.subscriptions ? null : await readSubscriptionRows(tx);
      const serviceRows = await tx
        .select({
          id: services.id,
          teamId: services.teamId,
          teamSlug: teams.slug,
          slug: services.slug,
          name: services.name,
          kind: services.kind,
          lifecycle: services.lifecycle,
          directModels: services.directModels,
          deprecatedAt: services.deprecatedAt,
          sunsetAt: services.sunsetAt,
          limits: services.limits,
          liveReleaseId: services.liveReleaseId,
          captureBodies: services.captureBodies,
          captureRedact: services.captureRedact,
        })
        .from(services)
        .innerJoin(teams, eq(teams.id, services.teamId));
      const liveIds = serviceRows.flatMap((s) => (s.liveReleaseId ? [s.liveReleaseId] : []));
      const live = new Map(
        (liveIds.length ? await tx.select().from(releases).where(inArray(releases.id, liveIds)) : []).map((r) => [
          r.id,
          { version: r.version, createdAt: r.createdAt, config: readReleaseConfig(r.config, r.serviceId) },
        ]),
      );
      const keys = kept?.keys ?? (await readKeys(tx));
      const appRows = kept?.apps ?? (await readApps(tx));
      const planRows = await tx.select({ id: plans.id, serviceId: plans.serviceId, name: plans.name, limits: plans.limits }).from(plans);
      const providerRows = await tx.select().from(providers);
      // REST services' proxy settings and APIs from their live releases, and apps' JWT credentials (ADR 0018).
      const rest = await compileRest(tx, secrets, serviceRows, live, logger);
      const workloadCredentials = await readWorkloadCredentials(tx);
      return {
        revision,
        compiledAt: new Date().toISOString(),
        keys,
        apps: appRows,
        services: serviceRows.map(({ liveReleaseId, captureBodies, captureRedact, ...row }) => {
          // Capture is an operational switch, not part of a release: it applies from the next snapshot on.
          const service = captureBodies ? { ...row, capture: { redact: captureRedact } } : row;
          const release = liveReleaseId ? live.get(liveReleaseId) : undefined;
          if (!release) return service;
          return {
            ...service,
            name: release.config.service.name,
            directModels: release.config.service.directModels,
            release: release.version,
            releasedAt: release.createdAt,
          };
        }),
        plans: planRows,
        subscriptions: kept?.subscriptions ?? effectiveSubscriptions(subscriptionRows!),
        providers: providerRows.flatMap((p): SnapshotProvider[] => {
          let keys: Array<{ key: string; weight: number }>;
          try {
            keys = openCredentials(secrets, p.credentials).keys;
          } catch (err) {
            logger?.error(
              { err, providerId: p.id },
              `provider ${p.id} (${p.name}) left out of the gateway snapshot: its credentials cannot be opened with this master key; enter its API key again`,
            );
            return [];
          }
          return [{ id: p.id, name: p.name, type: p.type, baseUrl: p.baseUrl, apiKey: keys[0]!.key, keyPool: keys, priceOverrides: p.priceOverrides, settings: p.settings }];
        }),
        // The gateway serves the live release's models, not the working copy's edits: those go live when released.
        modelRoutes: serviceRows.flatMap((service) => {
          const release = service.liveReleaseId ? live.get(service.liveReleaseId) : undefined;
          return release ? release.config.models.map((m) => ({ serviceId: service.id, name: m.name, targets: m.targets })) : [];
        }),
        // Likewise prompts: the version the live release froze, whatever the working copy publishes since.
        prompts: serviceRows.flatMap((service) => {
          const release = service.liveReleaseId ? live.get(service.liveReleaseId) : undefined;
          return release ? release.config.prompts.map((p) => ({ serviceId: service.id, id: p.id, name: p.name, path: p.path, version: p.version, spec: p.spec })) : [];
        }),
        ...rest,
        workloadCredentials,
      };
    },
    { readOnly: true },
  );
}

/**
 * The previous snapshot's arrays of the three tables that grow with tenants, for a full compile after changes
 * that cannot have touched them (a plan, a service, a provider...): at 100,000 keys and subscriptions reading
 * them is most of a compile's second. Used only when the database is at `atRevision`, the revision those
 * changes brought it to; the publisher decides which arrays still hold (ADR 0032).
 */
export interface SnapshotReuse {
  atRevision: number;
  keys?: SnapshotData['keys'];
  apps?: SnapshotData['apps'];
  subscriptions?: SnapshotData['subscriptions'];
}

export type SubscriptionRow = SnapshotSubscription & { updatedAt: number; replacesId: string | null; decidedAt: number | null };

/**
 * A plan-change request that never took over (still pending, rejected, or withdrawn before a decision) says
 * nothing about whether the app may call; one that was approved at some point does.
 */
const tookEffect = (s: SubscriptionRow) =>
  s.replacesId === null || s.state === 'approved' || s.state === 'paused' || s.state === 'revoked' || (s.state === 'cancelled' && s.decidedAt !== null);

/**
 * Which of two subscriptions of one app to one service the gateway should know: an approved one first (a plan
 * change waiting for approval keeps the old plan working); else one that took effect (a rejected plan change
 * must not hide why the subscription itself stopped); else the most recent. The 403 names its state.
 */
function outranks(row: SubscriptionRow, current: SubscriptionRow): boolean {
  const approved = (s: SubscriptionRow) => s.state === 'approved';
  if (approved(row) !== approved(current)) return approved(row);
  if (tookEffect(row) !== tookEffect(current)) return tookEffect(row);
  return row.updatedAt > current.updatedAt;
}

/** One subscription per (app, service) pair, in the order of the pairs' first rows (`snapshotOrder`'s, as read). */
export function effectiveSubscriptions(rows: readonly SubscriptionRow[]): SnapshotSubscription[] {
  const chosen = new Map<string, SubscriptionRow>();
  for (const row of rows) {
    const key = `${row.appId} ${row.serviceId}`;
    const current = chosen.get(key);
    if (!current || outranks(row, current)) chosen.set(key, row);
  }
  return [...chosen.values()].map(({ id, appId, serviceId, planId, state }) => ({ id, appId, serviceId, planId, state }));
}

/*
 * The readers of the three tables that grow with tenants, shared by the full compile and the delta
 * (./delta.ts), so a delta's rows are built exactly as the compile builds them. `where` narrows them to the
 * rows a change touched. Rows come in `snapshotOrder`, so the delta can merge fresh rows into the previous
 * snapshot's arrays where a full compile would list them.
 */

/**
 * The snapshot's order of keys, apps and workload credentials (by id) and of subscriptions (by app, service,
 * then id: the snapshot holds one per pair, and the id settles which of a pair's rows `outranks` keeps on a
 * tie): explicit, since neither database promises an order without it (PostgreSQL moves an updated row to the
 * end of its heap). Byte order on both: SQLite compares these columns as bytes (BINARY), PostgreSQL is told
 * "C" whatever the database's collation. On SQLite `+` keeps the planner off the primary-key index: walking it
 * costs a random table read per row, twice the scan-and-sort at 100,000 apps (bench/scale.ts).
 * `compareIds` (delta.ts) is the same order in JS.
 */
function snapshotOrder(tx: Tx, ...columns: AnySQLiteColumn[]): SQL[] {
  return columns.map((c) => (isPostgres(tx) ? sql`${c} collate "C"` : sql`+${c}`));
}

export async function readKeys(tx: Tx, where?: SQL): Promise<SnapshotKey[]> {
  const q = tx
    .select({ id: apiKeys.id, appId: apiKeys.appId, hash: apiKeys.hash, prefix: apiKeys.prefix, expiresAt: apiKeys.expiresAt })
    .from(apiKeys)
    .where(where ? and(isNull(apiKeys.revokedAt), where) : isNull(apiKeys.revokedAt))
    .orderBy(...snapshotOrder(tx, apiKeys.id));
  if (isPostgres(tx)) return (await q) as SnapshotKey[];
  return (await q.values()).map(([id, appId, hash, prefix, expiresAt]) => ({ id, appId, hash, prefix, expiresAt }) as SnapshotKey);
}

export async function readApps(tx: Tx, where?: SQL): Promise<SnapshotApp[]> {
  const q = tx
    .select({
      id: apps.id,
      teamId: apps.teamId,
      name: apps.name,
      costBudgetMicroUsdPerMonth: apps.costBudgetMicroUsdPerMonth,
      teamCostBudgetMicroUsdPerMonth: teams.costBudgetMicroUsdPerMonth,
      limits: apps.limits,
    })
    .from(apps)
    .innerJoin(teams, eq(teams.id, apps.teamId))
    .where(where)
    .orderBy(...snapshotOrder(tx, apps.id));
  if (isPostgres(tx)) return (await q) as SnapshotApp[];
  return (await q.values()).map(
    ([id, teamId, name, costBudgetMicroUsdPerMonth, teamCostBudgetMicroUsdPerMonth, limits]) =>
      ({ id, teamId, name, costBudgetMicroUsdPerMonth, teamCostBudgetMicroUsdPerMonth, limits: JSON.parse(limits as string) }) as SnapshotApp,
  );
}

export async function readSubscriptionRows(tx: Tx, where?: SQL): Promise<SubscriptionRow[]> {
  const q = tx
    .select({
      id: subscriptions.id,
      appId: subscriptions.appId,
      serviceId: subscriptions.serviceId,
      planId: subscriptions.planId,
      state: subscriptions.state,
      updatedAt: subscriptions.updatedAt,
      replacesId: subscriptions.replacesId,
      decidedAt: subscriptions.decidedAt,
    })
    .from(subscriptions)
    .where(where)
    .orderBy(...snapshotOrder(tx, subscriptions.appId, subscriptions.serviceId, subscriptions.id));
  if (isPostgres(tx)) return (await q) as SubscriptionRow[];
  return (await q.values()).map(
    ([id, appId, serviceId, planId, state, updatedAt, replacesId, decidedAt]) =>
      ({ id, appId, serviceId, planId, state, updatedAt, replacesId, decidedAt }) as SubscriptionRow,
  );
}

/** Active workload credentials (ADR 0033), in `snapshotOrder` (by id). */
export async function readWorkloadCredentials(tx: Tx, where?: SQL): Promise<SnapshotWorkloadCredential[]> {
  const active = isNull(appWorkloadCredentials.revokedAt);
  return tx
    .select({ id: appWorkloadCredentials.id, appId: appWorkloadCredentials.appId, spiffeId: appWorkloadCredentials.spiffeId })
    .from(appWorkloadCredentials)
    .where(where ? and(active, where) : active)
    .orderBy(...snapshotOrder(tx, appWorkloadCredentials.id));
}
