/**
 * A background job queue with one contract and two homes: BullMQ over Redis when Redis is configured, and an
 * in-process runner for the embedded default. Jobs carry small JSON data (ids, not documents), are retried
 * with exponential backoff, and are deduplicated by `jobId` while one with that id is still waiting or running.
 */
export type JobData = Record<string, unknown>;

export interface JobOptions {
  /** Total tries including the first; 1 means no retry. */
  attempts?: number;
  /** Exponential backoff base: the n-th retry waits `backoffMs * 2^(n-1)`. */
  backoffMs?: number;
  /** While a job with this id is waiting, delayed or running, adding another with the same id does nothing. */
  jobId?: string;
}

export interface JobInfo {
  id: string;
  name: string;
  /** 1 on the first try. */
  attempt: number;
  attempts: number;
}

/** Throw to fail the attempt (it is retried while attempts remain); return to complete the job. */
export type JobHandler<D extends JobData = JobData> = (data: D, job: JobInfo) => Promise<void>;

export interface JobQueue {
  readonly kind: 'bullmq' | 'in-process';
  add(name: string, data: JobData, options?: JobOptions): Promise<void>;
  /** Registers the handler for a job name; register every handler before adding jobs. */
  process<D extends JobData>(name: string, handler: JobHandler<D>): void;
  /**
   * Adds a job `name` right away and then every `everyMs`. Scheduling the same `schedulerId` again (a restart,
   * or another process on the same queue) replaces the schedule rather than adding one: however many processes
   * schedule it, one job per period. A run that fails is not retried; the next period's run comes anyway.
   */
  schedule(schedulerId: string, name: string, everyMs: number, data?: JobData): Promise<void>;
  /** Stops taking jobs and waits for the running handlers to finish. */
  close(): Promise<void>;
}

/** The little of a logger the queues use, so pino fits without this package depending on it. */
export interface JobLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentJobLogger: JobLogger = { warn() {}, error() {} };

export const backoffDelay = (backoffMs: number, failedAttempts: number) => Math.round(backoffMs * 2 ** (failedAttempts - 1));
