import { randomUUID } from 'node:crypto';
import { backoffDelay, silentJobLogger, type JobData, type JobHandler, type JobLogger, type JobOptions, type JobQueue } from './job-queue';

export interface InProcessQueueOptions {
  /** Handlers running at once; more jobs wait their turn. */
  concurrency?: number;
  logger?: JobLogger;
}

interface Job {
  id: string;
  name: string;
  data: JobData;
  attempts: number;
  backoffMs: number;
  failed: number;
  timer?: NodeJS.Timeout;
}

/**
 * The embedded default: jobs live in this process's memory, retries wait on timers. Nothing survives a
 * restart, so a caller whose jobs must not be lost keeps their state in its own store and re-adds what is
 * unfinished on start (the webhook deliveries do).
 */
export function createInProcessQueue(options: InProcessQueueOptions = {}): JobQueue {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const logger = options.logger ?? silentJobLogger;
  const handlers = new Map<string, JobHandler>();
  /** Every job not yet finished, by id: the dedupe set. */
  const live = new Map<string, Job>();
  const ready: Job[] = [];
  const running = new Set<Promise<void>>();
  let closed = false;
  const schedules = new Map<string, NodeJS.Timeout>();

  function pump(): void {
    while (!closed && running.size < concurrency) {
      const index = ready.findIndex((job) => handlers.has(job.name));
      if (index < 0) return;
      const [job] = ready.splice(index, 1);
      const run = attempt(job!).finally(() => {
        running.delete(run);
        pump();
      });
      running.add(run);
    }
  }

  async function attempt(job: Job): Promise<void> {
    const handler = handlers.get(job.name)!;
    try {
      await handler(job.data, { id: job.id, name: job.name, attempt: job.failed + 1, attempts: job.attempts });
      live.delete(job.id);
    } catch (err) {
      job.failed += 1;
      if (job.failed >= job.attempts || closed) {
        live.delete(job.id);
        if (!closed) logger.error({ err, jobId: job.id, job: job.name, attempts: job.failed }, 'job failed after its last attempt');
        return;
      }
      logger.warn({ err, jobId: job.id, job: job.name, attempt: job.failed }, 'job attempt failed; retrying');
      job.timer = setTimeout(() => {
        job.timer = undefined;
        ready.push(job);
        pump();
      }, backoffDelay(job.backoffMs, job.failed));
    }
  }

  async function add(name: string, data: JobData, opts: JobOptions = {}): Promise<void> {
    if (closed) throw new Error('the job queue is closed');
    const id = opts.jobId ?? randomUUID();
    if (live.has(id)) return;
    const job: Job = { id, name, data, attempts: Math.max(1, opts.attempts ?? 1), backoffMs: opts.backoffMs ?? 1000, failed: 0 };
    live.set(id, job);
    ready.push(job);
    // Never inside the caller's stack: a job added during an HTTP request runs after the response is built.
    setImmediate(pump);
  }

  return {
    kind: 'in-process',
    add,
    async schedule(schedulerId: string, name: string, everyMs: number, data: JobData = {}) {
      if (closed) throw new Error('the job queue is closed');
      clearInterval(schedules.get(schedulerId));
      // The scheduler's id is the job's: a run still going when the next period comes is not doubled.
      const tick = () => void add(name, data, { jobId: `schedule:${schedulerId}` }).catch(() => undefined);
      const timer = setInterval(tick, everyMs);
      // A schedule alone does not keep the process alive.
      timer.unref();
      schedules.set(schedulerId, timer);
      tick();
    },
    process(name, handler) {
      handlers.set(name, handler as JobHandler);
      setImmediate(pump);
    },
    async close() {
      closed = true;
      for (const timer of schedules.values()) clearInterval(timer);
      schedules.clear();
      for (const job of live.values()) if (job.timer) clearTimeout(job.timer);
      live.clear();
      ready.length = 0;
      await Promise.allSettled([...running]);
    },
  };
}
