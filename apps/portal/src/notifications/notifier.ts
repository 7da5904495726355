import { asc, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { webhookDeliveries, type Db } from '@tollgate/db';
import type { DeliveryId } from '@tollgate/domain';
import type { JobQueue } from '@tollgate/jobs';
import type { ChangeListener } from '../changes/commit-change';
import type { SecretBox } from '../secrets/secret-box';
import { createWebhookDeliverer, deliverJob, type DeliverJobData } from '../webhooks/deliver';
import type { WebhookDeliverySettings } from '../webhooks/settings';
import { notifiedActions } from './events';
import { fanOut } from './fan-out';

export const notifyJob = 'notify';
interface NotifyJobData extends Record<string, unknown> {
  auditEventId: string;
}

export interface NotifierDeps {
  db: Db;
  secrets: SecretBox;
  queue: JobQueue;
  logger: Logger;
  delivery: WebhookDeliverySettings;
}

/**
 * Subscription changes → `notify` jobs → notification rows and `deliver` jobs. Jobs carry ids, never
 * payloads: the database holds the facts, so a job that runs late, twice, or after a restart reads the same
 * truth, and Redis never holds a webhook body or secret.
 */
export function createNotifier(deps: NotifierDeps) {
  const { db, queue, logger, delivery } = deps;
  const deliverer = createWebhookDeliverer({ db, secrets: deps.secrets, settings: delivery, logger });
  const retry = { attempts: delivery.attempts, backoffMs: delivery.backoffMs };

  /** The delivery id is the jobId: adding it again while it waits (a restart's re-enqueue) is a no-op. */
  const enqueueDelivery = (deliveryId: DeliveryId) =>
    queue.add(deliverJob, { deliveryId } satisfies DeliverJobData, { ...retry, jobId: deliveryId });

  async function enqueueAll(ids: DeliveryId[]): Promise<void> {
    for (const id of ids) {
      // The row stays pending when this fails, and the next start picks it up: a delivery is never lost.
      await enqueueDelivery(id).catch((err) => logger.error({ err, deliveryId: id }, 'could not enqueue a webhook delivery'));
    }
  }

  /** Runs inside the HTTP request that committed the change: only enqueues, and never throws. */
  const listener: ChangeListener = (change) => {
    if (!notifiedActions.has(change.action)) return;
    try {
      queue
        .add(notifyJob, { auditEventId: change.auditEventId } satisfies NotifyJobData, { ...retry, jobId: change.auditEventId })
        .catch((err) => logger.error({ err, auditEventId: change.auditEventId }, 'could not enqueue a notification'));
    } catch (err) {
      logger.error({ err, auditEventId: change.auditEventId }, 'could not enqueue a notification');
    }
  };

  /** Registers the handlers, then re-enqueues every delivery still pending (timers of a stopped runner are gone). */
  async function start(): Promise<void> {
    queue.process<NotifyJobData>(notifyJob, async ({ auditEventId }) => enqueueAll(fanOut(db, auditEventId)));
    queue.process<DeliverJobData>(deliverJob, (data) => deliverer.deliver(data));
    const pending = db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.state, 'pending'))
      .orderBy(asc(webhookDeliveries.createdAt))
      .all();
    if (pending.length > 0) logger.info({ count: pending.length }, 're-enqueueing pending webhook deliveries');
    await enqueueAll(pending.map((row) => row.id));
  }

  return {
    listener,
    start,
    /** Closes what the notifier owns (the HTTP agent); close the queue first, so no delivery is mid-flight. */
    close: () => deliverer.close(),
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
