import type { Logger } from 'pino';
import type { CallRecord } from '@tollgate/domain';
import type { TraceContext } from '../steps/context';
import { StoreOutage } from './store-outage';
import { ThrottledCount } from './throttled-count';

/** Where batches of call records go: the database in one process, the portal (or a queue) when split. */
export interface CallRecordSink {
  /** Throws `RejectedBatchError` when the store refuses the batch itself; any other error is retried. */
  write(records: CallRecord[]): Promise<void> | void;
}

/** The store refused the batch as invalid: sending it again cannot succeed, so it must not block the rest. */
export class RejectedBatchError extends Error {
  constructor(
    message: string,
    /** How many of the batch's records were refused, when the store took the others; unset: all of them. */
    readonly records?: number,
  ) {
    super(message);
  }
}

export interface CallMeterOptions {
  sink: CallRecordSink;
  logger: Logger;
  /** Records held at most; beyond it new records are dropped and counted, never blocking a response. */
  maxBuffered?: number;
  flushIntervalMs?: number;
  /** Flush early once this many records wait. */
  batchSize?: number;
  /** On close, how long a failing store is retried before the records still held are given up (and logged). */
  shutdownRetryMs?: number;
  /** At most one warning per this interval while records are being dropped (default 10 s). */
  dropWarningIntervalMs?: number;
  /** While the store fails, at most one error line per this interval, after the first (default 10 s). */
  failureLogIntervalMs?: number;
  /**
   * Bytes of captured bodies held at most (default 256 MiB). Past it a new record keeps its place but loses
   * its bodies (counted in `stats.bodiesDropped`): the count bound alone would let 50,000 captures of up to
   * 2 MiB each take the process down during a store outage.
   */
  maxBufferedBodyBytes?: number;
  /** The bytes of captured bodies a record holds (0 without capture). */
  bodyBytesOf?: (record: CallRecord) => number;
}

/**
 * The part of the meter the request path uses. Metrics, the wide log event and the trace span wrap it, so
 * every finished call is counted, logged and traced once, where its record is complete.
 */
export interface RecordMeter {
  /** A call began: a clean stop waits for it to be recorded (or counted) before the last flush. */
  callStarted(): void;
  /** A call with a known key or team: stored. */
  record(record: CallRecord, trace?: TraceContext): void;
  /** A request without a known key: counted (and logged), never stored. */
  countUnattributed(record?: CallRecord, trace?: TraceContext): void;
}

/**
 * The meter's buffer: `record()` is an array push on the request path; batches leave on a timer. A failed
 * batch is kept and retried, within the same bound, after a wait that grows while the store keeps failing.
 */

export class CallMeter implements RecordMeter {
  #buffer: CallRecord[] = [];
  #flushing: Promise<void> | null = null;
  #timer: NodeJS.Timeout;
  readonly #sink: CallRecordSink;
  readonly #logger: Logger;
  readonly #max: number;
  readonly #batchSize: number;
  readonly #shutdownRetryMs: number;
  readonly #drops: ThrottledCount;
  readonly #outage: StoreOutage;
  /** Set while waiting out the backoff after a failed flush: no timer tick or full batch flushes meanwhile. */
  #retryTimer: NodeJS.Timeout | undefined;
  /** A full batch's flush is scheduled (one `setImmediate` for a burst of records, not one each). */
  #flushSoon = false;
  /** Records handed to the sink whose write has not finished yet. */
  #inFlight = 0;
  readonly #maxBodyBytes: number;
  readonly #bodyBytesOf: (record: CallRecord) => number;
  #bodyBytes = 0;
  #closed = false;
  /** close() began: it flushes with its own retries, so nothing else schedules a flush. */
  #closing = false;
  /** Calls begun and not yet recorded or counted (a stream still relaying, a handler finishing a cancel). */
  #openCalls = 0;
  /**
   * recorded/flushed: records in and out; dropped: lost to the bound (or arriving after close); rejected:
   * refused by the store; failedFlushes: attempts that will be retried; unattributed: requests without a known
   * key (not stored); bodiesDropped: records stored without their captured bodies (the body byte bound).
   */
  readonly stats = { recorded: 0, flushed: 0, dropped: 0, rejected: 0, failedFlushes: 0, unattributed: 0, bodiesDropped: 0 };

  constructor(options: CallMeterOptions) {
    this.#sink = options.sink;
    this.#logger = options.logger;
    this.#max = options.maxBuffered ?? 50_000;
    this.#batchSize = options.batchSize ?? 1_000;
    this.#shutdownRetryMs = options.shutdownRetryMs ?? 10_000;
    this.#drops = new ThrottledCount(options.dropWarningIntervalMs ?? 10_000);
    this.#outage = new StoreOutage(options.logger, options.failureLogIntervalMs ?? 10_000);
    this.#maxBodyBytes = options.maxBufferedBodyBytes ?? 256 * 1024 * 1024;
    this.#bodyBytesOf = options.bodyBytesOf ?? (() => 0);
    this.#timer = setInterval(() => {
      // Drops and failures that came after the last line are reported here, so a short burst is never silent.
      this.#reportDrops();
      this.#outage.report(this.#buffer.length);
      if (!this.#retryTimer) void this.flush();
    }, options.flushIntervalMs ?? 1_000);
    this.#timer.unref();
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  callStarted(): void {
    this.#openCalls++;
  }

