/**
 * Counts events that are logged at once, then at most once per interval with the count since the last line:
 * the meter's dropped records and its failed flushes, where a line per event would flood the log.
 */
export class ThrottledCount {
  #unreported = 0;
  #lastTaken = -Infinity;

  constructor(readonly intervalMs: number) {}

  get unreported(): number {
    return this.#unreported;
  }

  add(count = 1): void {
    this.#unreported += count;
  }

  /** The count to log now, and from then on counted as logged; 0 when there is none or the interval has not passed. */
  take(now = Date.now()): number {
    if (this.#unreported === 0 || now - this.#lastTaken < this.intervalMs) return 0;
    this.#lastTaken = now;
    const count = this.#unreported;
    this.#unreported = 0;
    return count;
  }

  /** Forgets what was not logged (a later line already covers it). */
  clear(): void {
    this.#unreported = 0;
  }
}
