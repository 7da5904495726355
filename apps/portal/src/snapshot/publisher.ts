import type { Logger } from 'pino';
import { configRevision, first, type Db } from '@tollgate/db';
import type { SnapshotData, SnapshotDelta } from '@tollgate/domain';
import type { SecretBox } from '../secrets/secret-box';
import { compileSnapshot, type SnapshotReuse } from './compile';
import { composeDeltas, compileDelta, maxDeltaTargets } from './delta';
import { workloadCredentialTarget } from '../apps/workload-schema';

/** What the publisher needs to know of a committed change (commitChange's ChangeDescription). */
export interface ChangeHint {
  targetType: string;
  targetId: string;
  affectsGateway?: boolean;
}

/** A new snapshot, and when it differs from the previous one only in keys, apps, subscriptions and workload credentials, how. */
export type SnapshotListener = (snapshot: SnapshotData, delta?: SnapshotDelta) => void;

export interface SnapshotPublisher {
  /**
   * Called after a committed config change, with the changes its transaction recorded: recompiles off the
   * request that made it. Without `changes`, or for changes beyond keys, apps, subscriptions and workload
   * credentials, in full.
   */
  configChanged(changes?: readonly ChangeHint[]): void;
  /** The latest compiled snapshot: always what a full compile gives at its revision. */
  current(): SnapshotData;
  /**
   * Resolves once no compile is scheduled or running: every change committed before the call is then in
   * `current()`. For tests and for a clean stop; the gateway never waits on it.
   */
  settled(): Promise<void>;
  /**
   * One delta from `revision` to `current()`'s, when every revision since came as a delta and the publisher
   * still holds them; else null (the caller sends the full snapshot). For the split shape's pull.
   */
  deltaSince(revision: number): SnapshotDelta | null;
  /** Listeners get each new snapshot; in the all-in-one process the gateway is one of them. */
  subscribe(listener: SnapshotListener): () => void;
  close(): void;
}

export interface SnapshotPublisherOptions {
  db: Db;
  secrets: SecretBox;
  logger: Logger;
  /** Safety net: how often to look at the revision row for changes made by another portal process. */
  pollMs?: number;
  /** How many recent deltas to keep for gateways that are behind (default 64). */
  keepDeltas?: number;
}

const deltaTables: Record<string, 'keys' | 'apps' | 'subscriptions' | 'workloadCredentials'> = {
  key: 'keys',
  app: 'apps',
  subscription: 'subscriptions',
  [workloadCredentialTarget]: 'workloadCredentials',
};

/**
 * The changes committed since the snapshot: how many revision bumps they made, the rows they named, and every
 * target type they touched (`unknown`: a commit came without its changes, so any table may have changed).
 */
function noPending() {
  return {
    commits: 0,
    incremental: true,
    keys: new Set<string>(),
    apps: new Set<string>(),
    subscriptions: new Set<string>(),
    workloadCredentials: new Set<string>(),
    touched: new Set<string>(),
    unknown: false,
  };
}

/**
 * What a full compile may take over from the snapshot: the tables no change touched. Keys change with keys and
 * apps (deleting an app deletes its keys), apps with apps and teams (an app carries its team's budget),
 * subscriptions with subscriptions and apps; nothing else writes them (a plan closing records the
 * subscriptions it ends). The equivalence test in delta.test.ts compares every publish with a full compile.
 */
function reusable(changes: ReturnType<typeof noPending>, snapshot: SnapshotData): SnapshotReuse | undefined {
  if (changes.unknown || changes.commits === 0) return undefined;
  const touched = (...types: string[]) => types.some((t) => changes.touched.has(t));
  return {
    atRevision: snapshot.revision + changes.commits,
    keys: touched('key', 'app') ? undefined : snapshot.keys,
    apps: touched('app', 'team') ? undefined : snapshot.apps,
    subscriptions: touched('subscription', 'app') ? undefined : snapshot.subscriptions,
  };
}

/**
 * Compiles the first snapshot, then keeps it current: a recompile after each committed change (coalesced), and a
 * poll of the revision row for writes made by other portal processes. One compile runs at a time: changes that
 * arrive during one wait for it and are compiled next, so a delta always starts from the snapshot it was worked
 * out against. A failed compile is logged and the old snapshot keeps serving.
 */