  #callEnded(): void {
    if (this.#openCalls > 0) this.#openCalls--;
  }

  record(record: CallRecord): void {
    this.#callEnded();
    if (this.#buffer.length >= this.#max || this.#closed) {
      // After close nothing will flush it again (a stream cut at the drain timeout that ends late): say so.
      this.#drop(1);
      return;
    }
    const bodyBytes = this.#bodyBytesOf(record);
    if (bodyBytes > 0) {
      if (this.#bodyBytes + bodyBytes > this.#maxBodyBytes) {
        record.bodies = null;
        this.stats.bodiesDropped++;
      } else {
        this.#bodyBytes += bodyBytes;
      }
    }
    this.#buffer.push(record);
    this.stats.recorded++;
    // Not while backing off: with a failing store and a full batch waiting, every request would start a flush.
    if (this.#buffer.length >= this.#batchSize && !this.#flushing && !this.#flushSoon && !this.#retryTimer && !this.#closing) {
      this.#flushSoon = true;
      setImmediate(() => {
        this.#flushSoon = false;
        if (!this.#retryTimer) void this.flush();
      });
    }
  }

  #drop(count: number): void {
    this.stats.dropped += count;
    this.#drops.add(count);
    this.#reportDrops();
  }

  /** Warns about dropped records at once, then at most once per interval with the count since the last one. */
  #reportDrops(): void {
    const dropped = this.#drops.take();
    if (dropped === 0) return;
    this.#logger.warn(
      { dropped, droppedTotal: this.stats.dropped, buffered: this.#buffer.length, maxBuffered: this.#max },
      'call record buffer full: records dropped (the store is slow or unreachable)',
    );
  }

  countUnattributed(): void {
    this.#callEnded();
    this.stats.unattributed++;
  }

  /** Sends everything buffered now, backing off or not; concurrent callers share one flush. */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, this.#batchSize);
      this.#bodyBytes -= this.#bodyBytesIn(batch);
      this.#inFlight = batch.length;
      try {
        await this.#sink.write(batch);
        this.stats.flushed += batch.length;
        this.#storeAnswered();
      } catch (err) {
        if (err instanceof RejectedBatchError) {
          // The store is up and judged the records: that ends an outage too.
          this.#storeAnswered();
          const rejected = Math.min(err.records ?? batch.length, batch.length);
          this.stats.rejected += rejected;
          this.stats.flushed += batch.length - rejected;
          this.#logger.error({ err, records: rejected, batch: batch.length }, 'the store rejected call records; dropped');
          continue;
        }
        this.stats.failedFlushes++;
        const retryInMs = this.#outage.failed(err);
        // The batch goes back in front; whatever no longer fits the bound (its newest records) is dropped.
        const room = Math.max(0, this.#max - this.#buffer.length);
        if (batch.length > room) this.#drop(batch.length - room);
        const kept = batch.slice(0, room);
        this.#bodyBytes += this.#bodyBytesIn(kept);
        this.#buffer.unshift(...kept);
        // On close, close() retries on its own budget instead.
        if (!this.#closing) this.#retryAfter(retryInMs);
        this.#outage.report(this.#buffer.length);
        return;
      } finally {
        this.#inFlight = 0;
      }
    }
  }

  /** The next flush, `ms` from now; until then neither the timer nor a full batch starts one. */
  #retryAfter(ms: number): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.flush();
    }, ms);
    this.#retryTimer.unref();
  }

  #storeAnswered(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#outage.recovered();
  }

  #bodyBytesIn(records: readonly CallRecord[]): number {
    let bytes = 0;
    for (const record of records) bytes += this.#bodyBytesOf(record);
    return bytes;
  }

  /**
   * Stops the timer and flushes what is left (used on shutdown, after in-flight calls finished). A store that
   * fails or hangs is retried until `shutdownRetryMs` has passed; then the records not confirmed stored are
   * given up, logged as lost and returned, so the process can say so in its exit code.
   */
  async close(): Promise<{ lost: number }> {
    this.#closing = true;
    clearInterval(this.#timer);
    // The last flush keeps its own retry budget (below), whatever the backoff had reached.
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const deadline = Date.now() + this.#shutdownRetryMs;
    // A server that drained has no open connections, but a call whose client left may still be finishing
    // (its upstream request being cancelled): its record comes moments later, and it must be in the last flush.
    while (this.#openCalls > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    if (this.#openCalls > 0) this.#logger.warn({ openCalls: this.#openCalls }, 'closing the meter with calls still unfinished');
    this.#closed = true;
    let pause = 50;
    for (;;) {
      const settled = await settlesBefore(this.flush(), deadline);
      if (settled && this.#buffer.length === 0) return { lost: 0 };
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(pause * 2, 1_000);
    }
    this.#reportDrops();
    this.#outage.report(this.#buffer.length);
    const lost = this.#buffer.length + this.#inFlight;
    this.#logger.error(
      { lost, retriedForMs: this.#shutdownRetryMs, failedFlushes: this.stats.failedFlushes },
      'call records lost on shutdown: the store did not take them in time',
    );
    return { lost };
  }
}

/** Whether `promise` settled before `deadline` (a hung store must not hold a shutdown forever). */
async function settlesBefore(promise: Promise<void>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  const settled = await Promise.race([promise.then(() => true as const), late]);
  clearTimeout(timer);
  return settled;
}
