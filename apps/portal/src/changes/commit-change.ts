import { sql } from 'drizzle-orm';
import { auditEvents, configRevision, type Db } from '@tollgate/db';
import { newId, type AuditEventId, type TeamId, type UserId } from '@tollgate/domain';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

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

/**
 * The one way the portal writes: the change, its audit event and (when the gateway serves what changed) the
 * config revision bump commit in one transaction; then listeners hear of the new revision. better-sqlite3
 * transactions are synchronous, so `apply` must not await.
 */
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
 * it must be quick and synchronous; throwing rolls the whole change back.
 */
export type TransactionalChangeListener = (tx: Tx, change: CommittedChange) => void;

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
  return function commitChange<T>(actorId: UserId | null, change: ChangeDescription, apply: (tx: Tx, record: RecordChange) => T): T {
    const at = Date.now();
    const committed: CommittedChange[] = [];
    const record: RecordChange = (c) => committed.push({ ...c, auditEventId: newId('auditEvent'), actorId, at });
    // Immediate: the write lock is taken (waiting out busy_timeout) before the change reads anything. A
    // deferred transaction that read first fails at once with SQLITE_BUSY_SNAPSHOT when another connection
    // (the all-in-one's call-record writer thread, ADR 0029) commits between its read and its first write.
    const result = db.transaction((tx) => {
      record(change);
      const value = apply(tx, record);
      for (const c of committed) {
        tx.insert(auditEvents)
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
          })
          .run();
        for (const listener of transactionalListeners) listener(tx, c);
      }
      if (change.affectsGateway !== false) {
        tx.update(configRevision)
          .set({ revision: sql`${configRevision.revision} + 1`, updatedAt: Date.now() })
          .run();
      }
      return value;
    }, { behavior: 'immediate' });
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
