/**
 * Stops sending to a Redis that keeps failing: after `threshold` consecutive failures it opens for
 * `coolDownMs`, then lets exactly one call through as a probe. The probe's success closes it again; its
 * failure opens it for another cool-down. So a dead Redis costs one failed call per cool-down instead of one
 * per request, and a Redis that comes back is used again without anyone restarting the gateway.
 */
export class CircuitBreaker {
  #failures = 0;
  #openUntil = 0;
  #probing = false;

  constructor(
    private readonly threshold: number,
    private readonly coolDownMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  get open(): boolean {
    return this.#failures >= this.threshold;
  }

  /** Whether a call may go to Redis now; while open, true once per cool-down (the probe). */
  allow(): boolean {
    if (!this.open) return true;
    if (this.#probing || this.clock() < this.#openUntil) return false;
    this.#probing = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#probing = false;
  }

  failure(): void {
    this.#failures++;
    this.#probing = false;
    if (this.open) this.#openUntil = this.clock() + this.coolDownMs;
  }
}
