import { Hono } from 'hono';
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { callRecords } from '@tollgate/db';
import type { PortalContext, PortalEnv } from '../context';
import { requireOwned, requireSignedIn } from '../access/policy';
import { findApp } from '../access/load';
import { instantSchema, readQuery } from '../http/validate';

const usageQuerySchema = z
  .object({ from: instantSchema.optional(), to: instantSchema.optional() })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

// SUM over no rows is NULL; totals are always numbers.
const total = (column: SQLiteColumn) => sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number);

export function usageRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  /** Totals over `[from, to)`; a call counts as an error when it failed, whatever its status line said. */
  app.get('/apps/:appId/usage', (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const owner = requireOwned(actor, findApp(ctx.db, c.req.param('appId')), 'member', 'App');
    const { from, to } = readQuery(c, usageQuerySchema);
    const totals = ctx.db
      .select({
        requests: sql<number>`count(*)`.mapWith(Number),
        errors: sql<number>`coalesce(sum(case when ${callRecords.failed} = 1 or ${callRecords.status} >= 400 then 1 else 0 end), 0)`.mapWith(Number),
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
          eq(callRecords.appId, owner.id),
          from === undefined ? undefined : gte(callRecords.startedAt, from),
          to === undefined ? undefined : lt(callRecords.startedAt, to),
        ),
      )
      .get()!;
    return c.json({ appId: owner.id, from: from ?? null, to: to ?? null, totals });
  });

  return app;
}
