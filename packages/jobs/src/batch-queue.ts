import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { silentJobLogger, type JobLogger } from './job-queue';
import { partsBySize } from './batch-parts';

/**
 * Batches of items carried from many producers to one consumer through BullMQ (the gateways' call records to
 * the portal's store). Unlike `createBullmqQueue`, whose jobs are small ids and which forgets failed jobs, a
 * job here *is* the data: a job that cannot be stored is kept in BullMQ's failed set (the dead letters), and
 * delivery is at least once, so the consumer must be idempotent.
 */
export interface BatchQueueOptions {
  /** redis:// or rediss:// */
  url: string;
  name: string;
  /** Key prefix in Redis (BullMQ's default is `bull`). */
  prefix?: string;
  logger?: JobLogger;
}

/** Items per job: a few hundred records keep each Redis write and each SQLite transaction short. */
export const itemsPerBatchJob = 500;
/**
 * And at most this many characters of JSON per job (an item larger than that goes alone): call records with
 * captured bodies can be a megabyte each, and a job is one Redis value the worker reads whole.
 */
export const charsPerBatchJob = 8 * 1024 * 1024;

/**
 * Tries per job, and the wait between them: doubling from `retryBaseMs`, never more than `retryMaxMs`.
 * With the defaults a job outlives a store that is down for about an hour before it becomes a dead letter.
 */
export const batchJobAttempts = 120;
const backoffType = 'capped-exponential';

export interface BatchProducer<T> {
  /**
   * Adds the items as jobs of at most `itemsPerBatchJob` items and `charsPerBatchJob` characters. Throws at once while Redis is unreachable (the
   * caller keeps the items and sends them again); some of the jobs may have been added when it throws.
   */
  send(items: readonly T[]): Promise<void>;
  close(): Promise<void>;
}

export function createBatchProducer<T>(options: BatchQueueOptions & { commandTimeoutMs?: number }): BatchProducer<T> {
  const logger = options.logger ?? silentJobLogger;
  let lastErrorLog = 0;
  const onRedisError = (err: Error) => {
    // ioredis reports every reconnect attempt; one line every 10 s is enough to say Redis is gone.
    if (Date.now() - lastErrorLog < 10_000) return;
    lastErrorLog = Date.now();
    logger.warn({ err, queue: options.name }, 'redis connection error (batch producer)');
  };
  // No offline queue: an add fails at once instead of waiting for Redis, so the caller's bounded buffer keeps
  // the items. The command timeout covers a Redis that accepts the connection but does not answer.
  const connection = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
  }).on('error', onRedisError);
  const queue = new Queue(options.name, { connection, prefix: options.prefix });
  queue.on('error', onRedisError);
  return {
    async send(items) {
      if (items.length === 0) return;
      // BullMQ waits for its first connection regardless of the offline queue: refuse instead of hanging.
      if (connection.status !== 'ready') throw new Error(`redis is not connected (${connection.status})`);
      const opts = { attempts: batchJobAttempts, backoff: { type: backoffType }, removeOnComplete: true, removeOnFail: false };
      // Measured off the request path, once per flush; BullMQ serialises the data again as it adds it.
      const jobs = partsBySize(items, itemsPerBatchJob, charsPerBatchJob).map((part) => ({ name: 'batch', data: { items: part.items }, opts }));
      await queue.addBulk(jobs);
    },
    async close() {
      await queue.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

/** Thrown by a consumer's handler for a batch that can never be stored: it is failed at once and kept. */
export class InvalidBatchError extends Error {}

export interface BatchConsumerOptions extends BatchQueueOptions {
  /** Stores one job's items; throws `InvalidBatchError` for bad data, anything else to be retried. */
  handle(items: unknown, job: { id: string; attempt: number }): Promise<void> | void;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export interface BatchConsumer {
  /** jobs: stored; invalid: failed at once as dead letters; retried: attempts that failed and will run again; deadLetters: jobs kept after their last attempt. */
  readonly stats: { jobs: number; invalid: number; retried: number; deadLetters: number };
  /** Jobs in the failed set now (dead letters kept for inspection), or null when Redis does not answer. */
  failedJobs(): Promise<number | null>;
  /** Finishes the job running now; waiting jobs stay in Redis for the next start. */
  close(): Promise<void>;
}

export function createBatchConsumer(options: BatchConsumerOptions): BatchConsumer {
  const logger = options.logger ?? silentJobLogger;
  const base = options.retryBaseMs ?? 500;
  const max = options.retryMaxMs ?? 30_000;
  const stats = { jobs: 0, invalid: 0, retried: 0, deadLetters: 0 };
  const onRedisError = (err: Error) => logger.warn({ err, queue: options.name }, 'redis connection error (batch consumer)');
  // The worker's blocking connection must retry forever, which BullMQ requires as maxRetriesPerRequest: null.
  const connection = new Redis(options.url, { maxRetriesPerRequest: null }).on('error', onRedisError);
  const worker = new Worker(
    options.name,
    async (job: Job) => {
      try {
        await options.handle((job.data as { items?: unknown }).items, { id: job.id!, attempt: job.attemptsMade + 1 });
      } catch (err) {
        if (!(err instanceof InvalidBatchError)) throw err;
        stats.invalid++;
        throw new UnrecoverableError(err.message);
      }
      stats.jobs++;
    },
    {
      connection,
      prefix: options.prefix,
      // The store is one SQLite writer: jobs one at a time, each a short synchronous transaction.
      concurrency: 1,
      settings: { backoffStrategy: (attemptsMade) => Math.min(max, base * 2 ** Math.max(0, attemptsMade - 1)) },
    },
  );
  worker.on('error', onRedisError);
  worker.on('failed', (job, err) => {
    if (!job) return;
    const log = { err, jobId: job.id, queue: options.name, attempts: job.attemptsMade };
    if (err instanceof UnrecoverableError || err.name === 'UnrecoverableError') {
      logger.error({ ...log, invalid: stats.invalid }, 'batch job is invalid: kept in the failed set, not retried');
    } else if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
      stats.deadLetters++;
      logger.error({ ...log, deadLetters: stats.deadLetters }, 'batch job failed its last attempt: kept in the failed set');
    } else {
      stats.retried++;
      logger.warn(log, 'batch job failed; will retry');
    }
  });
  const counter = new Queue(options.name, { connection, prefix: options.prefix });
  return {
    stats,
    async failedJobs() {
      return counter.getFailedCount().catch(() => null);
    },
    async close() {
      await worker.close();
      await counter.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
