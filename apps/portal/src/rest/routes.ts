import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import { first, releases, services, type ServiceRestSettings } from '@tollgate/db';
import type { PortalContext, PortalEnv } from '../context';
import type { Reader, Tx } from '../changes/tx';
import { requireOwned, requireSignedIn } from '../access/policy';
import { findService, type ServiceRow } from '../access/load';
import { badRequest, notFound } from '../http/errors';
import { readJson, readNoBody } from '../http/validate';
import { readReleaseConfig } from '../releases/config';
import { workingCopyEdit } from '../releases/takes-effect';
import { fillServiceRest } from './fill';
import { credentialHeaders, deleteCredential, maskedCredential, putCredential } from './upstream-credentials';
import { trafficSchema, upstreamBodySchema, upstreamNameSchema } from './service-schemas';
import { checkTraffic, upstreamFromBody, withoutUpstream, withUpstream, type StoredUpstream } from './upstreams';

/** Upstream and traffic settings are REST only; an AI service's calls go to its model routes. */
function requireRest(service: ServiceRow): ServiceRestSettings {
  if (service.kind !== 'rest') throw badRequest(`Upstreams and traffic policies belong to REST services; this service is of kind ${service.kind} (its calls go to its model routes).`);
  return fillServiceRest(service.rest);
}

function upstreamName(raw: string | undefined): string {
  const parsed = upstreamNameSchema.safeParse(raw);
  if (!parsed.success) throw badRequest(`name: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

/** An upstream as its team sees it: every setting, and of its credential only the header name. */
export const upstreamView = (u: StoredUpstream, headers: Map<string, string>) => {
  const header = headers.get(u.name);
  return { ...u, credential: header ? maskedCredential(header) : null };
};

/**
 * A REST service's upstreams and traffic policy (ADR 0018). Both are in the working copy: a release serves
 * them and a rollback brings them back. An upstream's credential is the exception: it is stored sealed,
 * applies from the next snapshot, and answers only ever show its header name.
 */
export function restRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  const save = async (tx: Tx, service: ServiceRow, rest: ServiceRestSettings) => {
    await tx.update(services).set({ rest, updatedAt: Date.now() }).where(eq(services.id, service.id));
  };

  app.get('/services/:serviceId/upstreams', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'member', 'Service');
    const rest = requireRest(service);
    const headers = await credentialHeaders(ctx.db, service.id);
    return c.json({ upstreams: rest.upstreams.map((u) => upstreamView(u, headers)), traffic: rest.traffic });
  });

  app.put('/services/:serviceId/upstreams/:name', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { id } = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    const name = upstreamName(c.req.param('name'));
    requireRest((await findService(ctx.db, id))!);
    const body = await readJson(c, upstreamBodySchema);
    // Read again after awaiting the body: from here to the commit nothing else runs in this process.
    const service = (await findService(ctx.db, id))!;
    const rest = fillServiceRest(service.rest);
    const upstream = upstreamFromBody(name, body);
    const updated = withUpstream(rest, upstream);
    const previous = rest.upstreams.find((u) => u.name === name) ?? null;
    const credential = body.credential === undefined ? 'kept' : 'changed';
    await ctx.commitChange(
      actor.id,
      {
        action: 'service.upstream_put',
        targetType: 'service',
        targetId: service.id,
        teamId: service.teamId,
        summary: { upstream: name, nodes: upstream.nodes.map((n) => n.url) },
        before: { upstream: previous },
        after: { upstream },
      },
      async (tx, record) => {
        await save(tx, service, updated);
        // The credential is audited by header name only; its value never reaches the audit log.
        if (body.credential) await putCredential(tx, ctx.secrets, service.id, name, body.credential);
        const removed = body.credential === null && (await deleteCredential(tx, service.id, name));
        if (body.credential || removed) {
          record({
            action: body.credential ? 'service.upstream_credential_set' : 'service.upstream_credential_remove',
            targetType: 'service',
            targetId: service.id,
            teamId: service.teamId,
            summary: { upstream: name, ...(body.credential && { header: body.credential.header }) },
          });
        }
      },
    );
    // The settings wait for a release; a credential sent along is served from the next snapshot (ADR 0018), so
    // the answer lists the fields that wait, as a PATCH of a service does (ADR 0016).
    const deferredFields = Object.keys(upstream).filter((k) => k !== 'name');
    const when = { ...workingCopyEdit(service), ...(credential !== 'kept' && { deferredFields }) };
    return c.json({ upstream: upstreamView(upstream, await credentialHeaders(ctx.db, service.id)), ...when }, previous ? 200 : 201);
  });

  app.delete('/services/:serviceId/upstreams/:name', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { id } = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    await readNoBody(c);
    const service = (await findService(ctx.db, id))!;
    const rest = requireRest(service);
    const name = upstreamName(c.req.param('name'));
    const upstream = rest.upstreams.find((u) => u.name === name);
    if (!upstream) throw notFound('Upstream');
    const updated = withoutUpstream(rest, name);
    // The live release may still call this upstream until the next release: its credential stays until then.
    const live = service.liveReleaseId !== null && (await liveUses(ctx.db, service, name));
    await ctx.commitChange(
      actor.id,
      { action: 'service.upstream_delete', targetType: 'service', targetId: service.id, teamId: service.teamId, summary: { upstream: name }, before: { upstream } },
      async (tx) => {
        await save(tx, service, updated);
        if (!live) await deleteCredential(tx, service.id, name);
      },
    );
    return c.json(workingCopyEdit(service));
  });

  app.put('/services/:serviceId/traffic', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { id } = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    requireRest((await findService(ctx.db, id))!);
    const body = await readJson(c, trafficSchema);
    const service = (await findService(ctx.db, id))!;
    const rest = fillServiceRest(service.rest);
    const traffic = checkTraffic(rest, body);
    await ctx.commitChange(
      actor.id,
      { action: 'service.traffic_update', targetType: 'service', targetId: service.id, teamId: service.teamId, summary: { traffic }, before: { traffic: rest.traffic }, after: { traffic } },
      (tx) => save(tx, service, { ...rest, traffic }),
    );
    return c.json({ traffic, ...workingCopyEdit(service) });
  });

  return app;
}

/** Whether the service's live release calls `upstream`. Read in code (one row), not with SQLite's json_each. */
async function liveUses(db: Reader, service: ServiceRow, upstream: string): Promise<boolean> {
  if (!service.liveReleaseId) return false;
  const row = await first(db.select({ config: releases.config }).from(releases).where(eq(releases.id, service.liveReleaseId)));
  return row !== undefined && (readReleaseConfig(row.config, service.id).rest?.upstreams.some((u) => u.name === upstream) ?? false);
}
