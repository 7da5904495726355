import { Hono } from 'hono';
import { and, desc, eq, inArray, max } from 'drizzle-orm';
import { z } from 'zod';
import { first, providers, releases, services, users } from '@tollgate/db';
import type { ServiceId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { requireOwned, requireSignedIn } from '../access/policy';
import { findService, type ServiceRow } from '../access/load';
import type { Reader } from '../changes/tx';
import { conflict, notFound } from '../http/errors';
import { readNoBody, readQuery } from '../http/validate';
import { publishWorkingCopy, readReleaseConfig, workingConfig, type ReleaseConfig } from './config';
import { diffReleaseConfigs } from './diff';
import { assertHostsServable } from '../rest/hosts';

const versionSchema = z.coerce.number().int().positive().max(1_000_000);
/** A release number, `live` (the one the gateway serves) or `working` (the unpublished edits). */
const sideSchema = z.union([z.literal('live'), z.literal('working'), versionSchema]);
const diffQuerySchema = z.object({ from: sideSchema.default('live'), to: sideSchema.default('working') });

type ReleaseRow = typeof releases.$inferSelect;

export const releaseView = (r: ReleaseRow, liveId: string | null, createdByEmail: string | null) => ({
  id: r.id,
  serviceId: r.serviceId,
  version: r.version,
  live: r.id === liveId,
  createdBy: r.createdBy,
  createdByEmail,
  createdAt: r.createdAt,
});

/** Only a service that is live in the gateway takes releases: a draft goes live by being published, a retired one never again. */
function requireReleasable(service: ServiceRow): void {
  if (service.lifecycle === 'draft') throw conflict('The service is a draft: publish it (POST /lifecycle with state published) to create its first release.');
  if (service.lifecycle === 'retired') throw conflict('The service is retired: its releases can no longer change.');
}

async function findRelease(db: Reader, serviceId: ServiceId, rawVersion: string) {
  const version = versionSchema.safeParse(rawVersion);
  const row = version.success
    ? await first(db.select().from(releases).where(and(eq(releases.serviceId, serviceId), eq(releases.version, version.data))))
    : undefined;
  if (!row) throw notFound('Release');
  return row;
}

export function releaseRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  const liveVersion = async (service: ServiceRow) =>
    service.liveReleaseId ? ((await first(ctx.db.select({ v: releases.version }).from(releases).where(eq(releases.id, service.liveReleaseId))))?.v ?? null) : null;

  const configOf = async (service: ServiceRow, side: z.infer<typeof sideSchema>): Promise<ReleaseConfig> => {
    if (side === 'working') return workingConfig(ctx.db, service.id);
    if (side === 'live') {
      if (!service.liveReleaseId) throw conflict('The service has no live release yet: it is a draft.');
      return readReleaseConfig((await first(ctx.db.select().from(releases).where(eq(releases.id, service.liveReleaseId))))!.config, service.id);
    }
    return readReleaseConfig((await findRelease(ctx.db, service.id, String(side))).config, service.id);
  };

  app.get('/services/:serviceId/releases', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'member', 'Service');
    const rows = await ctx.db
      .select({ release: releases, email: users.email })
      .from(releases)
      .leftJoin(users, eq(users.id, releases.createdBy))
      .where(eq(releases.serviceId, service.id))
      .orderBy(desc(releases.version));
    return c.json({ releases: rows.map((r) => releaseView(r.release, service.liveReleaseId, r.email)) });
  });

  // Registered before `/:version` so `diff` is not read as a release number.
  app.get('/services/:serviceId/releases/diff', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'member', 'Service');
    const { from, to } = readQuery(c, diffQuerySchema);
    return c.json({ from, to, changes: diffReleaseConfigs(await configOf(service, from), await configOf(service, to)) });
  });

  app.get('/services/:serviceId/releases/:version', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'member', 'Service');
    const row = await findRelease(ctx.db, service.id, c.req.param('version'));
    return c.json({ release: { ...releaseView(row, service.liveReleaseId, null), config: readReleaseConfig(row.config, service.id) } });
  });

  /** Publishes the working copy as a new release, which the gateway then serves. */
  app.post('/services/:serviceId/releases', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { id } = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    await readNoBody(c);
    // Read again after awaiting the body. The checks below read outside the commit's transaction, so another
    // request may run between them and it (ADR 0040: to lock or re-check inside it on PostgreSQL).
    const service = (await findService(ctx.db, id))!;
    requireReleasable(service);
    const fromVersion = await liveVersion(service);
    const working = await configOf(service, 'working');
    const changes = diffReleaseConfigs(await configOf(service, 'live'), working);
    if (!changes.length) throw conflict(`Nothing to release: the working copy equals the live release ${fromVersion}.`);
    await assertHostsServable(ctx.db, actor, service.id, working.rest?.hosts ?? []);
    const nextVersion = ((await first(ctx.db.select({ v: max(releases.version) }).from(releases).where(eq(releases.serviceId, service.id))))?.v ?? 0) + 1;
    const release = await ctx.commitChange(
      actor.id,
      {
        action: 'service.release',
        targetType: 'service',
        targetId: service.id,
        teamId: service.teamId,
        summary: { changes: changes.map((ch) => `${ch.change} ${ch.path}`) },
        before: { liveVersion: fromVersion },
        after: { liveVersion: nextVersion },
      },
      (tx) => publishWorkingCopy(tx, service.id, actor.id),
    );
    return c.json({ release: releaseView(release, release.id, actor.email), changes }, 201);
  });

  /** Makes an existing release live again: a rollback (or a roll forward after one). */
  app.post('/services/:serviceId/releases/:version/publish', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { id } = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    await readNoBody(c);
    const service = (await findService(ctx.db, id))!;
    const release = await findRelease(ctx.db, service.id, c.req.param('version'));
    requireReleasable(service);
    const fromVersion = await liveVersion(service);
    if (release.id === service.liveReleaseId) throw conflict(`Release ${release.version} is already live.`);
    const config = readReleaseConfig(release.config, service.id);
    // A host given to another service since this release was made must not be served twice.
    await assertHostsServable(ctx.db, actor, service.id, config.rest?.hosts ?? []);
    const wanted = new Set(config.models.flatMap((m) => m.targets.map((t) => t.providerId)));
    const present = new Set(wanted.size ? (await ctx.db.select({ id: providers.id }).from(providers).where(inArray(providers.id, [...wanted]))).map((p) => p.id) : []);
    const gone = [...wanted].filter((id) => !present.has(id));
    if (gone.length) throw conflict(`Release ${release.version} routes to providers that were deleted (${gone.join(', ')}); it cannot go live again.`);
    await ctx.commitChange(
      actor.id,
      {
        action: 'service.rollback',
        targetType: 'service',
        targetId: service.id,
        teamId: service.teamId,
        summary: { version: release.version },
        before: { liveVersion: fromVersion },
        after: { liveVersion: release.version },
      },
      async (tx) => {
        await tx.update(services).set({ liveReleaseId: release.id, updatedAt: Date.now() }).where(eq(services.id, service.id));
      },
    );
    return c.json({ release: releaseView(release, release.id, null) });
  });

  return app;
}
