import type { RetryPolicy } from '@tollgate/domain';

const WINDOW_SECONDS = 10;

/**
 * Envoy's retry budget over a sliding 10 s window of one-second buckets: retries may be at most
 * `budgetPercent` of the calls leased in the window, plus a floor of `minPerSecond` retries in the current
 * second so a quiet upstream can still retry. During an outage every call fails, and without the cap each one
 * would become `attempts + 1` calls on the nodes that are left. Fixed arrays: O(window) per question, no
 * allocation. The budget belongs to the upstream (service + name) and survives config revisions.
 */
export class RetryBudget {
  readonly #second = new Float64Array(WINDOW_SECONDS).fill(Number.NEGATIVE_INFINITY);
  readonly #calls = new Uint32Array(WINDOW_SECONDS);
  readonly #retries = new Uint32Array(WINDOW_SECONDS);

  recordCall(now: number): void {
    this.#calls[this.#bucket(now)]!++;
  }

  /** Counts the retry when it is allowed: the caller asks right before it makes the attempt. */
  tryRetry(now: number, policy: RetryPolicy): boolean {
    const bucket = this.#bucket(now);
    const second = this.#second[bucket]!;
    let calls = 0;
    let retries = 0;
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      if (this.#second[i]! > second - WINDOW_SECONDS) {
        calls += this.#calls[i]!;
        retries += this.#retries[i]!;
      }
    }
    const withinFloor = this.#retries[bucket]! < policy.minPerSecond;
    const withinPercent = (retries + 1) * 100 <= policy.budgetPercent * calls;
    if (!withinFloor && !withinPercent) return false;
    this.#retries[bucket]!++;
    return true;
  }

  #bucket(now: number): number {
    const second = Math.floor(now / 1_000);
    const bucket = ((second % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS;
    if (this.#second[bucket] !== second) {
      this.#second[bucket] = second;
      this.#calls[bucket] = 0;
      this.#retries[bucket] = 0;
    }
    return bucket;
  }
}
