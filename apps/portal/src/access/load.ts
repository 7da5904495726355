import { eq } from 'drizzle-orm';
import { apps, first, plans, providers, services, subscriptions, teams, type Db } from '@tollgate/db';
import { isId } from '@tollgate/domain';
import type { Reader } from '../changes/tx';
import { notFound } from '../http/errors';

/**
 * Loads a row named by a path parameter. A malformed id and a missing row both end as the same 404, so a
 * typo never reaches the database as a query error and probing ids learns nothing.
 */
export async function loadTeam(db: Db, id: string) {
  const row = isId('team', id) ? await first(db.select().from(teams).where(eq(teams.id, id))) : undefined;
  if (!row) throw notFound('Team');
  return row;
}

export type TeamRow = Awaited<ReturnType<typeof loadTeam>>;

/** Returns undefined rather than throwing: whether the caller may even learn it is missing is policy's call. */
export const findService = async (db: Reader, id: string) =>
  isId('service', id) ? first(db.select().from(services).where(eq(services.id, id))) : undefined;

export type ServiceRow = NonNullable<Awaited<ReturnType<typeof findService>>>;

export const findApp = async (db: Db, id: string) =>
  isId('app', id) ? first(db.select().from(apps).where(eq(apps.id, id))) : undefined;

export type AppRow = NonNullable<Awaited<ReturnType<typeof findApp>>>;

/** A plan with its service's owning team, so the caller can run the policy on the team. */
export async function findPlan(db: Db, id: string) {
  if (!isId('plan', id)) return undefined;
  const row = await first(db.select().from(plans).innerJoin(services, eq(services.id, plans.serviceId)).where(eq(plans.id, id)));
  return row ? { plan: row.plans, service: row.services } : undefined;
}

export type PlanRow = NonNullable<Awaited<ReturnType<typeof findPlan>>>['plan'];

/** A subscription with both teams it joins: the app's (consumer) and the service's (publisher). */
export async function findSubscription(db: Db, id: string) {
  if (!isId('subscription', id)) return undefined;
  const row = await first(
    db
      .select()
      .from(subscriptions)
      .innerJoin(apps, eq(apps.id, subscriptions.appId))
      .innerJoin(services, eq(services.id, subscriptions.serviceId))
      .where(eq(subscriptions.id, id)),
  );
  return row ? { subscription: row.subscriptions, app: row.apps, service: row.services } : undefined;
}

export async function loadProvider(db: Db, id: string) {
  const row = isId('provider', id) ? await first(db.select().from(providers).where(eq(providers.id, id))) : undefined;
  if (!row) throw notFound('Provider');
  return row;
}

export type ProviderRow = Awaited<ReturnType<typeof loadProvider>>;
