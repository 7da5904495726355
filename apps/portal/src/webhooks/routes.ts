import { Hono } from 'hono';
import { asc, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { first, webhookDeliveries, webhooks } from '@tollgate/db';
import { isId, newId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { notFound } from '../http/errors';
import { requireOwned, requireSignedIn, requireTeamRole } from '../access/policy';
import { loadTeam } from '../access/load';
import { readJson, readNoBody, readQuery } from '../http/validate';
import { notificationEvents } from '../notifications/events';
import { newWebhookSecret } from './signature';
import { auditableUrl, webhookUrlSchema } from './url';

const eventsSchema = z
  .array(z.enum(notificationEvents))
  .max(notificationEvents.length)
  .refine((list) => new Set(list).size === list.length, 'list each event once');
export const createWebhookSchema = z.strictObject({ url: webhookUrlSchema, events: eventsSchema.default([]) });
export const updateWebhookSchema = z
  .strictObject({ url: webhookUrlSchema, events: eventsSchema, active: z.boolean() })
  .partial()
  .refine((o) => Object.keys(o).length > 0, 'send at least one field to change');
const deliveriesQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

type WebhookRow = typeof webhooks.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** Never the secret, sealed or not: it is shown once, at creation. */
export const webhookView = (w: WebhookRow) => ({
  id: w.id,
  teamId: w.teamId,
  url: w.url,
  events: w.events,
  active: w.active,
  createdBy: w.createdBy,
  createdAt: w.createdAt,
});

export const deliveryView = (d: DeliveryRow) => ({
  id: d.id,
  webhookId: d.webhookId,
  event: d.event,
  state: d.state,
  attempts: d.attempts,
  lastStatus: d.lastStatus,
  lastError: d.lastError,
  deliveredAt: d.deliveredAt,
  createdAt: d.createdAt,
  payload: JSON.parse(d.payload) as unknown,
});

/** The creation answer: the only time the secret is ever shown. */
export const createdWebhookView = (w: WebhookRow, secret: string) => ({ webhook: webhookView(w), secret });

/** What the audit log keeps of a webhook: never the secret, and only the URL's origin. */
const auditView = (w: Pick<WebhookRow, 'url' | 'events' | 'active'>) => ({ url: auditableUrl(w.url), events: w.events, active: w.active });

/** Team webhooks: a team admin manages them, since they send the team's subscription business elsewhere. */
export function webhookRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  const findWebhook = async (id: string) => (isId('webhook', id) ? first(ctx.db.select().from(webhooks).where(eq(webhooks.id, id))) : undefined);

  app.post('/teams/:teamId/webhooks', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'admin');
    const input = await readJson(c, createWebhookSchema);
    const id = newId('webhook');
    const secret = newWebhookSecret();
    const row = await ctx.commitChange(
      actor.id,
      {
        action: 'webhook.create',
        targetType: 'webhook',
        targetId: id,
        teamId: team.id,
        summary: { url: auditableUrl(input.url) },
        after: auditView({ ...input, active: true }),
        affectsGateway: false,
      },
      async (tx) =>
        (
          await tx
            .insert(webhooks)
            .values({ id, teamId: team.id, url: input.url, events: input.events, secret: ctx.secrets.seal(secret), active: true, createdBy: actor.id })
            .returning()
        )[0],
    );
    return c.json(createdWebhookView(row, secret), 201);
  });

  app.get('/teams/:teamId/webhooks', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'admin');
    const rows = await ctx.db.select().from(webhooks).where(eq(webhooks.teamId, team.id)).orderBy(asc(webhooks.createdAt), asc(webhooks.seq), asc(webhooks.id));
    return c.json({ webhooks: rows.map(webhookView) });
  });

  app.patch('/webhooks/:webhookId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const current = requireOwned(actor, await findWebhook(c.req.param('webhookId')), 'admin', 'Webhook');
    const changes = await readJson(c, updateWebhookSchema);
    const next = { ...current, ...changes };
    const row = await ctx.commitChange(
      actor.id,
      {
        action: 'webhook.update',
        targetType: 'webhook',
        targetId: current.id,
        teamId: current.teamId,
        summary: { fields: Object.keys(changes) },
        before: auditView(current),
        after: auditView(next),
        affectsGateway: false,
      },
      async (tx) => {
        const updated = (await tx.update(webhooks).set(changes).where(eq(webhooks.id, current.id)).returning())[0];
        // Deleted by someone else while this request's body was read: nothing to update, nothing to audit.
        if (!updated) throw notFound('Webhook');
        return updated;
      },
    );
    return c.json({ webhook: webhookView(row) });
  });

  app.delete('/webhooks/:webhookId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const current = requireOwned(actor, await findWebhook(c.req.param('webhookId')), 'admin', 'Webhook');
    await readNoBody(c);
    // Its deliveries go with it (ON DELETE CASCADE); a queued attempt then finds no row and does nothing.
    await ctx.commitChange(
      actor.id,
      {
        action: 'webhook.delete',
        targetType: 'webhook',
        targetId: current.id,
        teamId: current.teamId,
        summary: { url: auditableUrl(current.url) },
        before: auditView(current),
        affectsGateway: false,
      },
      async (tx) => {
        await tx.delete(webhooks).where(eq(webhooks.id, current.id));
      },
    );
    return c.body(null, 204);
  });

  app.get('/webhooks/:webhookId/deliveries', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const hook = requireOwned(actor, await findWebhook(c.req.param('webhookId')), 'admin', 'Webhook');
    const { limit } = readQuery(c, deliveriesQuerySchema);
    const rows = await ctx.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, hook.id))
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
      .limit(limit);
    return c.json({ deliveries: rows.map(deliveryView) });
  });

  return app;
}
