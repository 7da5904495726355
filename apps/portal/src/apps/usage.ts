import { Hono } from 'hono';
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { callRecords, first, type Db } from '@tollgate/db';
import type { PortalContext, PortalEnv } from '../context';
import { requireOwned, requireSignedIn } from '../access/policy';
import { findApp } from '../access/load';
import { instantSchema, readQuery } from '../http/validate';

const usageQuerySchema = z
  .object({ from: instantSchema.optional(), to: instantSchema.optional() })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

// SUM over no rows is NULL; totals are always numbers.
const total = (column: SQLiteColumn) => sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number);

/** An app's totals over `[from, to)`; a call counts as an error when it failed, whatever its status line said. */
async function appUsageTotals(db: Db, appId: string, from: number | undefined, to: number | undefined) {
  const totals = await first(
    db
      .select({
        requests: sql<number>`count(*)`.mapWith(Number),
        errors: sql<number>`coalesce(sum(case when ${callRecords.failed} or ${callRecords.status} >= 400 then 1 else 0 end), 0)`.mapWith(Number),
        inputTokens: total(callRecords.inputTokens),
        cacheReadTokens: total(callRecords.cacheReadTokens),
        cacheWriteTokens: total(callRecords.cacheWriteTokens),
        outputTokens: total(callRecords.outputTokens),
        reasoningTokens: total(callRecords.reasoningTokens),
        costMicroUsd: total(callRecords.costMicroUsd),
      })
      .from(callRecords)
      .where(
        and(
          eq(callRecords.appId, appId),
          from === undefined ? undefined : gte(callRecords.startedAt, from),
          to === undefined ? undefined : lt(callRecords.startedAt, to),
        ),
      ),
  );
  // An aggregate without GROUP BY always returns one row.
  return totals!;
}

/** The usage answer (`null` ends: unbounded); a named view so the web app's type follows it. */
export const usageView = (appId: string, from: number | undefined, to: number | undefined, totals: Awaited<ReturnType<typeof appUsageTotals>>) => ({
  appId,
  from: from ?? null,
  to: to ?? null,
  totals,
});

export function usageRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.get('/apps/:appId/usage', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const owner = requireOwned(actor, await findApp(ctx.db, c.req.param('appId')), 'member', 'App');
    const { from, to } = readQuery(c, usageQuerySchema);
    return c.json(usageView(owner.id, from, to, await appUsageTotals(ctx.db, owner.id, from, to)));
  });

  return app;
}
