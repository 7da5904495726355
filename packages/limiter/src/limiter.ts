/**
 * One limit to check and count: at most `limit` per `windowMs` on `key`, where a request consumes `cost`
 * (default 1). Request limits cost 1; token and cost budgets reserve an estimate and settle the real amount
 * after the response. `policy` names the limit in the 429 body and the RateLimit-Policy header.
 */
export interface LimitRule {
  /** Counter identity, e.g. `sub:<id>:min`, `app:<id>:tokens:day`, `team:<id>:cost:month`. */
  key: string;
  limit: number;
  windowMs: number;
  policy: string;
  /**
   * A fixed window instead of a sliding one: it starts here and lasts `windowMs`, and nothing before it counts
   * (a budget per calendar month starts afresh on the 1st). Put the start in `key` too, so each window is its own counter.
   */
  fixedWindowStart?: number;
  /** Amount this request consumes now (default 1); for tokens or cost it is the reservation. Rounded up to an integer. */
  cost?: number;
  /**
   * An elastic reservation: the request fits with as little as this (a call's input, when its output allowance
   * is only the gateway's default), and reserves what room is left up to `cost`. A fixed-window budget with
   * less room than a full reservation still serves calls until it is used up, instead of refusing every one
   * until the month ends. Unset: the request needs its whole `cost`.
   */
  minCost?: number;
  /**
   * What to do while the shared store (Redis) is unreachable: `open` admits without counting, `closed`
   * refuses, `local` counts in this process's memory. Default `local`. MemoryLimiter ignores it.
   */
  onUnavailable?: 'open' | 'closed' | 'local';
}

/** Where one rule stands after the hit, for the X-RateLimit-* and RateLimit headers. */
export interface RuleState {
  rule: LimitRule;
  /** What is left for the rest of the window, after this hit when it was admitted (floored, never below 0). */
  remaining: number;
  /**
   * Ms until the rule has room again: the end of the current window while another hit of the same cost
   * would still fit, else the time until it would fit if nothing else arrived.
   */
  resetMs: number;
}

/** One counted cell of a reservation. The window start identifies the cell, so settlement adjusts that one. */
export interface ReservedCell {
  readonly key: string;
  readonly windowMs: number;
  readonly windowStart: number;
  readonly amount: number;
  /** Which counter holds it: Redis, or process memory (MemoryLimiter, or a Redis outage's `local` rules). */
  readonly store: 'redis' | 'memory';
}

/** What one admitted hit counted. Opaque to callers: hand it back to `settle` once the real amounts are known. */
export interface Reservation {
  readonly cells: readonly ReservedCell[];
}

export interface LimitDecision {
  allowed: boolean;
  /** When refused: the rule that refused (the one that frees up last when several do). */
  refusedBy?: LimitRule;
  /** When refused: how long until this same request would fit if nothing else arrived; 0 when allowed. */
  retryAfterMs: number;
  /** One per rule, in rule order. */
  states: RuleState[];
  /** 'redis' normally; 'memory' for MemoryLimiter; 'degraded' when Redis was unavailable and `onUnavailable` applied. */
  source: 'redis' | 'memory' | 'degraded';
  /** Present when allowed and something was counted. */
  reservation?: Reservation;
}

export interface Limiter {
  /**
   * Admits the request only when every rule has room for its `cost`; then counts it on all of them, atomically.
   * Never throws: an unreachable store is answered according to each rule's `onUnavailable`.
   */
  hit(rules: readonly LimitRule[], now?: number): Promise<LimitDecision> | LimitDecision;
  /**
   * Replaces what a reservation counted with the real amounts, per rule key (a missing key keeps the
   * reservation). Adjusts the cell the reservation was counted in while it still weighs on the window, and is
   * dropped after that. Applies once per reservation; may be batched, so it is never on a request's critical path.
   */
  settle(reservation: Reservation, actual: Record<string, number>): void;
  close(): Promise<void> | void;
}
