import type { Logger } from 'pino';
import type { CallRecord } from '@tollgate/domain';

/** Where batches of call records go: the database in one process, the portal (or a queue) when split. */
export interface CallRecordSink {
  /** Throws `RejectedBatchError` when the store refuses the batch itself; any other error is retried. */
  write(records: CallRecord[]): Promise<void> | void;
}

/** The store refused the batch as invalid: sending it again cannot succeed, so it must not block the rest. */
export class RejectedBatchError extends Error {}

export interface CallMeterOptions {
  sink: CallRecordSink;
  logger: Logger;
  /** Records held at most; beyond it new records are dropped and counted, never blocking a response. */
  maxBuffered?: number;
  flushIntervalMs?: number;
  /** Flush early once this many records wait. */
  batchSize?: number;
}

/**
 * The meter's buffer: `record()` is an array push on the request path; batches leave on a timer. A failed
 * batch is kept and retried, within the same bound.
 */
/** The part of the meter the request path uses (the metrics wrap it, so every finished call is counted once). */
export type RecordMeter = Pick<CallMeter, 'record' | 'countUnattributed'>;

export class CallMeter {
  #buffer: CallRecord[] = [];
  #flushing: Promise<void> | null = null;
  #timer: NodeJS.Timeout;
  readonly #sink: CallRecordSink;
  readonly #logger: Logger;
  readonly #max: number;
  readonly #batchSize: number;
  /**
   * recorded/flushed: records in and out; dropped: lost to the bound; rejected: refused by the store;
   * failedFlushes: attempts that will be retried; unattributed: requests without a known key (not stored).
   */
  readonly stats = { recorded: 0, flushed: 0, dropped: 0, rejected: 0, failedFlushes: 0, unattributed: 0 };

  constructor(options: CallMeterOptions) {
    this.#sink = options.sink;
    this.#logger = options.logger;
    this.#max = options.maxBuffered ?? 50_000;
    this.#batchSize = options.batchSize ?? 1_000;
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1_000);
    this.#timer.unref();
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  record(record: CallRecord): void {
    if (this.#buffer.length >= this.#max) {
      this.stats.dropped++;
      if (this.stats.dropped % 1_000 === 1) this.#logger.warn({ dropped: this.stats.dropped }, 'call record buffer full');
      return;
    }
    this.#buffer.push(record);
    this.stats.recorded++;
    if (this.#buffer.length >= this.#batchSize && !this.#flushing) setImmediate(() => void this.flush());
  }

  countUnattributed(): void {
    this.stats.unattributed++;
  }

  /** Sends everything buffered now; concurrent callers share one flush. */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, this.#batchSize);
      try {
        await this.#sink.write(batch);
        this.stats.flushed += batch.length;
      } catch (err) {
        if (err instanceof RejectedBatchError) {
          this.stats.rejected += batch.length;
          this.#logger.error({ err, records: batch.length }, 'the store rejected a call record batch; dropped');
          continue;
        }
        this.stats.failedFlushes++;
        this.#logger.error({ err, records: batch.length }, 'call record flush failed; will retry');
        // The batch goes back in front; whatever no longer fits the bound (its newest records) is dropped.
        const room = Math.max(0, this.#max - this.#buffer.length);
        this.stats.dropped += batch.length - Math.min(room, batch.length);
        this.#buffer.unshift(...batch.slice(0, room));
        return;
      }
    }
  }

  /** Stops the timer and flushes what is left (used on shutdown). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
