import { asc, eq, lt } from 'drizzle-orm';
import { changedRows, notificationOutbox, type Db } from '@tollgate/db';
import type { AuditEventId } from '@tollgate/domain';
import type { TransactionalChangeListener } from '../changes/commit-change';
import type { Reader } from '../changes/tx';
import { notifiedActions } from './events';

/**
 * The notification outbox: a row per committed change whose notifications are not written yet. The row commits
 * in the change's own transaction, so no queue outage or crash after the commit can lose it; fanOut deletes it
 * in the transaction that writes the notifications, so a job that runs twice finds nothing left to do.
 */

/** Inside the change's transaction: notified actions leave a row, everything else costs nothing. */
export const recordInOutbox: TransactionalChangeListener = async (tx, change) => {
  if (!notifiedActions.has(change.action)) return;
  await tx.insert(notificationOutbox).values({ auditEventId: change.auditEventId });
};

/**
 * Takes the audit event's row, inside the transaction that writes its notifications. False when there is none:
 * another run fanned it out already (it committed first, SQLite serialises writers), or it never needed one.
 */
export async function claimOutboxRow(tx: Reader, auditEventId: string): Promise<boolean> {
  return changedRows(await tx.delete(notificationOutbox).where(eq(notificationOutbox.auditEventId, auditEventId as AuditEventId))) > 0;
}

/** The audit events still waiting, oldest first; with `createdBefore`, only those older than that instant. */
export async function outboxEntries(db: Db | Reader, createdBefore?: number): Promise<AuditEventId[]> {
  const rows = await db
    .select({ id: notificationOutbox.auditEventId })
    .from(notificationOutbox)
    .where(createdBefore === undefined ? undefined : lt(notificationOutbox.createdAt, createdBefore))
    .orderBy(asc(notificationOutbox.createdAt));
  return rows.map((row) => row.id);
}
