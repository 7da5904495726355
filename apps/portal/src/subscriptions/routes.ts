import { Hono, type Context } from 'hono';
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { services, subscriptions } from '@tollgate/db';
import { newId, subscriptionStates, type LifecycleState, type SubscriptionId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { requireOwned, requireSharedRole, requireSignedIn, serviceVisibleToTeam, teamsWithRole } from '../access/policy';
import { findApp, findPlan, findSubscription } from '../access/load';
import { conflict, notFound } from '../http/errors';
import { idSchema } from '../http/ids';
import { readOptionalJson } from '../http/optional-json';
import { readJson, readQuery } from '../http/validate';
import { subscriptionDetails } from './queries';
import { applyAction, subscriptionActions, type SubscriptionAction } from './state-machine';

const requestSchema = z.object({ planId: idSchema('plan'), note: z.string().trim().max(2000).default('') });
const reasonSchema = z.string().trim().min(1).max(2000);
const bodies: Record<SubscriptionAction, z.ZodType<{ reason?: string }>> = {
  approve: z.object({ reason: reasonSchema.optional() }),
  // A rejected or revoked consumer deserves to know why; the reason is stored as the decision's reason.
  reject: z.object({ reason: reasonSchema }),
  pause: z.object({ reason: reasonSchema.optional() }),
  resume: z.object({ reason: reasonSchema.optional() }),
  revoke: z.object({ reason: reasonSchema }),
  cancel: z.object({ reason: reasonSchema.optional() }),
};
/**
 * States in which an app holds a subscription to a service: while one exists, another is refused. A paused
 * one counts, or asking again for an auto-approved plan would undo the publisher's pause.
 */
const liveStates = ['pending', 'approved', 'paused'] as const;
const queueQuerySchema = z.object({ state: z.enum(subscriptionStates).optional(), serviceId: idSchema('service').optional() });

const notOpen: Record<Exclude<LifecycleState, 'published'>, string> = {
  draft: 'The service is still a draft: it takes subscriptions once its team publishes it.',
  deprecated: 'The service is deprecated: it takes no new subscriptions.',
  retired: 'The service is retired.',
};

export function subscriptionRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  const details = (id: SubscriptionId) => subscriptionDetails(ctx.db, eq(subscriptions.id, id))[0]!;

  app.post('/apps/:appId/subscriptions', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const owner = requireOwned(actor, findApp(ctx.db, c.req.param('appId')), 'member', 'App');
    const { planId, note } = await readJson(c, requestSchema);
    const found = findPlan(ctx.db, planId);
    // A plan the app's team cannot see in its catalogue is indistinguishable from no plan at all.
    if (!found || !serviceVisibleToTeam(found.service, owner.teamId)) throw notFound('Plan');
    const { plan, service } = found;
    if (service.lifecycle !== 'published') throw conflict(notOpen[service.lifecycle]);
    if (plan.state !== 'active') throw conflict(`The plan ${plan.name} is ${plan.state}: it takes no new subscriptions.`);
    const id = newId('subscription');
    const state = plan.approval === 'auto' ? 'approved' : 'pending';
    ctx.commitChange(
      actor.id,
      { action: 'subscription.request', targetType: 'subscription', targetId: id, teamId: owner.teamId, summary: { appId: owner.id, serviceId: service.id, planId: plan.id, state } },
      (tx) => {
        const live = tx
          .select({ state: subscriptions.state })
          .from(subscriptions)
          .where(and(eq(subscriptions.appId, owner.id), eq(subscriptions.serviceId, service.id), inArray(subscriptions.state, liveStates)))
          .get();
        if (live) throw conflict(`The app already has a subscription to this service that is ${live.state}.`);
        const now = Date.now();
        tx.insert(subscriptions)
          .values({
            id,
            appId: owner.id,
            serviceId: service.id,
            planId: plan.id,
            state,
            requestNote: note,
            requestedBy: actor.id,
            decidedAt: state === 'approved' ? now : null,
            updatedAt: now,
          })
          .run();
      },
    );
    return c.json({ subscription: details(id) }, 201);
  });

  app.get('/apps/:appId/subscriptions', (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const owner = requireOwned(actor, findApp(ctx.db, c.req.param('appId')), 'member', 'App');
    return c.json({ subscriptions: subscriptionDetails(ctx.db, eq(subscriptions.appId, owner.id)) });
  });

  /** The approval queue: subscriptions to services the caller may decide on (team admin or owner). */
  app.get('/subscriptions', (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { state, serviceId } = readQuery(c, queueQuerySchema);
    const deciding = teamsWithRole(actor, 'admin');
    if (deciding !== null && deciding.length === 0) return c.json({ subscriptions: [] });
    const where = and(
      deciding === null ? undefined : inArray(services.teamId, deciding),
      state ? eq(subscriptions.state, state) : undefined,
      serviceId ? eq(subscriptions.serviceId, serviceId) : undefined,
    );
    return c.json({ subscriptions: subscriptionDetails(ctx.db, where) });
  });

  const act = (action: SubscriptionAction) => async (c: Context<PortalEnv>) => {
    const actor = requireSignedIn(c.get('actor'));
    const found = findSubscription(ctx.db, c.req.param('subscriptionId') ?? '');
    if (!found) throw notFound('Subscription');
    const rule = subscriptionActions[action];
    const [acting, other] = rule.by === 'publisher' ? [found.service.teamId, found.app.teamId] : [found.app.teamId, found.service.teamId];
    requireSharedRole(actor, acting, other, rule.by === 'publisher' ? 'admin' : 'member', 'Subscription');
    const { reason } = await readOptionalJson(c, bodies[action]);
    // Read again after awaiting the body: from here to the commit nothing else runs in this process.
    const current = findSubscription(ctx.db, found.subscription.id)!.subscription;
    const to = applyAction(action, current.state);
    const now = Date.now();
    const decision = rule.by === 'publisher' ? { decidedBy: actor.id, decidedAt: now, decisionReason: reason ?? null } : {};
    ctx.commitChange(
      actor.id,
      { action: `subscription.${action}`, targetType: 'subscription', targetId: current.id, teamId: acting, summary: { from: current.state, to, ...(reason ? { reason } : {}) } },
      (tx) => tx.update(subscriptions).set({ state: to, updatedAt: now, ...decision }).where(eq(subscriptions.id, current.id)).run(),
    );
    return c.json({ subscription: details(current.id) });
  };

  for (const action of Object.keys(subscriptionActions) as SubscriptionAction[]) {
    app.post(`/subscriptions/:subscriptionId/${action}`, act(action));
  }

  return app;
}
