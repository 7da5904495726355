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

export function createChangeCommitter(db: Db, onConfigChanged: () => void, listeners: readonly ChangeListener[] = []) {
  return function commitChange<T>(actorId: UserId | null, change: ChangeDescription, apply: (tx: Tx) => T): T {
    const committed: CommittedChange = { ...change, auditEventId: newId('auditEvent'), actorId, at: Date.now() };
    const result = db.transaction((tx) => {
      const value = apply(tx);
      tx.insert(auditEvents)
        .values({
          id: committed.auditEventId,
          at: committed.at,
          actorUserId: actorId,
          teamId: change.teamId ?? null,
          action: change.action,
          targetType: change.targetType,
          targetId: change.targetId,
          summary: change.summary ?? {},
          before: change.before ?? null,
          after: change.after ?? null,
        })
        .run();
      if (change.affectsGateway !== false) {
        tx.update(configRevision)
          .set({ revision: sql`${configRevision.revision} + 1`, updatedAt: Date.now() })
          .run();
      }
      return value;
    });
    if (change.affectsGateway !== false) onConfigChanged();
    // After the commit, so a listener (notifications) never acts on a change that rolled back.
    for (const listener of listeners) listener(committed);
    return result;
  };
}

export type CommitChange = ReturnType<typeof createChangeCommitter>;
