import type { Logger } from 'pino';
import { Redis } from 'ioredis';
import { fastFailRedisOptions } from '@tollgate/limiter';
import { snapshotRevisionChannel as revisionChannel } from '@tollgate/domain';
import { subscribeToRevisions } from '@tollgate/gateway';
import type { SnapshotPublisher } from './publisher';


/** Why a long-poll ended: the publisher has another revision, the wait ran out, or the portal is stopping. */
export type WaitOutcome = 'changed' | 'timeout' | 'released';

export interface SnapshotWaiters {
  /**
   * Resolves once the publisher's revision is above `since` (or the caller goes, or `timeoutMs` passes). One
   * entry in a set per waiting gateway, removed as it resolves: a gateway whose connection closes costs nothing.
   */
  wait(since: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome>;
  /** Gateways waiting now (tests prove a disconnect frees its entry). */
  size(): number;
  /**
   * Answers every waiting gateway now and every later one at once: called before the server drains, so a
   * stopping portal is not held open by long-polls (they reconnect, to another portal or to this one restarted).
   */
  releaseAll(): void;
}

interface Waiter {
  since: number;
  settle(outcome: WaitOutcome): void;
}

// One registry per publisher: the internal routes and the process's shutdown reach it through the publisher
// they both hold, so nothing else has to carry it.
const registries = new WeakMap<SnapshotPublisher, SnapshotWaiters>();

export function snapshotWaiters(publisher: SnapshotPublisher): SnapshotWaiters {
  let registry = registries.get(publisher);
  if (!registry) registries.set(publisher, (registry = createWaiters(publisher)));
  return registry;
}

function createWaiters(publisher: SnapshotPublisher): SnapshotWaiters {
  const waiting = new Set<Waiter>();
  let released = false;
  // One publisher listener for all waiters, subscribed for the registry's life: it is told at the publish
  // itself, so the answer leaves in the same tick as the all-in-one's own gateway gets the snapshot.
  publisher.subscribe((snapshot) => {
    for (const waiter of waiting) if (snapshot.revision > waiter.since) waiter.settle('changed');
  });

  return {
    wait(since, timeoutMs, signal) {
      if (released) return Promise.resolve('released');
      if (publisher.current().revision > since) return Promise.resolve('changed');
      return new Promise<WaitOutcome>((resolve) => {
        const waiter: Waiter = {
          since,
          settle(outcome) {
            if (!waiting.delete(waiter)) return;
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            resolve(outcome);
          },
        };
        const onAbort = () => waiter.settle('released');
        const timer = setTimeout(() => waiter.settle('timeout'), timeoutMs);
        timer.unref();
        waiting.add(waiter);
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    size: () => waiting.size,
    releaseAll() {
      released = true;
      for (const waiter of waiting) waiter.settle('released');
    },
  };
}

/** Before a drain: the portal's waiting long-polls answer now (see `releaseAll`). */
export const releaseSnapshotWaiters = (publisher: SnapshotPublisher) => registries.get(publisher)?.releaseAll();

export interface RevisionAnnouncer {
  close(): Promise<void>;
}

/**
 * With Redis (ADR 0038): each snapshot this portal publishes is announced on `revisionChannel`, so gateways
 * subscribed there pull at once; and an announcement above this portal's own revision (a write made through
 * another portal process) makes its publisher look at the revision row now instead of at its next poll, so
 * gateways long-polling this portal hear of it as fast. A lost announcement costs speed, never correctness:
 * the long-poll, the gateways' pull and the publisher's poll converge without it.
 */
export function announceRevisions(options: { redisUrl: string; publisher: SnapshotPublisher; logger: Logger }): RevisionAnnouncer {
  const { publisher, logger } = options;
  let warned = false;
  const onError = (err: Error) => {
    // Reconnects are ioredis's (backing off, capped at 1 s); one line per outage, not one per attempt.
    if (!warned) logger.warn({ err }, 'revision announcements: Redis unavailable; gateways converge by their own pulls');
    warned = true;
  };
  // Fail fast, no offline queue: an announcement queued through an outage would arrive stale and late.
  const pub = new Redis(options.redisUrl, fastFailRedisOptions()).on('error', onError);
  const announce = (revision: number) => {
    if (pub.status === 'ready') pub.publish(revisionChannel, String(revision)).catch(onError);
  };
  // Once connected (at start, and after an outage) the current revision is announced: gateways that lost their
  // long-poll while this portal restarted, or missed announcements during the outage, pull right away.
  pub.on('ready', () => {
    warned = false;
    announce(publisher.current().revision);
  });
  // Our own announcement comes back equal; an older one (a slower portal) is ignored. After a reconnect (no
  // revision) nothing is done: the publisher's revision poll finds what the outage hid.
  const sub = subscribeToRevisions({
    redisUrl: options.redisUrl,
    logger,
    onRevision: (revision) => {
      if (revision !== undefined && revision > publisher.current().revision) publisher.configChanged();
    },
  });
  const unsubscribe = publisher.subscribe((snapshot) => announce(snapshot.revision));
  return {
    async close() {
      unsubscribe();
      await Promise.allSettled([pub.quit(), sub.close()]);
    },
  };
}
