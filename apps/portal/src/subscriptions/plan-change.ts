import { Hono } from 'hono';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { first, subscriptions } from '@tollgate/db';
import { newId, type SubscriptionId, type TeamId, type UserId } from '@tollgate/domain';
import type { RecordChange } from '../changes/commit-change';
import type { Tx } from '../changes/tx';
import type { PortalContext, PortalEnv } from '../context';
import { requireSharedRole, requireSignedIn } from '../access/policy';
import { findPlan, findSubscription } from '../access/load';
import { badRequest, conflict, notFound } from '../http/errors';
import { idSchema } from '../http/ids';
import { readJson } from '../http/validate';
import { planVisibleToTeam } from '../plans/routes';
import { subscriptionDetails } from './queries';
import { actionsFrom, applyAction, notOpen, planChangeFrom } from './state-machine';

const changePlanSchema = z.strictObject({ planId: idSchema('plan'), note: z.string().trim().max(2000).default('') });

/**
 * A consumer moves an approved subscription to another plan of the same service. On an auto plan the switch
 * is immediate; on a manual plan a new pending subscription waits in the approval queue while the old one
 * keeps working, and approving it cancels the old one (see decisions.ts).
 */
/**
 * Ends the subscription a plan change replaces, once the new plan is approved: as cancelled, since the consumer
 * asked to leave it. One that already ended (revoked meanwhile, say) stays as it is.
 */
export async function endReplacedSubscription(tx: Tx, record: RecordChange, oldId: SubscriptionId, replacementId: SubscriptionId, consumerTeam: TeamId): Promise<void> {
  const old = await first(tx.select({ state: subscriptions.state }).from(subscriptions).where(eq(subscriptions.id, oldId)));
  if (!old || !actionsFrom(old.state).includes('cancel')) return;
  const to = applyAction('cancel', old.state);
  const reason = `Replaced by the plan change ${replacementId}.`;
  await tx.update(subscriptions).set({ state: to, decisionReason: reason, updatedAt: Date.now() }).where(eq(subscriptions.id, oldId));
  record({ action: 'subscription.cancel', targetType: 'subscription', targetId: oldId, teamId: consumerTeam, summary: { from: old.state, to, reason, replacedBy: replacementId }, before: { state: old.state }, after: { state: to } });
}

/**
 * A plan change waits on the subscription it replaces: when that one stops being approved (paused, revoked,
 * cancelled, its plan closed), the waiting change ends too, or approving it later would undo the pause or
 * revocation. The publisher's moves reject it; the consumer's cancel withdraws (cancels) it.
 */
export async function endPendingReplacements(
  tx: Tx,
  record: RecordChange,
  oldId: SubscriptionId,
  how: 'reject' | 'cancel',
  why: string,
  decidedBy: UserId | null,
  teams: { consumer: TeamId; publisher: TeamId },
): Promise<void> {
  const waiting = await tx.select({ id: subscriptions.id, state: subscriptions.state }).from(subscriptions).where(and(eq(subscriptions.replacesId, oldId), eq(subscriptions.state, 'pending')));
  const now = Date.now();
  for (const sub of waiting) {
    const to = applyAction(how, sub.state);
    const reason = `The subscription this plan change would replace was ${why}.`;
    const decision = how === 'reject' ? { decidedBy, decidedAt: now } : {};
    await tx.update(subscriptions).set({ state: to, decisionReason: reason, updatedAt: now, ...decision }).where(eq(subscriptions.id, sub.id));
    record({
      action: `subscription.${how}`,
      targetType: 'subscription',
      targetId: sub.id,
      teamId: how === 'reject' ? teams.publisher : teams.consumer,
      summary: { from: sub.state, to, reason, replaces: oldId },
      before: { state: sub.state },
      after: { state: to },
    });
  }
}

export function planChangeRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.post('/subscriptions/:subscriptionId/change-plan', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const found = await findSubscription(ctx.db, c.req.param('subscriptionId'));
    if (!found) throw notFound('Subscription');
    requireSharedRole(actor, found.app.teamId, found.service.teamId, 'member', 'Subscription');
    const { planId, note } = await readJson(c, changePlanSchema);
    // Read again after awaiting the body; the app (and so the subscription) may have been deleted meanwhile.
    const fresh = await findSubscription(ctx.db, found.subscription.id);
    if (!fresh) throw notFound('Subscription');
    const { subscription: current, app: consumer, service } = fresh;
    if (!planChangeFrom.includes(current.state)) {
      throw conflict(`Only an approved subscription can change plan; this one is ${current.state}.`);
    }
    const target = await findPlan(ctx.db, planId);
    if (!target || !planVisibleToTeam(target.plan, target.service, consumer.teamId)) throw notFound('Plan');
    if (target.service.id !== service.id) throw badRequest('planId: the plan belongs to another service; subscribe to that service instead.');
    if (target.plan.id === current.planId) throw conflict(`The subscription is already on the plan ${target.plan.name}.`);
    if (service.lifecycle !== 'published') throw conflict(notOpen[service.lifecycle]);
    if (target.plan.state !== 'active') throw conflict(`The plan ${target.plan.name} is ${target.plan.state}: it takes no new subscriptions.`);

    const id = newId('subscription');
    const state = target.plan.approval === 'auto' ? 'approved' : 'pending';
    const now = Date.now();
    await ctx.commitChange(
      actor.id,
      {
        action: 'subscription.change_plan',
        targetType: 'subscription',
        targetId: id,
        teamId: consumer.teamId,
        summary: { replaces: current.id, fromPlanId: current.planId, toPlanId: target.plan.id, state },
        after: { planId: target.plan.id, state },
      },
      async (tx, record) => {
        const waiting = await first(
          tx
            .select({ id: subscriptions.id })
            .from(subscriptions)
            .where(and(eq(subscriptions.replacesId, current.id), eq(subscriptions.state, 'pending')))
            .limit(1),
        );
        if (waiting) throw conflict(`A plan change for this subscription is already pending (${waiting.id}); cancel it first.`);
        await tx.insert(subscriptions)
          .values({
            id,
            appId: current.appId,
            serviceId: current.serviceId,
            planId: target.plan.id,
            state,
            requestNote: note,
            requestedBy: actor.id,
            decidedAt: state === 'approved' ? now : null,
            replacesId: current.id,
            updatedAt: now,
          });
        if (state === 'approved') await endReplacedSubscription(tx, record, current.id, id, consumer.teamId);
      },
    );
    const [subscription] = await subscriptionDetails(ctx.db, eq(subscriptions.id, id));
    const [replaces] = await subscriptionDetails(ctx.db, eq(subscriptions.id, current.id));
    return c.json({ subscription, replaces }, 201);
  });

  return app;
}
