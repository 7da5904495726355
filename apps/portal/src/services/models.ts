import { Hono } from 'hono';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { first, modelRoutes, providers } from '@tollgate/db';
import { isId, newId, type ServiceId, type TeamId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { liveConfigFor } from '../releases/published';
import { workingCopyEdit } from '../releases/takes-effect';
import type { Actor } from '../auth/sessions';
import { canReadTeam, requireOwned, requireSignedIn, requireVisibleService } from '../access/policy';
import { findService } from '../access/load';
import { badRequest, conflict, notFound } from '../http/errors';
import { withUniqueAsConflict } from '../http/unique';
import { idSchema } from '../http/ids';
import { readJson, readNoBody } from '../http/validate';

/** Public model names as clients send them: `gpt-4o-mini`, `meta/llama-3.1-8b`, `claude-3-5-haiku@2024`. */
export const modelNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, 'use letters, digits and . _ : / @ -');

export const createModelRouteSchema = z.strictObject({
  name: modelNameSchema,
  targets: z
    .array(
      z.strictObject({
        providerId: idSchema('provider'),
        model: z.string().trim().min(1).max(200),
        weight: z.number().int().min(0).max(1_000).optional(),
        timeoutMs: z.number().int().min(100).max(600_000).optional(),
      }),
    )
    .min(1)
    .max(10),
});

type ModelRouteRow = typeof modelRoutes.$inferSelect;

/**
 * Consumers see which model names a service offers; which providers and upstream models serve them is the
 * publishing team's business.
 */
export const modelRouteView = (actor: Actor, teamId: TeamId, m: ModelRouteRow) => ({
  id: m.id,
  serviceId: m.serviceId,
  name: m.name,
  ...(canReadTeam(actor, teamId) ? { targets: m.targets } : {}),
  createdAt: m.createdAt,
});

/** A model as the live release serves it: its public name only. */
export const liveModelView = (serviceId: ServiceId) => (m: { name: string }) => ({ serviceId, name: m.name });

export function modelRouteRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  const nameTaken = (name: string) => `The service already has a model named ${name}.`;

  app.post('/services/:serviceId/models', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    if (service.kind !== 'ai') throw badRequest(`Model routes belong to AI services; this service is of kind ${service.kind}.`);
    const input = await readJson(c, createModelRouteSchema);
    const ids = [...new Set(input.targets.map((t) => t.providerId))];
    const known = new Set((await ctx.db.select({ id: providers.id }).from(providers).where(inArray(providers.id, ids))).map((p) => p.id));
    const missing = input.targets.findIndex((t) => !known.has(t.providerId));
    if (missing >= 0) throw badRequest(`targets.${missing}.providerId: no such provider`);
    const sameName = and(eq(modelRoutes.serviceId, service.id), eq(modelRoutes.name, input.name));
    if (await first(ctx.db.select({ id: modelRoutes.id }).from(modelRoutes).where(sameName))) throw conflict(nameTaken(input.name));
    const id = newId('modelRoute');
    const row = await withUniqueAsConflict(
      () =>
        ctx.commitChange(
          actor.id,
          { action: 'model_route.create', targetType: 'model_route', targetId: id, teamId: service.teamId, summary: { serviceId: service.id, name: input.name, targets: input.targets }, after: { name: input.name, targets: input.targets } },
          async (tx) => (await tx.insert(modelRoutes).values({ id, serviceId: service.id, name: input.name, targets: input.targets }).returning())[0],
        ),
      nameTaken(input.name),
    );
    return c.json({ model: modelRouteView(actor, service.teamId, row), ...workingCopyEdit(service) }, 201);
  });

  app.get('/services/:serviceId/models', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireVisibleService(actor, await findService(ctx.db, c.req.param('serviceId')));
    const live = await liveConfigFor(ctx.db, actor, service);
    // Outside the team: the models the gateway serves for this service, by name (never their targets).
    if (live) return c.json({ models: live.models.map(liveModelView(service.id)) });
    const rows = await ctx.db.select().from(modelRoutes).where(eq(modelRoutes.serviceId, service.id)).orderBy(asc(modelRoutes.name));
    return c.json({ models: rows.map((m) => modelRouteView(actor, service.teamId, m)) });
  });

  app.delete('/services/:serviceId/models/:modelRouteId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    await readNoBody(c);
    const routeId = c.req.param('modelRouteId');
    const route = isId('modelRoute', routeId)
      ? await first(ctx.db.select().from(modelRoutes).where(and(eq(modelRoutes.id, routeId), eq(modelRoutes.serviceId, service.id))))
      : undefined;
    if (!route) throw notFound('Model route');
    await ctx.commitChange(
      actor.id,
      { action: 'model_route.delete', targetType: 'model_route', targetId: route.id, teamId: service.teamId, summary: { serviceId: service.id, name: route.name }, before: { name: route.name, targets: route.targets } },
      async (tx) => {
        await tx.delete(modelRoutes).where(eq(modelRoutes.id, route.id));
      },
    );
    // 200 with a body, not 204: the live release keeps serving the route until the next one (ADR 0016).
    return c.json(workingCopyEdit(service));
  });

  return app;
}
