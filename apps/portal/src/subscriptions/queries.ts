import { desc, eq, type SQL } from 'drizzle-orm';
import { apps, plans, services, subscriptions, teams } from '@tollgate/db';
import type { Reader } from '../changes/tx';
import { actionsFrom } from './state-machine';

/**
 * Subscriptions with what a person needs to decide on or follow one: the app and its team, the service and
 * the plan. Newest first.
 */
export async function subscriptionDetails(db: Reader, where: SQL | undefined, limit = 500) {
  const rows = await db
    // The app's team joins without an alias (only one team is joined): drizzle's pg dialect renders a SQLite
    // alias as the bare alias name (ADR 0040).
    .select({ s: subscriptions, app: apps, appTeam: teams, service: services, plan: plans })
    .from(subscriptions)
    .innerJoin(apps, eq(apps.id, subscriptions.appId))
    .innerJoin(teams, eq(teams.id, apps.teamId))
    .innerJoin(services, eq(services.id, subscriptions.serviceId))
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(where)
    .orderBy(desc(subscriptions.createdAt), desc(subscriptions.id))
    .limit(limit);
  return rows.map(({ s, app, appTeam, service, plan }) => ({
      id: s.id,
      state: s.state,
      note: s.requestNote,
      decisionReason: s.decisionReason,
      requestedBy: s.requestedBy,
      decidedBy: s.decidedBy,
      decidedAt: s.decidedAt,
      replacesId: s.replacesId,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      actions: actionsFrom(s.state),
      app: { id: app.id, name: app.name, teamId: app.teamId, teamName: appTeam.name },
      service: { id: service.id, name: service.name, slug: service.slug, teamId: service.teamId, lifecycle: service.lifecycle },
      plan: { id: plan.id, name: plan.name, approval: plan.approval, state: plan.state },
    }));
}

export type SubscriptionDetails = Awaited<ReturnType<typeof subscriptionDetails>>[number];
