import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { silentJobLogger, type JobData, type JobHandler, type JobLogger, type JobOptions, type JobQueue } from './job-queue';

export interface BullmqQueueOptions {
  /** redis:// or rediss:// */
  url: string;
  /** The BullMQ queue name; every process sharing it shares the jobs. */
  name: string;
  /** Key prefix in Redis (BullMQ's default is `bull`); tests use their own so runs never meet. */
  prefix?: string;
  concurrency?: number;
  logger?: JobLogger;
}

/**
 * Jobs in Redis: they survive a restart of this process, and several portal processes share the work. One
 * Worker per process serves every job name, started when the first handler is registered, so no job is taken
 * before a handler for it exists.
 */
export function createBullmqQueue(options: BullmqQueueOptions): JobQueue {
  const logger = options.logger ?? silentJobLogger;
  const onRedisError = (err: Error) => logger.warn({ err }, 'redis connection error (job queue)');
  // Adds fail fast when Redis is down (the caller logs and keeps what it needs in its own store); the worker's
  // blocking connection must retry forever, which BullMQ requires as maxRetriesPerRequest: null.
  const queueConnection = new Redis(options.url, { maxRetriesPerRequest: 2, lazyConnect: false }).on('error', onRedisError);
  const workerConnection = new Redis(options.url, { maxRetriesPerRequest: null }).on('error', onRedisError);
  const queue = new Queue(options.name, { connection: queueConnection, prefix: options.prefix });
  queue.on('error', onRedisError);
  const handlers = new Map<string, JobHandler>();
  let worker: Worker | undefined;

  function startWorker(): Worker {
    const w = new Worker(
      options.name,
      async (job: Job) => {
        const handler = handlers.get(job.name);
        if (!handler) throw new Error(`no handler for job ${job.name}`);
        const attempts = job.opts.attempts ?? 1;
        await handler(job.data as JobData, { id: job.id!, name: job.name, attempt: job.attemptsMade + 1, attempts });
      },
      { connection: workerConnection, prefix: options.prefix, concurrency: options.concurrency ?? 4 },
    );
    w.on('error', onRedisError);
    w.on('failed', (job, err) => {
      if (!job) return;
      const last = job.attemptsMade >= (job.opts.attempts ?? 1);
      const log = { err, jobId: job.id, job: job.name, attempts: job.attemptsMade };
      if (last) logger.error(log, 'job failed after its last attempt');
      else logger.warn(log, 'job attempt failed; retrying');
    });
    return w;
  }

  return {
    kind: 'bullmq',
    async add(name: string, data: JobData, opts: JobOptions = {}) {
      await queue.add(name, data, {
        jobId: opts.jobId,
        attempts: Math.max(1, opts.attempts ?? 1),
        backoff: { type: 'exponential', delay: opts.backoffMs ?? 1000 },
        // The caller's own store is the record of outcomes; finished jobs would only fill Redis (and a kept job
        // would swallow a later add with the same id).
        removeOnComplete: true,
        removeOnFail: true,
      });
    },
    async schedule(schedulerId: string, name: string, everyMs: number, data: JobData = {}) {
      // A job scheduler lives in Redis under its id: every portal upserting it leaves one schedule, not several.
      await queue.upsertJobScheduler(schedulerId, { every: everyMs }, { name, data, opts: { removeOnComplete: true, removeOnFail: true } });
    },
    process(name, handler) {
      handlers.set(name, handler as JobHandler);
      worker ??= startWorker();
    },
    async close() {
      // Worker.close waits for the jobs it is running; jobs waiting or delayed stay in Redis for the next start.
      await worker?.close();
      await queue.close();
      await Promise.allSettled([queueConnection.quit(), workerConnection.quit()]);
    },
  };
}