export async function createSnapshotPublisher(options: SnapshotPublisherOptions): Promise<SnapshotPublisher> {
  const { db, secrets, logger } = options;
  const listeners = new Set<SnapshotListener>();
  let snapshot = await compileSnapshot(db, secrets, logger);
  let scheduled: NodeJS.Immediate | null = null;
  let pending = noPending();
  // The latest deltas, consecutive and ending at `snapshot`: a full compile breaks the chain and empties it.
  let recent: SnapshotDelta[] = [];
  const keepDeltas = options.keepDeltas ?? 64;
  // The compile in progress, whether another was asked for meanwhile, and whether the publisher was closed
  // (a compile still running then must not publish).
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;

  const readRevision = async () => (await first(db.select({ revision: configRevision.revision }).from(configRevision)))?.revision;

  const publish = (next: SnapshotData, delta?: SnapshotDelta) => {
    if (closed) return;
    if (!delta) recent = [];
    else {
      recent.push(delta);
      if (recent.length > keepDeltas) recent.shift();
    }
    snapshot = next;
    for (const listener of listeners) listener(snapshot, delta);
  };

  /**
   * A delta when every change since the snapshot was made by this process and only named keys, apps,
   * subscriptions and workload credentials; then the revision must be exactly the snapshot's plus those commits
   * (ADR 0032). Anything else, including a write by another portal process that the poll found, compiles in full.
   */
  const tryDelta = async (changes: ReturnType<typeof noPending>): Promise<boolean> => {
    const targets = changes.keys.size + changes.apps.size + changes.subscriptions.size + changes.workloadCredentials.size;
    if (!changes.incremental || changes.commits === 0 || targets === 0 || targets > maxDeltaTargets) return false;
    try {
      const result = await compileDelta(db, snapshot, changes, snapshot.revision + changes.commits);
      if (!result) return false;
      publish(result.snapshot, result.delta);
      return true;
    } catch (err) {
      if (!closed) logger.error({ err }, 'snapshot delta failed; compiling in full');
      return false;
    }
  };

  const recompile = async () => {
    const changes = pending;
    pending = noPending();
    try {
      // A look at the revision first: a change already folded into the snapshot (the poll got to it) costs nothing.
      const revision = (await readRevision()) ?? 0;
      if (closed || revision === snapshot.revision || (await tryDelta(changes))) return;
      const next = await compileSnapshot(db, secrets, logger, reusable(changes, snapshot));
      if (next.revision !== snapshot.revision) publish(next);
    } catch (err) {
      // The old snapshot keeps serving; the poll below tries again.
      if (!closed) logger.error({ err }, 'snapshot compile failed');
    }
  };

  /** Starts a compile, or, while one runs, has another follow it (with the changes that came meanwhile). */
  const requestCompile = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await recompile();
      } while (again && !closed);
    })()
      .catch((err: unknown) => logger.error({ err }, 'snapshot compile failed'))
      .finally(() => {
        running = null;
      });
  };

  // Skips a tick while a look or a compile is still under way: they never pile up behind a slow database.
  let polling = false;
  const poll = setInterval(() => {
    if (polling || running || closed) return;
    polling = true;
    readRevision()
      .then((revision) => {
        if (revision !== undefined && revision !== snapshot.revision) requestCompile();
      })
      .catch((err: unknown) => {
        if (!closed) logger.error({ err }, 'snapshot revision poll failed');
      })
      .finally(() => {
        polling = false;
      });
  }, options.pollMs ?? 2_000);
  poll.unref();

  return {
    configChanged(changes) {
      pending.commits += 1;
      if (!changes) {
        pending.incremental = false;
        pending.unknown = true;
      }
      for (const change of changes ?? []) {
        pending.touched.add(change.targetType);
        if (change.affectsGateway === false) continue;
        const table = deltaTables[change.targetType];
        if (table) pending[table].add(change.targetId);
        else pending.incremental = false;
      }
      // During a compile, the next follows it, in full: the running compile may already have read this change
      // (its transaction began after the commit), and then the commits counted since its snapshot would include
      // it twice, so a later commit whose news is still on its way would go unseen by a delta that believed the
      // count (ADR 0032's revision check). Else a burst of writes is coalesced into one compile, after the
      // writing request has answered.
      if (running) {
        again = true;
        pending.incremental = false;
        pending.unknown = true;
      } else
        scheduled ??= setImmediate(() => {
          scheduled = null;
          requestCompile();
        });
    },
    current: () => snapshot,
    async settled() {
      while (!closed && (scheduled || running)) {
        if (running) await running;
        else await new Promise((resolve) => setImmediate(resolve));
      }
    },
    deltaSince(revision) {
      const start = recent.findIndex((d) => d.from === revision);
      return start === -1 ? null : composeDeltas(recent.slice(start));
    },
    subscribe(listener) {
      listeners.add(listener);
      listener(snapshot);
      return () => listeners.delete(listener);
    },
    close() {
      // A compile under way finishes its reads but publishes nothing, and starts no other.
      closed = true;
      clearInterval(poll);
      if (scheduled) clearImmediate(scheduled);
      scheduled = null;
      listeners.clear();
    },
  };
}
