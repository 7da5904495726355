import { Hono } from 'hono';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { first, plans } from '@tollgate/db';
import { approvalModes, newId, type TeamId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { canReadTeam, requireOwned, requireSignedIn, requireTeamRole, requireVisibleService } from '../access/policy';
import { findPlan, findService, type PlanRow } from '../access/load';
import { conflict, notFound } from '../http/errors';
import { nameSchema, readJson } from '../http/validate';
import { planLimitsSchema } from './limits-schema';
import { endSubscriptionsOfClosedPlan } from '../subscriptions/plan-closure';

export const planStates = ['active', 'deprecated', 'closed'] as const;
export type PlanState = (typeof planStates)[number];
const planVisibilities = ['public', 'team'] as const;

/**
 * Deprecating a plan stops new subscriptions and can be undone; closing it ends every subscription on it and
 * is final, because those subscribers were told their plan is gone.
 */
export const planTransitions: Readonly<Record<PlanState, readonly PlanState[]>> = {
  active: ['deprecated', 'closed'],
  deprecated: ['active', 'closed'],
  closed: [],
};

function assertPlanTransition(from: PlanState, to: PlanState): void {
  if (from === to || planTransitions[from].includes(to)) return;
  const allowed = planTransitions[from];
  throw conflict(`A ${from} plan cannot become ${to}; ${allowed.length ? `allowed next states: ${allowed.join(', ')}` : 'closing is final'}.`);
}

export const createPlanSchema = z.strictObject({
  name: nameSchema,
  approval: z.enum(approvalModes),
  limits: planLimitsSchema.default({}),
  visibility: z.enum(planVisibilities).default('public'),
});

export const updatePlanSchema = z
  .strictObject({ name: nameSchema, approval: z.enum(approvalModes), limits: planLimitsSchema, state: z.enum(planStates), visibility: z.enum(planVisibilities) })
  .partial()
  .refine((o) => Object.keys(o).length > 0, 'send at least one field to change');

export const planView = (p: PlanRow) => ({
  id: p.id,
  serviceId: p.serviceId,
  name: p.name,
  approval: p.approval,
  limits: p.limits,
  state: p.state,
  visibility: p.visibility,
  createdAt: p.createdAt,
});

/** A team-only plan is offered to the publishing team alone; to everyone else it does not exist. */
export const planVisibleToTeam = (plan: Pick<PlanRow, 'visibility'>, service: { teamId: TeamId }, teamId: TeamId) =>
  plan.visibility === 'public' || service.teamId === teamId;

export function planRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  const nameTaken = (name: string) => `The service already has a plan named ${name}.`;

  const requireFreeName = async (serviceId: PlanRow['serviceId'], name: string) => {
    const same = await first(ctx.db.select({ id: plans.id }).from(plans).where(and(eq(plans.serviceId, serviceId), eq(plans.name, name))));
    if (same) throw conflict(nameTaken(name));
  };

  app.post('/services/:serviceId/plans', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    const input = await readJson(c, createPlanSchema);
    await requireFreeName(service.id, input.name);
    const id = newId('plan');
    const plan = await ctx.commitChange(
      actor.id,
      { action: 'plan.create', targetType: 'plan', targetId: id, teamId: service.teamId, summary: { serviceId: service.id, name: input.name }, after: input },
      async (tx) => (await tx.insert(plans).values({ id, serviceId: service.id, ...input }).returning())[0],
    );
    return c.json({ plan: planView(plan) }, 201);
  });

  app.get('/services/:serviceId/plans', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireVisibleService(actor, await findService(ctx.db, c.req.param('serviceId')));
    const rows = await ctx.db.select().from(plans).where(eq(plans.serviceId, service.id)).orderBy(asc(plans.createdAt), asc(plans.seq), asc(plans.id));
    const visible = canReadTeam(actor, service.teamId) ? rows : rows.filter((p) => p.visibility === 'public');
    return c.json({ plans: visible.map(planView) });
  });

  app.patch('/plans/:planId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const found = await findPlan(ctx.db, c.req.param('planId'));
    if (!found) throw notFound('Plan');
    requireTeamRole(actor, found.service.teamId, 'admin', 'Plan');
    const changes = await readJson(c, updatePlanSchema);
    // Read again after awaiting the body. The name check reads outside the commit's transaction; the unique
    // index on (service, name) is what finally holds (ADR 0040).
    const current = (await findPlan(ctx.db, found.plan.id))!.plan;
    if (changes.state) assertPlanTransition(current.state, changes.state);
    if (changes.name && changes.name !== current.name) await requireFreeName(found.service.id, changes.name);
    const before = Object.fromEntries(Object.keys(changes).map((k) => [k, current[k as keyof typeof changes]]));
    const closing = changes.state === 'closed' && current.state !== 'closed';
    const action = closing ? 'plan.close' : changes.state && changes.state !== current.state ? `plan.${changes.state === 'active' ? 'reactivate' : 'deprecate'}` : 'plan.update';
    const { plan, ended } = await ctx.commitChange(
      actor.id,
      { action, targetType: 'plan', targetId: current.id, teamId: found.service.teamId, summary: changes, before, after: changes },
      async (tx, record) => ({
        plan: (await tx.update(plans).set(changes).where(eq(plans.id, current.id)).returning())[0]!,
        ended: closing ? await endSubscriptionsOfClosedPlan(tx, record, current, actor.id) : 0,
      }),
    );
    return c.json({ plan: planView(plan), endedSubscriptions: ended });
  });

  return app;
}
