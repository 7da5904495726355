/**
 * One limit to check and count: `limit` hits per `windowMs` on `key`. `policy` names it for the 429 body.
 * The limiter issue adds a Redis implementation behind this same interface, checked in one round trip.
 */
export interface LimitRule {
  key: string;
  limit: number;
  windowMs: number;
  policy: string;
}

export interface LimitDecision {
  allowed: boolean;
  /** When refused: the rule that refused and how long until one more hit fits. */
  refusedBy?: LimitRule;
  retryAfterMs: number;
}

export interface Limiter {
  /** Checks every rule and, only when all allow, counts one hit on each: all or nothing. */
  hit(rules: readonly LimitRule[], now?: number): LimitDecision | Promise<LimitDecision>;
}
