import type { Logger } from 'pino';
import { configRevision, type Db } from '@tollgate/db';
import type { SnapshotData } from '@tollgate/domain';
import type { SecretBox } from '../secrets/secret-box';
import { compileSnapshot } from './compile';

export interface SnapshotPublisher {
  /** Called after a committed config change: recompiles off the request that made it. */
  configChanged(): void;
  /** The latest compiled snapshot. */
  current(): SnapshotData;
  /** Listeners get each new snapshot; in the all-in-one process the gateway is one of them. */
  subscribe(listener: (snapshot: SnapshotData) => void): () => void;
  close(): void;
}

export interface SnapshotPublisherOptions {
  db: Db;
  secrets: SecretBox;
  logger: Logger;
  /** Safety net: how often to look at the revision row for changes made by another portal process. */
  pollMs?: number;
}

export function createSnapshotPublisher(options: SnapshotPublisherOptions): SnapshotPublisher {
  const { db, secrets, logger } = options;
  const listeners = new Set<(s: SnapshotData) => void>();
  let snapshot = compileSnapshot(db, secrets, logger);
  let scheduled: NodeJS.Immediate | null = null;

  const recompile = () => {
    scheduled = null;
    try {
      const next = compileSnapshot(db, secrets, logger);
      if (next.revision === snapshot.revision) return;
      snapshot = next;
      for (const listener of listeners) listener(snapshot);
    } catch (err) {
      // The old snapshot keeps serving; the poll below tries again.
      logger.error({ err }, 'snapshot compile failed');
    }
  };

  const poll = setInterval(() => {
    const revision = db.select({ revision: configRevision.revision }).from(configRevision).get()?.revision;
    if (revision !== undefined && revision !== snapshot.revision) recompile();
  }, options.pollMs ?? 2_000);
  poll.unref();

  return {
    configChanged() {
      // Coalesces a burst of writes into one compile, after the writing request has answered.
      scheduled ??= setImmediate(recompile);
    },
    current: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      listener(snapshot);
      return () => listeners.delete(listener);
    },
    close() {
      clearInterval(poll);
      if (scheduled) clearImmediate(scheduled);
      listeners.clear();
    },
  };
}
