import { eq, inArray, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import {
  apiKeys,
  apps,
  configRevision,
  plans,
  providers,
  releases,
  services,
  subscriptions,
  teams,
  type Db,
} from '@tollgate/db';
import type { SnapshotData, SnapshotProvider, SnapshotSubscription } from '@tollgate/domain';
import type { SecretBox } from '../secrets/secret-box';
import { openCredentials } from '../providers/credentials';
import { readReleaseConfig } from '../releases/config';
import { compileRest } from '../rest/compile';

/**
 * Compiles the gateway's view of the world from the database, in one read transaction so the snapshot is
 * consistent with the revision it carries. A provider whose credentials cannot be opened (sealed under another
 * master key, say) is left out and reported to `logger`: one bad row must not freeze every other change, and
 * the gateway already skips a model route target whose provider is missing and falls back to the next.
 */
export function compileSnapshot(db: Db, secrets: SecretBox, logger?: Pick<Logger, 'error'>): SnapshotData {
  return db.transaction((tx) => {
    const revision = tx.select().from(configRevision).get()?.revision ?? 0;
    const subscriptionRows = tx.select().from(subscriptions).all();
    const serviceRows = tx
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
      .innerJoin(teams, eq(teams.id, services.teamId))
      .all();
    const liveIds = serviceRows.flatMap((s) => (s.liveReleaseId ? [s.liveReleaseId] : []));
    const live = new Map(
      (liveIds.length ? tx.select().from(releases).where(inArray(releases.id, liveIds)).all() : []).map((r) => [
        r.id,
        { version: r.version, createdAt: r.createdAt, config: readReleaseConfig(r.config, r.serviceId) },
      ]),
    );
    return {
      revision,
      compiledAt: new Date().toISOString(),
      keys: tx
        .select({ id: apiKeys.id, appId: apiKeys.appId, hash: apiKeys.hash, prefix: apiKeys.prefix, expiresAt: apiKeys.expiresAt })
        .from(apiKeys)
        .where(isNull(apiKeys.revokedAt))
        .all(),
      apps: tx
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
        .all(),
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
      plans: tx.select({ id: plans.id, serviceId: plans.serviceId, name: plans.name, limits: plans.limits }).from(plans).all(),
      subscriptions: effectiveSubscriptions(subscriptionRows),
      providers: tx
        .select()
        .from(providers)
        .all()
        .flatMap((p): SnapshotProvider[] => {
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
      // REST services' proxy settings and APIs from their live releases, and apps' JWT credentials (ADR 0018).
      ...compileRest(tx, secrets, serviceRows, live, logger),
    };
  });
}

type SubscriptionRow = SnapshotSubscription & { updatedAt: number; replacesId: string | null; decidedAt: number | null };

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

function effectiveSubscriptions(rows: SubscriptionRow[]): SnapshotSubscription[] {
  const chosen = new Map<string, SubscriptionRow>();
  for (const row of rows) {
    const key = `${row.appId} ${row.serviceId}`;
    const current = chosen.get(key);
    if (!current || outranks(row, current)) chosen.set(key, row);
  }
  return [...chosen.values()].map(({ id, appId, serviceId, planId, state }) => ({ id, appId, serviceId, planId, state }));
}
