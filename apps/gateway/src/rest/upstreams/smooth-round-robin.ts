import type { RequestFacts } from './contract';
import type { Balancer, UpstreamPool } from './upstream-pool';

/** Longer cycles are served by the live O(n) algorithm rather than a table. */
const MAX_SCHEDULE = 4_096;

/**
 * nginx's smooth weighted round robin: every pick adds each node's weight to its running score, takes the
 * highest and subtracts the total from it. Weights 5/1/1 give `a a b a c a a`, never `a a a a a b c`, so a heavy
 * node gets its share without bursts. The sequence repeats every sum-of-weights picks, so while every node is
 * usable a precomputed table makes the pick O(1); a degraded pool or a retry (exclusions) runs the live
 * algorithm over the usable nodes, which keeps the survivors smooth too.
 */
export class SmoothRoundRobin implements Balancer {
  readonly #weights: Float64Array;
  readonly #current: Float64Array;
  readonly #schedule: Uint32Array | null;
  #cursor = 0;

  constructor(weights: readonly number[]) {
    this.#weights = Float64Array.from(weights);
    this.#current = new Float64Array(weights.length);
    this.#schedule = buildSchedule(weights);
  }

  pick(pool: UpstreamPool, _request: RequestFacts, exclude: ReadonlySet<string>): number {
    const schedule = this.#schedule;
    if (schedule !== null && pool.allUsable(exclude)) {
      const index = schedule[this.#cursor]!;
      this.#cursor = this.#cursor + 1 === schedule.length ? 0 : this.#cursor + 1;
      return index;
    }
    return this.#pickLive(pool, exclude);
  }

  #pickLive(pool: UpstreamPool, exclude: ReadonlySet<string>): number {
    const weights = this.#weights;
    const current = this.#current;
    let total = 0;
    let best = -1;
    for (let i = 0; i < weights.length; i++) {
      if (!pool.usable(i, exclude)) continue;
      current[i]! += weights[i]!;
      total += weights[i]!;
      if (best < 0 || current[i]! > current[best]!) best = i;
    }
    if (best >= 0) current[best]! -= total;
    return best;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** One full cycle of the smooth sequence, on weights divided by their gcd (2/2/4 cycles like 1/1/2). */
export function buildSchedule(weights: readonly number[]): Uint32Array | null {
  if (weights.length === 0 || !weights.every((w) => Number.isInteger(w) && w > 0)) return null;
  const divisor = weights.reduce(gcd);
  const reduced = weights.map((w) => w / divisor);
  const length = reduced.reduce((a, b) => a + b, 0);
  if (length > MAX_SCHEDULE) return null;
  const current = new Float64Array(reduced.length);
  const schedule = new Uint32Array(length);
  for (let step = 0; step < length; step++) {
    let best = 0;
    for (let i = 0; i < reduced.length; i++) {
      current[i]! += reduced[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= length;
    schedule[step] = best;
  }
  return schedule;
}
