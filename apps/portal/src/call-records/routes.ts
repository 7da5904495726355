import { Hono } from 'hono';
import { and, eq } from 'drizzle-orm';
import { callRecords, first } from '@tollgate/db';
import type { PortalContext, PortalEnv } from '../context';
import { requireSignedIn } from '../access/policy';
import { notFound } from '../http/errors';
import { exportContentTypes, exportStream } from './export';
import { encodeCursor, exportParams, exportQuerySchema, filterConditions, listParams, listQuerySchema } from './query';
import { readKnownQuery } from '../http/validate';
import { callRecordPageView, callRecordView, readBodies, readRecords, visibilityOf, visibleCondition } from './read';

/**
 * The log explorer: call records filtered, paged newest first with an opaque keyset cursor, exported as CSV
 * or NDJSON, and one record with its captured bodies. Every query is the visibility rule (`visibilityOf`) ANDed
 * with the filters, so a filter can only narrow what the caller sees.
 */
export function callRecordRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.get('/call-records', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { limit, cursor, ...filters } = readKnownQuery(c, listQuerySchema, listParams);
    // One more than asked: whether it exists says if there is a next page, without a count query.
    const rows = await readRecords(ctx.db, await visibilityOf(ctx.db, actor), filterConditions(filters), cursor, limit + 1);
    const records = rows.slice(0, limit);
    return c.json(callRecordPageView(records, rows.length > limit ? encodeCursor(records[records.length - 1]!) : null));
  });

  // Before `/call-records/:callRecordId`, which would otherwise take "export" for an id.
  app.get('/call-records/export', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { format, includeBodies, ...filters } = readKnownQuery(c, exportQuerySchema, exportParams);
    const visibility = await visibilityOf(ctx.db, actor);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return c.body(exportStream({ db: ctx.db, visibility, filters: filterConditions(filters), format, includeBodies, logger: c.get('logger') ?? ctx.logger }), 200, {
      'content-type': exportContentTypes[format],
      'content-disposition': `attachment; filename="call-records-${stamp}.${format}"`,
      'cache-control': 'no-store',
    });
  });

  app.get('/call-records/:callRecordId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const visibility = await visibilityOf(ctx.db, actor);
    const id = c.req.param('callRecordId');
    const record =
      visibility.kind === 'none' ? undefined : await first(ctx.db.select().from(callRecords).where(and(visibleCondition(visibility), eq(callRecords.id, id))));
    // Someone else's record is as missing as one that never existed.
    if (!record) throw notFound('Call record');
    return c.json({ record: callRecordView(record, (await readBodies(ctx.db, [record.id])).get(record.id)) });
  });

  return app;
}
