import { and, asc, eq, lt } from 'drizzle-orm';
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
import { outboxEntries, recordInOutbox } from './outbox';

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
  /** Outbox sweep: how often it runs (default 30 s) and how old a row must be to count as missed (default 5 s). */
  outbox?: { sweepEveryMs?: number; missedAfterMs?: number };
}

/**
 * Subscription changes → outbox rows and `notify` jobs → notification rows and `deliver` jobs. Jobs carry ids,
 * never payloads: the database holds the facts, so a job that runs late, twice, or after a restart reads the
 * same truth, and Redis never holds a webhook body or secret. The outbox row, written with the change, is what
 * guarantees the notification; the job is only the fast path, and the sweep and `start` redo what it missed.
 */
export function createNotifier(deps: NotifierDeps) {
  const { db, queue, logger, delivery } = deps;
  const sweepEveryMs = deps.outbox?.sweepEveryMs ?? 30_000;
  const missedAfterMs = deps.outbox?.missedAfterMs ?? 5_000;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping = false;
  let closed = false;
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

  /**
   * The audit event id is the jobId: while its job waits or runs, adding it again (the sweep, a restart) is a
   * no-op on both queues. Never throws; a job that could not be added stays in the outbox for the sweep.
   */
  async function enqueueNotify(auditEventId: string): Promise<void> {
    try {
      await queue.add(notifyJob, { auditEventId } satisfies NotifyJobData, { ...retry, jobId: auditEventId });
    } catch (err) {
      logger.error({ err, auditEventId }, 'could not enqueue a notification');
    }
  }

  /** Runs inside the HTTP request that committed the change: only enqueues, and never throws. */
  const listener: ChangeListener = (change) => {
    if (!notifiedActions.has(change.action)) return;
    void enqueueNotify(change.auditEventId);
  };

  /** Re-enqueues outbox rows (all of them, or those older than `createdBefore`); never throws. */
  async function requeueOutbox(createdBefore?: number): Promise<number> {
    let waiting: string[];
    try {
      waiting = await outboxEntries(db, createdBefore);
    } catch (err) {
      logger.error({ err }, 'could not read the notification outbox');
      return 0;
    }
    for (const id of waiting) {
      if (closed) break;
      await enqueueNotify(id);
    }
    return waiting.length;
  }

  /**
   * Catches what the fast path missed (a `queue.add` that failed while Redis was down) without a restart. Only
   * rows older than `missedAfterMs`: younger ones are most likely in a job right now.
   */
  /** Deliveries still pending, oldest first; `createdBefore` keeps the sweep off ones whose job is on its way. */
  const pendingDeliveries = async (createdBefore?: number) => {
    const rows = await db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      // No bound without `createdBefore` (PostgreSQL's bigint has no Infinity to compare with).
      .where(and(eq(webhookDeliveries.state, 'pending'), createdBefore === undefined ? undefined : lt(webhookDeliveries.createdAt, createdBefore)))
      .orderBy(asc(webhookDeliveries.createdAt));
    return rows.map((row) => row.id);
  };

  async function sweep(): Promise<void> {
    if (sweeping || closed) return;
    sweeping = true;
    try {
      const count = await requeueOutbox(Date.now() - missedAfterMs);
      if (count > 0) logger.warn({ count }, 're-enqueued notifications still in the outbox (a queue add may have failed)');
      // A delivery whose `deliver` add failed stays pending; re-adding one whose job waits or retries is a no-op.
      await enqueueAll(await pendingDeliveries(Date.now() - missedAfterMs));
    } finally {
      sweeping = false;
    }
  }

  /**
   * Registers the handlers, re-enqueues every change still in the outbox and every delivery still pending
   * (timers of a stopped runner are gone), then starts the sweep. Calling it again is harmless.
   */
  async function start(): Promise<void> {
    queue.process<NotifyJobData>(notifyJob, async ({ auditEventId }) => enqueueAll(await fanOut(db, auditEventId)));
    queue.process<DeliverJobData>(deliverJob, (data) => deliverer.deliver(data));
    const outboxed = await requeueOutbox();
    if (outboxed > 0) logger.info({ count: outboxed }, 're-enqueueing notifications still in the outbox');
    const pending = await pendingDeliveries();
    if (pending.length > 0) logger.info({ count: pending.length }, 're-enqueueing pending webhook deliveries');
    await enqueueAll(pending);
    if (sweepTimer) clearInterval(sweepTimer);
    // A failed sweep (the database away for a moment) is logged and the next one retries: never an unhandled
    // rejection, which would end the process.
    sweepTimer = setInterval(() => {
      sweep().catch((err: unknown) => {
        if (!closed) logger.error({ err }, 'notification sweep failed; the next one retries');
      });
    }, sweepEveryMs);
    // The sweep is housekeeping: it must not keep a process alive that has nothing else to do.
    sweepTimer.unref();
  }

  return {
    listener,
    /** For `transactionalChangeListeners`: writes the outbox row inside the change's transaction. */
    transactionalListener: recordInOutbox,
    start,
    /** Stops the sweep and closes the HTTP agent; close the queue first, so no delivery is mid-flight. */
    close: async () => {
      closed = true;
      if (sweepTimer) clearInterval(sweepTimer);
      sweepTimer = undefined;
      await deliverer.close();
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
