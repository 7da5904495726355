import { and, desc, eq, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { callBodies, callRecords, selectRaw, type Db } from '@tollgate/db';
import type { Actor } from '../auth/sessions';
import { inTrafficScope, trafficScope } from '../access/traffic';
import type { Cursor } from './query';

export type CallRecordRow = typeof callRecords.$inferSelect;
export type CallBodiesRow = typeof callBodies.$inferSelect;

/**
 * Which records a caller may see: the traffic scope (`access/traffic.ts`) as query conditions. `some` holds one condition per visible app and
 * service, each an index range (`app_id`, `started_at`), so a page is read without sorting every visible row.
 */
export type Visibility = { kind: 'all' } | { kind: 'none' } | { kind: 'some'; branches: SQL[]; condition: SQL };

export async function visibilityOf(db: Db, actor: Actor): Promise<Visibility> {
  const scope = await trafficScope(db, actor);
  if (scope.all) return { kind: 'all' };
  const branches = [...scope.appIds.map((id) => eq(callRecords.appId, id)), ...scope.serviceIds.map((id) => eq(callRecords.serviceId, id))];
  if (!branches.length) return { kind: 'none' };
  return { kind: 'some', branches, condition: inTrafficScope(scope, callRecords.appId, callRecords.serviceId)! };
}

/** The visibility rule as one condition (for reading a record by id). */
export const visibleCondition = (v: Visibility): SQL | undefined => (v.kind === 'some' ? v.condition : undefined);

/** Records strictly after `cursor` in newest-first order; spelt so SQLite can range-scan a started_at index. */
const afterCursor = (cursor: Cursor | undefined): SQL | undefined =>
  cursor
    ? and(lte(callRecords.startedAt, cursor.startedAt), or(lt(callRecords.startedAt, cursor.startedAt), lt(callRecords.id, cursor.id)))
    : undefined;

const newestFirst = [desc(callRecords.startedAt), desc(callRecords.id)] as const;

/**
 * Beyond this many visible apps and services, one OR query instead of a union (SQLite caps compound selects
 * at 500 terms); it is correct too, only it sorts every visible row for each page.
 */
const maxBranches = 100;

/**
 * One page of records, newest first: the visibility rule ANDed with `filters`, after `cursor`. Each read is
 * one or two short queries, so an export can read page after page between other requests.
 * For a caller who sees some apps and services, each one's newest `limit` ids come from its own index range
 * and are merged (a union also drops a record seen both as consumer and as publisher); the rows are then
 * read by primary key.
 */
export async function readRecords(db: Db, visibility: Visibility, filters: SQL[], cursor: Cursor | undefined, limit: number): Promise<CallRecordRow[]> {
  if (visibility.kind === 'none') return [];
  const narrowed = [...filters, afterCursor(cursor)];
  if (visibility.kind === 'all' || visibility.branches.length > maxBranches) {
    return db
      .select()
      .from(callRecords)
      .where(and(visibleCondition(visibility), ...narrowed))
      .orderBy(...newestFirst)
      .limit(limit);
  }
  const branches = visibility.branches.map(
    (branch) =>
      // Named: PostgreSQL (before 16) refuses a subquery in FROM without an alias; SQLite takes one as well.
      sql`select * from (select ${callRecords.id} as id, ${callRecords.startedAt} as started_at from ${callRecords} where ${and(branch, ...narrowed)} order by ${callRecords.startedAt} desc, ${callRecords.id} desc limit ${limit}) as branch`,
  );
  const page = await selectRaw<{ id: string }>(db, sql`${sql.join(branches, sql` union `)} order by started_at desc, id desc limit ${limit}`);
  if (!page.length) return [];
  return db
    .select()
    .from(callRecords)
    .where(inArray(callRecords.id, page.map((r) => r.id)))
    .orderBy(...newestFirst);
}

/** The captured bodies of some records, by record id. */
export async function readBodies(db: Db, ids: string[]): Promise<Map<string, CallBodiesRow>> {
  if (!ids.length) return new Map();
  return new Map((await db.select().from(callBodies).where(inArray(callBodies.callRecordId, ids))).map((b) => [b.callRecordId, b]));
}

/** Captured bodies as the API shows them (the shape of `CallRecord.bodies`). */
export const bodiesView = (b: CallBodiesRow | null | undefined) =>
  b ? { request: b.requestBody, response: b.responseBody, requestTruncated: b.requestTruncated, responseTruncated: b.responseTruncated } : null;

/** One record as the explorer opens it: every field, and its captured bodies (null when none were kept). */
export const callRecordView = (record: CallRecordRow, bodies: CallBodiesRow | undefined) => ({ ...record, bodies: bodiesView(bodies) });

/** A page of the explorer, newest first; `nextCursor` is null on the last page. */
export const callRecordPageView = (records: CallRecordRow[], nextCursor: string | null) => ({ records, nextCursor });
