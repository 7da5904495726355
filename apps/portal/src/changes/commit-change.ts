import { sql } from 'drizzle-orm';
import { auditEvents, configRevision, type Db } from '@tollgate/db';
import { newId, type TeamId, type UserId } from '@tollgate/domain';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface ChangeDescription {
  action: string;
  targetType: string;
  targetId: string;
  teamId?: TeamId | null;
  summary?: Record<string, unknown>;
  /** False for changes the gateway does not serve (for example a new user); true by default. */
  affectsGateway?: boolean;
}

/**
 * The one way the portal writes: the change, its audit event and (when the gateway serves what changed) the
 * config revision bump commit in one transaction; then listeners hear of the new revision. better-sqlite3
 * transactions are synchronous, so `apply` must not await.
 */
export function createChangeCommitter(db: Db, onConfigChanged: () => void) {
  return function commitChange<T>(actorId: UserId | null, change: ChangeDescription, apply: (tx: Tx) => T): T {
    const result = db.transaction((tx) => {
      const value = apply(tx);
      tx.insert(auditEvents)
        .values({
          id: newId('auditEvent'),
          at: Date.now(),
          actorUserId: actorId,
          teamId: change.teamId ?? null,
          action: change.action,
          targetType: change.targetType,
          targetId: change.targetId,
          summary: change.summary ?? {},
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
    return result;
  };
}

export type CommitChange = ReturnType<typeof createChangeCommitter>;
