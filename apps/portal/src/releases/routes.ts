import { Hono } from 'hono';
import { and, desc, eq, inArray, max } from 'drizzle-orm';
import { z } from 'zod';
import { providers, releases, services, users } from '@tollgate/db';
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

function findRelease(db: Reader, serviceId: ServiceId, rawVersion: string) {
  const version = versionSchema.safeParse(rawVersion);
  const row = version.success
    ? db.select().from(releases).where(and(eq(releases.serviceId, serviceId), eq(releases.version, version.data))).get()
    : undefined;
  if (!row) throw notFound('Release');
  return row;
}

export function releaseRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  const liveVersion = (service: ServiceRow) =>
    service.liveReleaseId ? (ctx.db.select({ v: releases.version }).from(releases).where(eq(releases.id, service.liveReleaseId)).get()?.v ?? null) : null;

  const configOf = (service: ServiceRow, side: z.infer<typeof sideSchema>): ReleaseConfig => {
    if (side === 'working') return workingConfig(ctx.db, service.id);
    if (side === 'live') {
      if (!service.liveReleaseId) throw conflict('The service has no live release yet: it is a draft.');
      return readReleaseConfig(ctx.db.select().from(releases).where(eq(releases.id, service.liveReleaseId)).get()!.config, service.id);
    }
    return readReleaseConfig(findRelease(ctx.db, service.id, String(side)).config, service.id);
  };

  app.get('/services/:serviceId/releases', (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, findService(ctx.db, c.req.param('serviceId')), 'member', 'Service');
    const rows = ctx.db
      .select({ release: releases, email: users.email })
      .from(releases)
      .leftJoin(users, eq(users.id, releases.createdBy))
      .where(eq(releases.serviceId, service.id))
      .orderBy(desc(releases.version))
      .all();
    return c.json({ releases: rows.map((r) => releaseView(r.release, service.liveReleaseId, r.email)) });
  });

  // Registered before `/:version` so `diff` is not read as a release number.
  app.get('/services/:serviceId/releases/diff', (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, findService(ctx.db, c.req.param('serviceId')), 'member', 'Service');
    const { from, to } = readQuery(c, diffQuerySchema);
    return c.json({ from, to, changes: diffReleaseConfigs(configOf(service, from), configOf(service, to)) });
  });

  app.get('/services/:serviceId/releases/:version', (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, findService(ctx.db, c.req.param('serviceId')), 'member', 'Service');
    const row = findRelease(ctx.db, service.id, c.req.param('version'));
    return c.json({ release: { ...releaseView(row, service.liveReleaseId, null), config: readReleaseConfig(row.config, service.id) } });
  });

  /** Publishes the working copy as a new release, which the gateway then serves. */
  app.post('/services/:serviceId/releases', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { id } = requireOwned(actor, findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    await readNoBody(c);
    // Read again after awaiting the body: from here to the commit nothing else runs in this process.
    const service = findService(ctx.db, id)!;
    requireReleasable(service);
    const fromVersion = liveVersion(service);
    const working = configOf(service, 'working');
    const changes = diffReleaseConfigs(configOf(service, 'live'), working);
    if (!changes.length) throw conflict(`Nothing to release: the working copy equals the live release ${fromVersion}.`);
    assertHostsServable(ctx.db, actor, service.id, working.rest?.hosts ?? []);
    const nextVersion = (ctx.db.select({ v: max(releases.version) }).from(releases).where(eq(releases.serviceId, service.id)).get()?.v ?? 0) + 1;
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
    const { id } = requireOwned(actor, findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    await readNoBody(c);
    const service = findService(ctx.db, id)!;
    const release = findRelease(ctx.db, service.id, c.req.param('version'));
    requireReleasable(service);
    const fromVersion = liveVersion(service);
    if (release.id === service.liveReleaseId) throw conflict(`Release ${release.version} is already live.`);
    const config = readReleaseConfig(release.config, service.id);
    // A host given to another service since this release was made must not be served twice.
    assertHostsServable(ctx.db, actor, service.id, config.rest?.hosts ?? []);
    const wanted = new Set(config.models.flatMap((m) => m.targets.map((t) => t.providerId)));
    const present = new Set(wanted.size ? ctx.db.select({ id: providers.id }).from(providers).where(inArray(providers.id, [...wanted])).all().map((p) => p.id) : []);
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
      (tx) => tx.update(services).set({ liveReleaseId: release.id, updatedAt: Date.now() }).where(eq(services.id, service.id)).run(),
    );
    return c.json({ release: releaseView(release, release.id, null) });
  });

  return app;
}
