import { Hono } from 'hono';
import { and, eq, gte, inArray, lt, or, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { z } from 'zod';
import { apps, first, services, subscriptions, teams } from '@tollgate/db';
import { newId, subscriptionStates, type SubscriptionId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { requireOwned, requireSignedIn, serviceVisibleToTeam, teamsWithRole } from '../access/policy';
import { findApp, findPlan } from '../access/load';
import { conflict, notFound } from '../http/errors';
import { idSchema } from '../http/ids';
import { readJson, readQuery } from '../http/validate';
import { planVisibleToTeam } from '../plans/routes';
import { subscriptionDetails, type SubscriptionDetails } from './queries';
import { notOpen } from './state-machine';

export const requestSchema = z.strictObject({ planId: idSchema('plan'), note: z.string().trim().max(2000).default('') });
/**
 * States in which an app holds a subscription to a service: while one exists, another is refused. A paused
 * one counts, or asking again for an auto-approved plan would undo the publisher's pause.
 */
export const liveStates = ['pending', 'approved', 'paused'] as const;
const queueQuerySchema = z.object({
  state: z.enum(subscriptionStates).optional(),
  serviceId: idSchema('service').optional(),
  planId: idSchema('plan').optional(),
  /** The consumer's team. */
  appTeamId: idSchema('team').optional(),
  /** Case-insensitive text in the app's, its team's or the service's name, or in the request note. */
  q: z.string().trim().min(1).max(100).optional(),
  /** Epoch milliseconds: requests made at or after this time. */
  since: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The previous page's `nextCursor`: the rows after it, in the queue's order (newest first). */
  cursor: z.string().regex(/^\d{1,15}(\.\d{1,12})?\.[A-Za-z0-9_-]{1,80}$/, 'the nextCursor of the previous page').optional(),
});

/**
 * Where a page of the queue ended: the last row's request time and id, the queue's sort key. A cursor, not an
 * offset: deciding rows on one page (they leave a `state=pending` queue) does not shift the next page.
 */
const cursorOf = (row: { createdAt: number; id: string }) => `${row.createdAt}.${row.id}`;
/** A page of the queue from up to `limit + 1` rows: the extra row only says that there is a next page. */
export function queuePageView(rows: SubscriptionDetails[], limit: number) {
  const page = rows.slice(0, limit);
  return { subscriptions: page, nextCursor: rows.length > limit ? cursorOf(page.at(-1)!) : null };
}

function afterCursor(cursor: string) {
  // The time is SQLite's REAL (`unixepoch('subsec') * 1000`) and may carry a fraction; ids never hold a dot.
  const dot = cursor.lastIndexOf('.');
  const at = Number(cursor.slice(0, dot));
  const id = cursor.slice(dot + 1) as SubscriptionId;
  return or(lt(subscriptions.createdAt, at), and(eq(subscriptions.createdAt, at), lt(subscriptions.id, id)));
}


export function subscriptionRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  const details = async (id: SubscriptionId) => (await subscriptionDetails(ctx.db, eq(subscriptions.id, id)))[0]!;

  app.post('/apps/:appId/subscriptions', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const owner = requireOwned(actor, await findApp(ctx.db, c.req.param('appId')), 'member', 'App');
    const { planId, note } = await readJson(c, requestSchema);
    const found = await findPlan(ctx.db, planId);
    // A plan the app's team cannot see in its catalogue is indistinguishable from no plan at all.
    if (!found || !serviceVisibleToTeam(found.service, owner.teamId) || !planVisibleToTeam(found.plan, found.service, owner.teamId)) throw notFound('Plan');
    const { plan, service } = found;
    if (service.lifecycle !== 'published') throw conflict(notOpen[service.lifecycle]);
    if (plan.state !== 'active') throw conflict(`The plan ${plan.name} is ${plan.state}: it takes no new subscriptions.`);
    const id = newId('subscription');
    const state = plan.approval === 'auto' ? 'approved' : 'pending';
    await ctx.commitChange(
      actor.id,
      { action: 'subscription.request', targetType: 'subscription', targetId: id, teamId: owner.teamId, summary: { appId: owner.id, serviceId: service.id, planId: plan.id, state }, after: { planId: plan.id, state, note } },
      async (tx) => {
        const live = await first(
          tx
            .select({ state: subscriptions.state })
            .from(subscriptions)
            .where(and(eq(subscriptions.appId, owner.id), eq(subscriptions.serviceId, service.id), inArray(subscriptions.state, liveStates)))
            .limit(1),
        );
        if (live) throw conflict(`The app already has a subscription to this service that is ${live.state}.`);
        const now = Date.now();
        await tx.insert(subscriptions)
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
          });
      },
    );
    return c.json({ subscription: await details(id) }, 201);
  });

  app.get('/apps/:appId/subscriptions', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const owner = requireOwned(actor, await findApp(ctx.db, c.req.param('appId')), 'member', 'App');
    return c.json({ subscriptions: await subscriptionDetails(ctx.db, eq(subscriptions.appId, owner.id)) });
  });

  /** The approval queue: subscriptions to services the caller may decide on (team admin or owner). */
  app.get('/subscriptions', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { state, serviceId, planId, appTeamId, q, since, limit, cursor } = readQuery(c, queueQuerySchema);
    const deciding = teamsWithRole(actor, 'admin');
    if (deciding !== null && deciding.length === 0) return c.json(queuePageView([], limit));
    const text = q && `%${q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const like = (column: SQLiteColumn) => sql`lower(${column}) like ${text} escape '\\'`;
    // Filters only narrow the rows the caller may decide on; none of them can widen that set.
    const where = and(
      deciding === null ? undefined : inArray(services.teamId, deciding),
      state ? eq(subscriptions.state, state) : undefined,
      serviceId ? eq(subscriptions.serviceId, serviceId) : undefined,
      planId ? eq(subscriptions.planId, planId) : undefined,
      appTeamId ? eq(apps.teamId, appTeamId) : undefined,
      since === undefined ? undefined : gte(subscriptions.createdAt, since),
      text ? or(like(apps.name), like(teams.name), like(services.name), like(subscriptions.requestNote)) : undefined,
      cursor ? afterCursor(cursor) : undefined,
    );
    // One row more than asked says whether another page exists, without a count query over the whole queue.
    return c.json(queuePageView(await subscriptionDetails(ctx.db, where, limit + 1), limit));
  });

  return app;
}
