import { Hono } from 'hono';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { plans } from '@tollgate/db';
import { approvalModes, newId, type PlanLimits } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { requireOwned, requireSignedIn, requireTeamRole, requireVisibleService } from '../access/policy';
import { findPlan, findService, type PlanRow } from '../access/load';
import { conflict, notFound } from '../http/errors';
import { nameSchema, readJson } from '../http/validate';

const limit = z.number().int().positive();
/** Strict: a misspelt limit would otherwise vanish and the plan would be unlimited where it meant not to be. */
export const planLimitsSchema = z
  .object({
    requestsPerSecond: limit.optional(),
    requestsPerMinute: limit.optional(),
    requestsPerDay: limit.optional(),
    tokensPerMinute: limit.optional(),
    tokensPerDay: limit.optional(),
    costBudgetMicroUsdPerMonth: limit.optional(),
  })
  .strict() satisfies z.ZodType<PlanLimits>;

export const planStates = ['active', 'deprecated', 'closed'] as const;

const createPlanSchema = z.object({
  name: nameSchema,
  approval: z.enum(approvalModes),
  limits: planLimitsSchema.default({}),
});

const updatePlanSchema = z
  .object({ name: nameSchema, limits: planLimitsSchema, state: z.enum(planStates) })
  .partial()
  .refine((o) => Object.keys(o).length > 0, 'send at least one field to change');

export const planView = (p: PlanRow) => ({
  id: p.id,
  serviceId: p.serviceId,
  name: p.name,
  approval: p.approval,
  limits: p.limits,
  state: p.state,
  createdAt: p.createdAt,
});

export function planRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  const nameTaken = (name: string) => `The service already has a plan named ${name}.`;

  const requireFreeName = (serviceId: PlanRow['serviceId'], name: string) => {
    const same = ctx.db.select({ id: plans.id }).from(plans).where(and(eq(plans.serviceId, serviceId), eq(plans.name, name))).get();
    if (same) throw conflict(nameTaken(name));
  };

  app.post('/services/:serviceId/plans', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    const input = await readJson(c, createPlanSchema);
    requireFreeName(service.id, input.name);
    const id = newId('plan');
    const plan = ctx.commitChange(
      actor.id,
      { action: 'plan.create', targetType: 'plan', targetId: id, teamId: service.teamId, summary: { serviceId: service.id, ...input } },
      (tx) => tx.insert(plans).values({ id, serviceId: service.id, ...input }).returning().get(),
    );
    return c.json({ plan: planView(plan) }, 201);
  });

  app.get('/services/:serviceId/plans', (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireVisibleService(actor, findService(ctx.db, c.req.param('serviceId')));
    const rows = ctx.db.select().from(plans).where(eq(plans.serviceId, service.id)).orderBy(asc(plans.createdAt), asc(plans.id)).all();
    return c.json({ plans: rows.map(planView) });
  });

  app.patch('/plans/:planId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const found = findPlan(ctx.db, c.req.param('planId'));
    if (!found) throw notFound('Plan');
    requireTeamRole(actor, found.service.teamId, 'admin', 'Plan');
    const changes = await readJson(c, updatePlanSchema);
    if (changes.name && changes.name !== found.plan.name) requireFreeName(found.service.id, changes.name);
    const plan = ctx.commitChange(
      actor.id,
      { action: 'plan.update', targetType: 'plan', targetId: found.plan.id, teamId: found.service.teamId, summary: changes },
      (tx) => tx.update(plans).set(changes).where(eq(plans.id, found.plan.id)).returning().get(),
    );
    return c.json({ plan: planView(plan!) });
  });

  return app;
}
