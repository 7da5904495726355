import type { ModelTarget } from '@tollgate/domain';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open a target's circuit. */
  failureThreshold?: number;
  /** How long an open circuit keeps the target out before one trial call is let through. */
  openMs?: number;
}

interface TargetHealth {
  failures: number;
  openUntil: number;
}

const keyOf = (t: ModelTarget) => `${t.providerId} ${t.model}`;

/**
 * One circuit per target (provider × model), in this gateway process. A target that failed `failureThreshold`
 * times in a row is skipped for `openMs` while other targets remain; then one call may try it (half-open): a
 * success closes the circuit, a failure opens it again. A route whose targets are all open still tries them:
 * refusing outright would turn a provider's bad minute into a certain outage.
 */
export class CircuitBreakers {
  readonly #health = new Map<string, TargetHealth>();
  readonly #threshold: number;
  readonly #openMs: number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#openMs = options.openMs ?? 30_000;
  }

  /** The targets in the given order, those with an open circuit moved behind the rest. */
  arrange(targets: readonly ModelTarget[], now = Date.now()): ModelTarget[] {
    const closed: ModelTarget[] = [];
    const open: ModelTarget[] = [];
    for (const t of targets) (this.isOpen(t, now) ? open : closed).push(t);
    return [...closed, ...open];
  }

  isOpen(target: ModelTarget, now = Date.now()): boolean {
    const h = this.#health.get(keyOf(target));
    return h !== undefined && h.openUntil > now;
  }

  success(target: ModelTarget): void {
    this.#health.delete(keyOf(target));
  }

  failure(target: ModelTarget, now = Date.now()): void {
    const key = keyOf(target);
    const h = this.#health.get(key) ?? { failures: 0, openUntil: 0 };
    h.failures++;
    if (h.failures >= this.#threshold) h.openUntil = now + this.#openMs;
    this.#health.set(key, h);
  }
}
