import { Hono } from 'hono';
import { and, count, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { changedRows, first, notifications, transact } from '@tollgate/db';
import { isId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { requireSignedIn } from '../access/policy';
import { notFound } from '../http/errors';
import { readNoBody, readQuery } from '../http/validate';

const listQuerySchema = z.object({
  unread: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

type NotificationRow = typeof notifications.$inferSelect;

export const notificationView = (n: NotificationRow) => ({
  id: n.id,
  event: n.event,
  title: n.title,
  teamId: n.teamId,
  data: n.data,
  readAt: n.readAt,
  createdAt: n.createdAt,
});

/** A page of the inbox and the unread count across all of it (the bell's number). */
export const notificationListView = (rows: NotificationRow[], unread: number) => ({ notifications: rows.map(notificationView), unread });

/**
 * The signed-in person's own notification list. Every query is scoped to the caller's user id, platform admins
 * included: a notification is addressed to one person, not to a team.
 */
export function notificationRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.get('/notifications', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { unread, limit } = readQuery(c, listQuerySchema);
    const mine = eq(notifications.userId, actor.id);
    const rows = await ctx.db
      .select()
      .from(notifications)
      .where(unread === 'true' ? and(mine, isNull(notifications.readAt)) : mine)
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(limit);
    const unreadCount = (await first(ctx.db.select({ n: count() }).from(notifications).where(and(mine, isNull(notifications.readAt)))))!.n;
    return c.json(notificationListView(rows, unreadCount));
  });

  // Reading is not a config change: a plain update, no audit event.
  app.post('/notifications/read-all', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    await readNoBody(c);
    const result = await transact(ctx.db, (tx) =>
      tx
        .update(notifications)
        .set({ readAt: Date.now() })
        .where(and(eq(notifications.userId, actor.id), isNull(notifications.readAt))),
    );
    return c.json({ marked: changedRows(result) });
  });

  app.post('/notifications/:notificationId/read', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const id = c.req.param('notificationId');
    // Someone else's notification is indistinguishable from a missing one.
    const row = isId('notification', id)
      ? await first(ctx.db.select().from(notifications).where(and(eq(notifications.id, id), eq(notifications.userId, actor.id))))
      : undefined;
    if (!row) throw notFound('Notification');
    await readNoBody(c);
    const readAt = row.readAt ?? Date.now();
    if (!row.readAt) await transact(ctx.db, (tx) => tx.update(notifications).set({ readAt }).where(eq(notifications.id, row.id)));
    return c.json({ notification: notificationView({ ...row, readAt }) });
  });

  return app;
}
