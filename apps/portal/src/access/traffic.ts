import { inArray, or, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { apps, services, type Db } from '@tollgate/db';
import type { AppId, ServiceId } from '@tollgate/domain';
import type { Actor } from '../auth/sessions';
import { readableTeams } from './policy';

/**
 * Whose traffic a caller sees, for call records and their rollups alike: a call is the consumer's when its
 * app belongs to one of their teams and the publisher's when its service does, ownership taken from today's
 * apps and services; a platform admin sees all. One rule, so the log explorer and analytics cannot drift.
 */
export type TrafficScope = { all: true } | { all: false; appIds: AppId[]; serviceIds: ServiceId[] };

export async function trafficScope(db: Db, actor: Actor): Promise<TrafficScope> {
  const mine = readableTeams(actor);
  if (mine === null) return { all: true };
  if (!mine.length) return { all: false, appIds: [], serviceIds: [] };
  return {
    all: false,
    appIds: (await db.select({ id: apps.id }).from(apps).where(inArray(apps.teamId, mine))).map((a) => a.id),
    serviceIds: (await db.select({ id: services.id }).from(services).where(inArray(services.teamId, mine))).map((s) => s.id),
  };
}

/**
 * The scope as one condition on a table's app and service columns (undefined: everything). Two IN lists rather
 * than an OR per id: SQLite refuses an expression over 1,000 deep, which a large team's OR would be.
 */
export function inTrafficScope(scope: TrafficScope, appId: SQLiteColumn, serviceId: SQLiteColumn): SQL | undefined {
  if (scope.all) return undefined;
  if (!scope.appIds.length && !scope.serviceIds.length) return sql`1 = 0`;
  return or(scope.appIds.length ? inArray(appId, scope.appIds) : undefined, scope.serviceIds.length ? inArray(serviceId, scope.serviceIds) : undefined);
}
