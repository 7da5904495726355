import { Hono } from 'hono';
import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { auditEvents, users } from '@tollgate/db';
import type { PortalContext, PortalEnv } from '../context';
import { requirePlatformAdmin, requireSignedIn, requireTeamRole } from '../access/policy';
import { loadTeam } from '../access/load';
import { idSchema } from '../http/ids';
import { readQuery } from '../http/validate';

const auditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Epoch milliseconds: events strictly older than this, for paging back. */
  before: z.coerce.number().int().nonnegative().optional(),
  /** Epoch milliseconds: events at or after this. */
  since: z.coerce.number().int().nonnegative().optional(),
  /** An exact action (`plan.close`) or a family ending in a dot (`subscription.`). */
  action: z.string().regex(/^[a-z_]+(\.[a-z_]*)?$/, 'an action such as plan.close, or a family such as subscription.').optional(),
  targetType: z.string().regex(/^[a-z_]+$/, 'a target type such as subscription').optional(),
  targetId: z.string().min(1).max(100).optional(),
  actorUserId: idSchema('user').optional(),
  /**
   * The previous page's `nextCursor` (its last event's id): the events after it in the log's order. Unlike
   * `before`, it splits a millisecond in which many changes landed (a bulk decision) without skipping any.
   */
  cursor: idSchema('auditEvent').optional(),
});

/** Admins may also pick one team, or events that belong to no team (users, providers). */
const platformQuerySchema = auditQuerySchema.extend({ teamId: z.union([idSchema('team'), z.literal('none')]).optional() });

/** One audit event with the acting user's email (null for the system or a deleted user). */
// `seq` only orders the log (columns.ts); it is not part of an event.
export const auditEventView = ({ event: { seq: _seq, ...event }, actorEmail }: { event: typeof auditEvents.$inferSelect; actorEmail: string | null }) => ({ ...event, actorEmail });

/** A page of the log from up to `limit + 1` events: the extra one only says that a next page exists. */
export function auditPageView(rows: Array<ReturnType<typeof auditEventView>>, limit: number) {
  const events = rows.slice(0, limit);
  return { events, nextCursor: rows.length > limit ? events.at(-1)!.id : null };
}

type AuditQuery = z.infer<typeof auditQuerySchema>;

/**
 * Newest first. Ids are random, so within one millisecond the insertion order (`seq`) says which came last; the
 * id ends it, so that the order is total and a cursor never skips or repeats an event. The cursor's row
 * comparison below follows the same columns.
 */
const logOrder = [desc(auditEvents.at), desc(auditEvents.seq), desc(auditEvents.id)];

/** The filters of a query; `teamId` also confines the cursor to that team's events, so it reveals nothing of others'. */
function auditFilters(q: AuditQuery, teamId?: string): Array<SQL | undefined> {
  const cursorTeam = teamId === undefined ? sql`` : sql` and c.team_id = ${teamId}`;
  return [
    q.before === undefined ? undefined : lt(auditEvents.at, q.before),
    q.since === undefined ? undefined : gte(auditEvents.at, q.since),
    q.action === undefined ? undefined : q.action.endsWith('.') ? sql`substr(${auditEvents.action}, 1, ${q.action.length}) = ${q.action}` : eq(auditEvents.action, q.action),
    q.targetType === undefined ? undefined : eq(auditEvents.targetType, q.targetType),
    q.targetId === undefined ? undefined : eq(auditEvents.targetId, q.targetId),
    q.actorUserId === undefined ? undefined : eq(auditEvents.actorUserId, q.actorUserId),
    // The log's own order (logOrder): rows strictly after the cursor's event. An unknown id matches nothing.
    q.cursor === undefined
      ? undefined
      : sql`(${auditEvents.at}, ${auditEvents.seq}, ${auditEvents.id}) < (select c.at, c.seq, c.id from audit_events c where c.id = ${q.cursor}${cursorTeam})`,
  ];
}

/**
 * The audit log: who changed what and when, with each change's before and after. A team's admins read their
 * team's events; platform admins read everything, including changes that belong to no team.
 */
export function auditRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  const page = async (where: SQL | undefined, limit: number) => {
    const rows = await ctx.db
      .select({ event: auditEvents, actorEmail: users.email })
      .from(auditEvents)
      .leftJoin(users, eq(users.id, auditEvents.actorUserId))
      .where(where)
      .orderBy(...logOrder)
      .limit(limit + 1);
    return auditPageView(rows.map(auditEventView), limit);
  };

  app.get('/teams/:teamId/audit-events', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'admin');
    const q = readQuery(c, auditQuerySchema);
    return c.json(await page(and(eq(auditEvents.teamId, team.id), ...auditFilters(q, team.id)), q.limit));
  });

  app.get('/audit-events', async (c) => {
    requirePlatformAdmin(requireSignedIn(c.get('actor')));
    const q = readQuery(c, platformQuerySchema);
    const team = q.teamId === undefined ? undefined : q.teamId === 'none' ? sql`${auditEvents.teamId} is null` : eq(auditEvents.teamId, q.teamId);
    return c.json(await page(and(team, ...auditFilters(q)), q.limit));
  });

  return app;
}
