import { sql } from 'drizzle-orm';
import { auditEvents, configRevision, transact, type Db, type Tx } from '@tollgate/db';
import { newId, type AuditEventId, type TeamId, type UserId } from '@tollgate/domain';

export interface ChangeDescription {
  action: string;
  targetType: string;
  targetId: string;
  teamId?: TeamId | null;
  summary?: Record<string, unknown>;
  /** The changed fields before and after, for the audit log; omit `before` on a creation and `after` on a deletion. */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** False for changes the gateway does not serve (for example a new user); true by default. */
  affectsGateway?: boolean;
}

/** A change as listeners hear it, after it committed: its audit event's id, who made it and when. */
export interface CommittedChange extends ChangeDescription {
  auditEventId: AuditEventId;
  actorId: UserId | null;
  at: number;
}

export type ChangeListener = (change: CommittedChange) => void;

/**
 * Hears every change recorded in a transaction, inside it, after its audit event is written: what it writes
 * commits or rolls back with the change (the notification outbox lives here). It runs under the write lock, so
 * it must be quick and touch only the database; throwing rolls the whole change back.
 */
export type TransactionalChangeListener = (tx: Tx, change: CommittedChange) => Promise<void> | void;

/**
 * Records a further change that is part of the same transaction (closing a plan ends its subscriptions): it
 * gets its own audit event, and listeners hear of it after the commit like of the main one.
 */
export type RecordChange = (change: ChangeDescription) => void;

export function createChangeCommitter(
  db: Db,
  /**
   * Hears each committed change the gateway serves, with every change recorded in its transaction: the
   * snapshot publisher sends a delta for one that only touched keys, apps and subscriptions (ADR 0032).
   */
  onConfigChanged: (changes: readonly ChangeDescription[]) => void,
  listeners: readonly ChangeListener[] = [],
  transactionalListeners: readonly TransactionalChangeListener[] = [],
) {
  /**
   * The one way the portal writes: the change, its audit event and (when the gateway serves what changed) the
   * config revision bump commit in one transaction (`transact`, ADR 0040); then listeners hear of the new
   * revision. `apply` awaits only the database: on SQLite the transaction holds the connection meanwhile.
   */
  return async function commitChange<T>(actorId: UserId | null, change: ChangeDescription, apply: (tx: Tx, record: RecordChange) => Promise<T> | T): Promise<T> {
    const at = Date.now();
    const committed: CommittedChange[] = [];
    const record: RecordChange = (c) => committed.push({ ...c, auditEventId: newId('auditEvent'), actorId, at });
    const result = await transact(db, async (tx) => {
      record(change);
      const value = await apply(tx, record);
      for (const c of committed) {
        await tx
          .insert(auditEvents)
          .values({
            id: c.auditEventId,
            at,
            actorUserId: actorId,
            teamId: c.teamId ?? null,
            action: c.action,
            targetType: c.targetType,
            targetId: c.targetId,
            summary: c.summary ?? {},
            before: c.before ?? null,
            after: c.after ?? null,
          });
        for (const listener of transactionalListeners) await listener(tx, c);
      }
      if (change.affectsGateway !== false) {
        await tx.update(configRevision).set({ revision: sql`${configRevision.revision} + 1`, updatedAt: Date.now() });
      }
      return value;
    });
    if (change.affectsGateway !== false) onConfigChanged(committed);
    // After the commit, so a listener (notifications) never acts on a change that rolled back.
    for (const c of committed) for (const listener of listeners) listener(c);
    return result;
  };
}

/** The named fields of a row, for an audit event's `before` (or `after`). */
export function fieldsOf<T extends object>(row: T, keys: Iterable<string>): Record<string, unknown> {
  return Object.fromEntries([...keys].map((k) => [k, (row as Record<string, unknown>)[k]]));
}

export type CommitChange = ReturnType<typeof createChangeCommitter>;
