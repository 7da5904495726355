import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { snapshotRevisionChannel } from '@tollgate/domain';

export interface RevisionSubscriberOptions {
  redisUrl: string;
  logger: Logger;
  /** A portal announced this revision; or, without one, announcements may have been missed (a reconnect). */
  onRevision(revision?: number): void;
}

/** Reconnects back off from 100 ms to 5 s: a Redis outage costs a few attempts a minute per gateway. */
export const subscriberRetryMs = (attempt: number) => Math.min(100 * 2 ** Math.max(0, attempt - 1), 5_000);

/**
 * The gateway's side of the Redis announcements (ADR 0038): a dedicated subscriber connection (a subscribed
 * ioredis connection can run nothing else) on the portals' revision channel. Every (re)connection counts as a
 * possibly missed announcement, so the client pulls once then; a Redis outage is otherwise only slower news.
 */
export function subscribeToRevisions(options: RevisionSubscriberOptions): { close(): Promise<void> } {
  const { logger } = options;
  let warned = false;
  const redis = new Redis(options.redisUrl, { retryStrategy: subscriberRetryMs, maxRetriesPerRequest: null });
  redis.on('error', (err: Error) => {
    if (!warned) logger.warn({ err }, 'revision announcements: Redis unavailable; the snapshot pull carries on without them');
    warned = true;
  });
  // ioredis re-subscribes by itself on reconnect; `ready` follows.
  redis.on('ready', () => {
    warned = false;
    options.onRevision();
  });
  redis.on('message', (_channel: string, message: string) => {
    if (/^\d{1,15}$/.test(message)) options.onRevision(Number(message));
  });
  redis.subscribe(snapshotRevisionChannel).catch((err: Error) => logger.warn({ err }, 'revision announcements: subscribe failed'));
  return {
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
