import { Hono } from 'hono';
import { and, desc, eq, inArray, lt, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { apps, callRecords, services } from '@tollgate/db';
import type { PortalContext, PortalEnv } from '../context';
import { readableTeams, requireSignedIn } from '../access/policy';
import { idSchema } from '../http/ids';
import { readQuery } from '../http/validate';

const listQuerySchema = z.object({
  appId: idSchema('app').optional(),
  serviceId: idSchema('service').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The `nextBefore` of the previous page: records that started strictly earlier. */
  before: z.coerce.number().int().nonnegative().optional(),
});

type CallRecordRow = typeof callRecords.$inferSelect;

export function callRecordRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  /**
   * A record is visible to the consumer (its app's team) and the publisher (its service's team). Ownership is
   * taken from today's apps and services, not from the record's own team column, so the check is the same one
   * every other route makes.
   */
  app.get('/call-records', (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { appId, serviceId, limit, before } = readQuery(c, listQuerySchema);
    const mine = readableTeams(actor);
    if (mine !== null && mine.length === 0) return c.json({ records: [], nextBefore: null });
    const visible: SQL | undefined =
      mine === null
        ? undefined
        : or(
            inArray(callRecords.appId, ctx.db.select({ id: apps.id }).from(apps).where(inArray(apps.teamId, mine))),
            inArray(callRecords.serviceId, ctx.db.select({ id: services.id }).from(services).where(inArray(services.teamId, mine))),
          );
    const filters = and(visible, appId ? eq(callRecords.appId, appId) : undefined, serviceId ? eq(callRecords.serviceId, serviceId) : undefined);
    const page = (startedBefore: number | undefined, max: number | undefined) => {
      const query = ctx.db
        .select()
        .from(callRecords)
        .where(and(filters, startedBefore === undefined ? undefined : lt(callRecords.startedAt, startedBefore)))
        .orderBy(desc(callRecords.startedAt), desc(callRecords.id));
      return max === undefined ? query.all() : query.limit(max).all();
    };
    const rows = page(before, limit + 1);
    if (rows.length <= limit) return c.json({ records: rows, nextBefore: null });
    const records = wholeMilliseconds(rows, limit, (ms) => ctx.db.select().from(callRecords).where(and(filters, eq(callRecords.startedAt, ms))).orderBy(desc(callRecords.id)).all());
    return c.json({ records, nextBefore: records[records.length - 1]!.startedAt });
  });

  return app;
}

/**
 * The cursor is a start time, so a page must never end in the middle of a millisecond: the rest of that
 * millisecond would be skipped by `before`. Given `limit + 1` rows, drops the trailing millisecond when the
 * page would split it; when the whole page is one millisecond, returns all of that millisecond instead.
 */
export function wholeMilliseconds(
  rows: CallRecordRow[],
  limit: number,
  allAt: (startedAt: number) => CallRecordRow[],
): CallRecordRow[] {
  const edge = rows[limit - 1]!.startedAt;
  const pageRows = rows.slice(0, limit);
  if (rows[limit]!.startedAt !== edge) return pageRows;
  const trimmed = pageRows.filter((r) => r.startedAt !== edge);
  return trimmed.length ? trimmed : allAt(edge);
}
