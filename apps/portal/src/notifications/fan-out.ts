import { and, eq, inArray, ne } from 'drizzle-orm';
import { auditEvents, first, notifications, plans, teamMembers, transact, webhookDeliveries, webhooks, type Db } from '@tollgate/db';
import { isId, newId, type DeliveryId, type TeamId, type TeamRole } from '@tollgate/domain';
import { findSubscription } from '../access/load';
import { eventsForChange, titleFor, type Audience, type NotificationEvent } from './events';
import { claimOutboxRow } from './outbox';

/** The JSON body of a webhook delivery and the `data` of an in-portal notification: one shape for both. */
export interface NotificationPayload {
  /** The audit event of the change: one change may send two events (see eventsForChange), both carry it. */
  id: string;
  event: NotificationEvent;
  occurredAt: string;
  subscription: {
    id: string;
    state: string;
    note: string;
    reason: string | null;
    app: { id: string; name: string; teamId: string };
    service: { id: string; name: string; slug: string; teamId: string };
    plan: { id: string; name: string };
  };
  actor: { id: string | null };
}

/** Who in a team hears an event in the portal: the people who can act on it. */
const rolesFor: Record<Audience, readonly TeamRole[]> = {
  publisher: ['owner', 'admin'],
  consumer: ['owner', 'admin', 'member'],
};

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * Turns one committed change (by its audit event id) into notification rows and pending webhook deliveries.
 * The claim on the change's outbox row, the notifications and the deliveries commit together: a run that fails
 * part way leaves the row for a retry, and a second run (a job BullMQ ran twice, a sweep racing the job) finds
 * no row and writes nothing, so nobody hears of a change twice nor gets a second delivery id for it. Returns
 * the deliveries to enqueue. The person who made the change is not notified of it in the portal: they already know.
 */
export async function fanOut(db: Db, auditEventId: string): Promise<DeliveryId[]> {
  if (!isId('auditEvent', auditEventId)) return [];
  const deliveries: DeliveryId[] = [];

  await transact(db, async (tx) => {
    if (!(await claimOutboxRow(tx, auditEventId))) return;
    // A change that cannot be told any more (its subscription is gone) still gives up its row: nothing to retry.
    const change = await first(tx.select().from(auditEvents).where(eq(auditEvents.id, auditEventId)));
    if (!change || change.targetType !== 'subscription') return;
    const found = await findSubscription(tx, change.targetId);
    if (!found) return;
    const { subscription, app, service } = found;
    const plan = (await first(tx.select({ id: plans.id, name: plans.name }).from(plans).where(eq(plans.id, subscription.planId))))!;
    // The state the change left, not the state now: a job that runs late must not tell a newer story.
    const stateAfter = text(change.summary.to) ?? text(change.summary.state) ?? subscription.state;
    const routes = eventsForChange(change.action, stateAfter);
    for (const { event, audience } of routes) {
      const teamId: TeamId = audience === 'publisher' ? service.teamId : app.teamId;
      const payload: NotificationPayload = {
        id: change.id,
        event,
        occurredAt: new Date(change.at).toISOString(),
        subscription: {
          id: subscription.id,
          state: stateAfter,
          note: subscription.requestNote,
          reason: text(change.summary.reason) ?? subscription.decisionReason ?? null,
          app: { id: app.id, name: app.name, teamId: app.teamId },
          service: { id: service.id, name: service.name, slug: service.slug, teamId: service.teamId },
          plan,
        },
        actor: { id: change.actorUserId },
      };
      const people = await tx
        .select({ userId: teamMembers.userId })
        .from(teamMembers)
        .where(
          and(
            eq(teamMembers.teamId, teamId),
            inArray(teamMembers.role, [...rolesFor[audience]]),
            change.actorUserId ? ne(teamMembers.userId, change.actorUserId) : undefined,
          ),
        );
      const title = titleFor(event, app.name, service.name, plan.name);
      for (const { userId } of people) {
        await tx
          .insert(notifications)
          .values({ id: newId('notification'), userId, teamId, event, title, data: payload as unknown as Record<string, unknown> });
      }
      const hooks = await tx.select().from(webhooks).where(and(eq(webhooks.teamId, teamId), eq(webhooks.active, true)));
      const body = JSON.stringify(payload);
      for (const hook of hooks) {
        if (hook.events.length > 0 && !hook.events.includes(event)) continue;
        const id = newId('delivery');
        await tx.insert(webhookDeliveries).values({ id, webhookId: hook.id, event, payload: body, state: 'pending' });
        deliveries.push(id);
      }
    }
  });
  return deliveries;
}
