import { Hono } from 'hono';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apps } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { fieldsOf } from '../changes/commit-change';
import { requireOwned, requireSignedIn, requireTeamRole } from '../access/policy';
import { findApp, loadTeam, type AppRow } from '../access/load';
import { nameSchema, readJson, readNoBody } from '../http/validate';
import { monthlyBudgetSchema, rateLimitsSchema } from '../plans/limits-schema';
import { keyRoutes } from './key-routes';
import { jwtCredentialRoutes } from './jwt-credential-routes';
import { workloadCredentialRoutes } from './workload-credential-routes';
import { usageRoutes } from './usage';

const descriptionSchema = z.string().trim().max(2000);
export const createAppSchema = z.strictObject({
  name: nameSchema,
  description: descriptionSchema.default(''),
  costBudgetMicroUsdPerMonth: monthlyBudgetSchema.default(null),
  limits: rateLimitsSchema.default({}),
});
const updateAppSchema = z
  .strictObject({ name: nameSchema, description: descriptionSchema, costBudgetMicroUsdPerMonth: monthlyBudgetSchema, limits: rateLimitsSchema })
  .partial()
  .refine((o) => Object.keys(o).length > 0, 'send at least one field to change');

export const appView = (a: AppRow) => ({
  id: a.id,
  teamId: a.teamId,
  name: a.name,
  description: a.description,
  costBudgetMicroUsdPerMonth: a.costBudgetMicroUsdPerMonth,
  limits: a.limits,
  createdAt: a.createdAt,
});

/** Consumer apps: any team member may create and manage them; deleting one (and its keys) takes a team admin. */
export function appRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.post('/teams/:teamId/apps', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'member');
    const input = await readJson(c, createAppSchema);
    const id = newId('app');
    const row = await ctx.commitChange(
      actor.id,
      { action: 'app.create', targetType: 'app', targetId: id, teamId: team.id, summary: { name: input.name }, after: input },
      async (tx) => (await tx.insert(apps).values({ id, teamId: team.id, ...input }).returning())[0]!,
    );
    return c.json({ app: appView(row) }, 201);
  });

  app.get('/teams/:teamId/apps', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'member');
    const rows = await ctx.db.select().from(apps).where(eq(apps.teamId, team.id)).orderBy(asc(apps.name), asc(apps.id));
    return c.json({ apps: rows.map(appView) });
  });

  app.get('/apps/:appId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    return c.json({ app: appView(requireOwned(actor, await findApp(ctx.db, c.req.param('appId')), 'member', 'App')) });
  });

  app.patch('/apps/:appId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const current = requireOwned(actor, await findApp(ctx.db, c.req.param('appId')), 'member', 'App');
    const changes = await readJson(c, updateAppSchema);
    const row = await ctx.commitChange(
      actor.id,
      { action: 'app.update', targetType: 'app', targetId: current.id, teamId: current.teamId, summary: changes, before: fieldsOf(current, Object.keys(changes)), after: changes },
      async (tx) => (await tx.update(apps).set(changes).where(eq(apps.id, current.id)).returning())[0],
    );
    return c.json({ app: appView(row!) });
  });

  app.delete('/apps/:appId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const current = requireOwned(actor, await findApp(ctx.db, c.req.param('appId')), 'admin', 'App');
    await readNoBody(c);
    // Keys and subscriptions go with the app (ON DELETE CASCADE); the next snapshot drops them from the gateway.
    await ctx.commitChange(
      actor.id,
      { action: 'app.delete', targetType: 'app', targetId: current.id, teamId: current.teamId, summary: { name: current.name }, before: fieldsOf(current, ['name', 'description']) },
      async (tx) => {
        await tx.delete(apps).where(eq(apps.id, current.id));
      },
    );
    return c.body(null, 204);
  });

  app.route('/', keyRoutes(ctx));
  app.route('/', jwtCredentialRoutes(ctx));
  app.route('/', workloadCredentialRoutes(ctx));
  app.route('/', usageRoutes(ctx));
  return app;
}
