import { and, eq, inArray } from 'drizzle-orm';
import { apps, first, services, subscriptions } from '@tollgate/db';
import type { UserId } from '@tollgate/domain';
import type { RecordChange } from '../changes/commit-change';
import type { Tx } from '../changes/tx';
import type { PlanRow } from '../access/load';
import { endPendingReplacements } from './plan-change';
import { applyAction, type SubscriptionAction } from './state-machine';

/**
 * Closing a plan ends its subscriptions inside the closing transaction: a pending request is rejected and an
 * approved or paused subscription revoked, each through the state machine and each with its own audit event
 * (so its team hears of it). Returns how many ended.
 */
export async function endSubscriptionsOfClosedPlan(tx: Tx, record: RecordChange, plan: PlanRow, actorId: UserId): Promise<number> {
  const service = (await first(tx.select({ teamId: services.teamId }).from(services).where(eq(services.id, plan.serviceId))))!;
  const live = await tx
    .select({ id: subscriptions.id, state: subscriptions.state, consumer: apps.teamId })
    .from(subscriptions)
    .innerJoin(apps, eq(apps.id, subscriptions.appId))
    .where(and(eq(subscriptions.planId, plan.id), inArray(subscriptions.state, ['pending', 'approved', 'paused'])));
  const reason = `The plan ${plan.name} was closed by the service's publisher.`;
  const now = Date.now();
  for (const sub of live) {
    const action: SubscriptionAction = sub.state === 'pending' ? 'reject' : 'revoke';
    const to = applyAction(action, sub.state);
    await tx.update(subscriptions).set({ state: to, decisionReason: reason, decidedBy: actorId, decidedAt: now, updatedAt: now }).where(eq(subscriptions.id, sub.id));
    record({
      action: `subscription.${action}`,
      targetType: 'subscription',
      targetId: sub.id,
      teamId: service.teamId,
      summary: { from: sub.state, to, reason, planClosed: plan.id },
      before: { state: sub.state },
      after: { state: to },
    });
    if (sub.state === 'approved') await endPendingReplacements(tx, record, sub.id, 'reject', to, actorId, { consumer: sub.consumer, publisher: service.teamId });
  }
  return live.length;
}
