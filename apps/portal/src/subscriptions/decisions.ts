import { Hono, type Context } from 'hono';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { subscriptions } from '@tollgate/db';
import type { PortalContext, PortalEnv } from '../context';
import type { Actor } from '../auth/sessions';
import { requireSharedRole, requireSignedIn } from '../access/policy';
import { findSubscription } from '../access/load';
import { ApiError, conflict, notFound } from '../http/errors';
import { idSchema } from '../http/ids';
import { readOptionalJson } from '../http/optional-json';
import { readJson } from '../http/validate';
import { endPendingReplacements, endReplacedSubscription } from './plan-change';
import { subscriptionDetails } from './queries';
import { applyAction, planChangeFrom, subscriptionActions, type SubscriptionAction } from './state-machine';

const reasonSchema = z.string().trim().min(1).max(2000);
const bodies: Record<SubscriptionAction, z.ZodType<{ reason?: string }>> = {
  approve: z.strictObject({ reason: reasonSchema.optional() }),
  // A rejected or revoked consumer deserves to know why; the reason is stored as the decision's reason.
  reject: z.strictObject({ reason: reasonSchema }),
  pause: z.strictObject({ reason: reasonSchema.optional() }),
  resume: z.strictObject({ reason: reasonSchema.optional() }),
  revoke: z.strictObject({ reason: reasonSchema }),
  cancel: z.strictObject({ reason: reasonSchema.optional() }),
};

export const bulkSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('approve'), ids: z.array(idSchema('subscription')).min(1).max(100), reason: reasonSchema.optional() }),
  z.strictObject({ action: z.literal('reject'), ids: z.array(idSchema('subscription')).min(1).max(100), reason: reasonSchema }),
]);

/** Loads the subscription and checks that `actor` may take `action` on it; returns it with the acting team. */
async function authorizeAction(ctx: PortalContext, actor: Actor, id: string, action: SubscriptionAction) {
  const found = await findSubscription(ctx.db, id);
  if (!found) throw notFound('Subscription');
  const rule = subscriptionActions[action];
  const [acting, other] = rule.by === 'publisher' ? [found.service.teamId, found.app.teamId] : [found.app.teamId, found.service.teamId];
  requireSharedRole(actor, acting, other, rule.by === 'publisher' ? 'admin' : 'member', 'Subscription');
  return { ...found, acting, rule };
}

/**
 * Applies one action to one subscription for `actor`: the access check, the state machine and the write, with
 * a plan change's follow-up (approving the new plan ends the old subscription) in the same transaction.
 */
async function decide(ctx: PortalContext, actor: Actor, id: string, action: SubscriptionAction, reason: string | undefined) {
  const { subscription: current, app, service, acting, rule } = await authorizeAction(ctx, actor, id, action);
  const to = applyAction(action, current.state);
  if (action === 'approve' && current.replacesId) {
    // A plan change is approved only while the subscription it replaces still works (see endPendingReplacements).
    const replaced = (await findSubscription(ctx.db, current.replacesId))?.subscription;
    if (replaced && !planChangeFrom.includes(replaced.state)) {
      throw conflict(`This plan change replaces a subscription that is now ${replaced.state}; it can only be rejected.`);
    }
  }
  const now = Date.now();
  const decision = rule.by === 'publisher' ? { decidedBy: actor.id, decidedAt: now, decisionReason: reason ?? null } : {};
  await ctx.commitChange(
    actor.id,
    {
      action: `subscription.${action}`,
      targetType: 'subscription',
      targetId: current.id,
      teamId: acting,
      summary: { from: current.state, to, ...(reason ? { reason } : {}) },
      before: { state: current.state },
      after: { state: to },
    },
    async (tx, record) => {
      await tx.update(subscriptions).set({ state: to, updatedAt: now, ...decision }).where(eq(subscriptions.id, current.id));
      if (to === 'approved' && current.replacesId) await endReplacedSubscription(tx, record, current.replacesId, current.id, app.teamId);
      if (current.state === 'approved' && to !== 'approved') {
        const how = action === 'cancel' ? 'cancel' : 'reject';
        await endPendingReplacements(tx, record, current.id, how, to, actor.id, { consumer: app.teamId, publisher: service.teamId });
      }
    },
  );
  return (await subscriptionDetails(ctx.db, eq(subscriptions.id, current.id)))[0]!;
}

/** The bulk answer: every item (once) with its own outcome, the subscription or the refusal's code and message. */
export async function decideMany(ctx: PortalContext, actor: Actor, action: 'approve' | 'reject', ids: string[], reason: string | undefined) {
  // One after another, as before: each decision reads what the one before it wrote.
  const results: Array<{ id: string; status: number; subscription?: Awaited<ReturnType<typeof decide>>; error?: { code: string; message: string } }> = [];
  for (const id of new Set(ids)) {
    try {
      results.push({ id, status: 200, subscription: await decide(ctx, actor, id, action, reason) });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      results.push({ id, status: err.status, error: { code: err.code, message: err.message } });
    }
  }
  const succeeded = results.filter((r) => r.status === 200).length;
  return { action, succeeded, failed: results.length - succeeded, results };
}

export function decisionRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  const act = (action: SubscriptionAction) => async (c: Context<PortalEnv>) => {
    const actor = requireSignedIn(c.get('actor'));
    const id = c.req.param('subscriptionId') ?? '';
    // Access first, so a stranger learns nothing from how the body is judged.
    await authorizeAction(ctx, actor, id, action);
    const { reason } = await readOptionalJson(c, bodies[action]);
    // Decided on a fresh read after awaiting the body: from there to the commit nothing else runs in this process.
    return c.json({ subscription: await decide(ctx, actor, id, action, reason) });
  };

  for (const action of Object.keys(subscriptionActions) as SubscriptionAction[]) {
    app.post(`/subscriptions/:subscriptionId/${action}`, act(action));
  }

  /**
   * Approve or reject many queue items at once. Each item is decided on its own (its own check, transition and
   * transaction), so one refused item does not hold back the rest; the answer reports every item.
   */
  app.post('/subscriptions/bulk', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { action, ids, reason } = await readJson(c, bulkSchema);
    return c.json(await decideMany(ctx, actor, action, ids, reason));
  });

  return app;
}
