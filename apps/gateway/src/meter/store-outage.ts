import type { Logger } from 'pino';
import { ThrottledCount } from './throttled-count';

/** The wait before the first retry after a failed flush; each failure in a row doubles it, up to `maxRetryMs`. */
export const firstRetryMs = 250;
/** Short enough that a store back from an outage gets the records within seconds, long enough to be no load. */
export const maxRetryMs = 10_000;

/**
 * A call-record store that fails flushes, seen by the meter: how long to wait before the next try, and what
 * to log. With Redis down and a full batch waiting, every request used to start a flush and log its failure
 * with a stack (1,068 lines in 4.6 s, issue 16); now the outage is logged once with its error, then at most
 * once per interval as one line with the count, and its end once. Jitter is left out: each gateway's outage
 * starts at its own moment and a retry is at most one write of a batch, so gateways do not meet in step.
 */
export class StoreOutage {
  #failedInRow = 0;
  #since = 0;
  #lastError: unknown;
  /** Whether this outage's first line (with the error itself) is out. */
  #announced = false;
  readonly #failures: ThrottledCount;
  readonly #logger: Logger;

  constructor(logger: Logger, logIntervalMs: number) {
    this.#logger = logger;
    // Shared by successive outages, so a store that flaps cannot log a line per flap either.
    this.#failures = new ThrottledCount(logIntervalMs);
  }

  /** Whether the last flush failed (and no write has succeeded since). */
  get failing(): boolean {
    return this.#failedInRow > 0;
  }

  /** A flush failed: counts it and returns how long to wait before the next try. */
  failed(err: unknown): number {
    if (this.#failedInRow === 0) {
      this.#since = Date.now();
      this.#announced = false;
    }
    this.#failedInRow++;
    this.#lastError = err;
    this.#failures.add();
    return this.#retryInMs();
  }

  #retryInMs(): number {
    return Math.min(firstRetryMs * 2 ** (this.#failedInRow - 1), maxRetryMs);
  }

  /** Logs the failures not logged yet, if the interval allows: the first with the error, later ones as a count. */
  report(buffered: number): void {
    if (!this.failing) return;
    const failedFlushes = this.#failures.take();
    if (failedFlushes === 0) return;
    const retryInMs = this.#retryInMs();
    if (!this.#announced) {
      this.#announced = true;
      this.#logger.error(
        { err: this.#lastError, failedFlushes, buffered, retryInMs },
        `call record flush failed; retrying with backoff (while it fails, one line at most every ${this.#failures.intervalMs / 1_000} s)`,
      );
      return;
    }
    this.#logger.error(
      { failedFlushes, failedInRow: this.#failedInRow, failingForMs: Date.now() - this.#since, buffered, retryInMs, error: messageOf(this.#lastError) },
      `call record store still failing: ${failedFlushes} more failed flushes, ${buffered} records waiting`,
    );
  }

  /** The store took a write: ends the outage, logged once. */
  recovered(): void {
    if (!this.failing) return;
    this.#logger.info(
      { failedFlushes: this.#failedInRow, outageMs: Date.now() - this.#since },
      `call record store recovered after ${this.#failedInRow} failed flushes`,
    );
    this.#failedInRow = 0;
    this.#lastError = undefined;
    // The recovery line counts them all.
    this.#failures.clear();
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
