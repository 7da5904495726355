import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { Agent, request } from 'undici';
import type { Logger } from 'pino';
import { changedRows, first, transact, webhookDeliveries, webhooks, type Db } from '@tollgate/db';
import { isId, type DeliveryId } from '@tollgate/domain';
import type { SecretBox } from '../secrets/secret-box';
import type { WebhookDeliverySettings } from './settings';
import { signWebhook } from './signature';

export const deliverJob = 'deliver';
export interface DeliverJobData extends Record<string, unknown> {
  deliveryId: DeliveryId;
}

/** Thrown to make the queue retry; the row already says what went wrong. */
class DeliveryAttemptFailed extends Error {}

/**
 * One attempt at one delivery. The row in `webhook_deliveries` is the truth: the job carries only its id, the
 * attempt count is the row's (so a restart continues the budget rather than restarting it), and the last
 * attempt marks the row `failed` instead of throwing.
 */
export function createWebhookDeliverer(deps: { db: Db; secrets: SecretBox; settings: WebhookDeliverySettings; logger: Logger }) {
  const { db, settings } = deps;
  // Redirects are not followed (undici's request never does): a signed body must not be replayed elsewhere.
  const agent = new Agent({ connect: { timeout: settings.timeoutMs }, headersTimeout: settings.timeoutMs, bodyTimeout: settings.timeoutMs });

  /** Writes an attempt's outcome and lets go of its lease. */
  async function record(id: DeliveryId, values: Partial<typeof webhookDeliveries.$inferInsert>): Promise<void> {
    await transact(db, (tx) => tx.update(webhookDeliveries).set({ ...values, leasedUntil: null }).where(eq(webhookDeliveries.id, id)));
  }

  /**
   * Takes the next attempt of a pending delivery for this sender, or finds another sender (a second portal's job,
   * a sweep at its start) holding it: one conditional update, so two senders never both post one attempt. The
   * lease outlasts an attempt (the request's timeout, twice) and frees itself when its sender dies.
   */
  async function claim(id: DeliveryId): Promise<boolean> {
    const now = Date.now();
    const free = or(isNull(webhookDeliveries.leasedUntil), lt(webhookDeliveries.leasedUntil, now));
    const claimed = await transact(db, (tx) =>
      tx
        .update(webhookDeliveries)
        .set({ leasedUntil: now + 2 * settings.timeoutMs })
        .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.state, 'pending'), free)),
    );
    return changedRows(claimed) === 1;
  }

  async function post(url: string, secret: string, event: string, id: DeliveryId, body: string) {
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await request(url, {
      method: 'POST',
      dispatcher: agent,
      signal: AbortSignal.timeout(settings.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tollgate-Webhooks/1',
        'x-tollgate-event': event,
        'x-tollgate-delivery': id,
        'x-tollgate-timestamp': String(timestamp),
        'x-tollgate-signature': signWebhook(secret, timestamp, body),
      },
      body,
    });
    // The receiver's body is never stored or shown: a webhook must not become a way to read internal pages.
    await res.body.dump();
    return res.statusCode;
  }

  async function deliver(data: DeliverJobData): Promise<void> {
    const id = data.deliveryId;
    if (typeof id !== 'string' || !isId('delivery', id)) return;
    const row = await first(
      db
        .select({ delivery: webhookDeliveries, webhook: webhooks })
        .from(webhookDeliveries)
        .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
        .where(eq(webhookDeliveries.id, id)),
    );
    // Gone (the webhook was deleted) or already finished (a duplicate job after a restart): nothing to do.
    if (!row || row.delivery.state !== 'pending') return;
    // Being sent by another job or portal right now: its outcome is that attempt's.
    if (!(await claim(id))) return;
    const attempts = row.delivery.attempts + 1;
    if (!row.webhook.active) {
      await record(id, { state: 'failed', lastError: 'the webhook was deactivated before delivery' });
      return;
    }
    let status: number | null = null;
    let error: string | null = null;
    try {
      status = await post(row.webhook.url, deps.secrets.open(row.webhook.secret), row.delivery.event, id, row.delivery.payload);
      if (status < 200 || status >= 300) error = `the receiver answered ${status}`;
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 500) : 'request failed';
    }
    if (error === null) {
      await record(id, { state: 'delivered', attempts, lastStatus: status, lastError: null, deliveredAt: Date.now() });
      return;
    }
    const last = attempts >= settings.attempts;
    await record(id, { state: last ? 'failed' : 'pending', attempts, lastStatus: status, lastError: error });
    if (last) {
      deps.logger.warn({ deliveryId: id, webhookId: row.webhook.id, attempts, error }, 'webhook delivery failed after its last attempt');
      return;
    }
    throw new DeliveryAttemptFailed(error);
  }

  return { deliver, close: () => agent.close() };
}

export type WebhookDeliverer = ReturnType<typeof createWebhookDeliverer>;
