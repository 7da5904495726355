import type { LimitDecision, LimitRule, RuleState } from './limiter';

/**
 * The sliding-window counter shared by every limiter: a rule's estimate is its current cell plus the previous
 * cell weighted by how much of the previous window still overlaps the sliding one. The stores only differ in
 * where the two cells live; the arithmetic and the decision built from them are here, once.
 */
export interface Cells {
  /** Start of the current window: `now - now % windowMs` (callers' clocks are assumed in sync). */
  start: number;
  current: number;
  previous: number;
}

/** The current window's start: the rule's fixed start, else the multiple of `windowMs` at or before `now`. */
export const windowStart = (rule: LimitRule, now: number): number => rule.fixedWindowStart ?? now - (now % rule.windowMs);

/** A fixed window has no previous cell that still weighs on it. */
export const isFixed = (rule: LimitRule): boolean => rule.fixedWindowStart !== undefined;

/** Amounts are integers so Redis can count them with INCRBY; a fractional estimate is rounded up (reserve more, not less). */
export const amount = (value: number | undefined, fallback = 1): number => {
  const n = value ?? fallback;
  return Number.isFinite(n) && n > 0 ? Math.ceil(n) : 0;
};

export const estimate = (rule: LimitRule, cells: Cells, now: number): number =>
  cells.previous * (1 - (now - cells.start) / rule.windowMs) + cells.current;

/** The least a hit needs to be admitted: its whole cost, or an elastic rule's minimum (never more than its cost). */
export const need = (rule: LimitRule): number => (rule.minCost === undefined ? amount(rule.cost) : Math.min(amount(rule.minCost), amount(rule.cost)));

export const fits = (rule: LimitRule, cells: Cells, now: number): boolean => estimate(rule, cells, now) + need(rule) <= rule.limit;

/**
 * What an admitted hit counts: its cost, or for an elastic rule the room left, between its minimum and its
 * cost. The Redis script does the same arithmetic (scripts.ts) and returns what it counted.
 */
export function reserved(rule: LimitRule, cells: Cells, now: number): number {
  const cost = amount(rule.cost);
  if (rule.minCost === undefined) return cost;
  return Math.max(need(rule), Math.min(cost, Math.floor(rule.limit - estimate(rule, cells, now))));
}

/**
 * Ms until `cost` more fits if nothing else arrives: first while the previous cell decays in this window, else
 * once this window's count has become the decaying previous cell of the next one; a fixed window, when it ends.
 * A cost above the limit never fits; it gets the time until every count of now has gone.
 */
export function retryAfter(rule: LimitRule, cells: Cells, now: number, cost = need(rule)): number {
  const room = rule.limit - cost - cells.current;
  const nextStart = cells.start + rule.windowMs;
  let at: number;
  if (isFixed(rule)) {
    at = nextStart;
  } else if (room >= 0 && cells.previous > 0) {
    at = cells.start + rule.windowMs * (1 - room / cells.previous);
  } else if (rule.limit - cost < 0) {
    at = nextStart + rule.windowMs;
  } else {
    const overflow = cells.current > rule.limit - cost ? 1 - (rule.limit - cost) / cells.current : 0;
    at = nextStart + rule.windowMs * overflow;
  }
  return Math.max(1, Math.ceil(at - now));
}

function stateOf(rule: LimitRule, cells: Cells, now: number): RuleState {
  const left = rule.limit - estimate(rule, cells, now);
  const remaining = Math.max(0, Math.floor(left + 1e-9));
  const cost = need(rule);
  const resetMs = left >= cost ? cells.start + rule.windowMs - now : retryAfter(rule, cells, now, cost);
  return { rule, remaining, resetMs };
}

/**
 * The decision for cells read before counting. `allowed` comes from the store (which checked atomically);
 * when refused, the refusing rule is the one that frees up last, so Retry-After is when the request fits.
 */
export function decide(
  rules: readonly LimitRule[],
  cells: readonly Cells[],
  now: number,
  allowed: boolean,
  source: LimitDecision['source'],
  /** When allowed: what was counted per rule (see `reserved`). */
  counted: readonly number[] = rules.map((rule) => amount(rule.cost)),
): LimitDecision {
  if (allowed) {
    const states = rules.map((rule, i) => stateOf(rule, { ...cells[i]!, current: cells[i]!.current + counted[i]! }, now));
    return { allowed, retryAfterMs: 0, states, source };
  }
  let refusedBy: LimitRule | undefined;
  let retryAfterMs = 0;
  rules.forEach((rule, i) => {
    if (fits(rule, cells[i]!, now)) return;
    const wait = retryAfter(rule, cells[i]!, now);
    if (!refusedBy || wait > retryAfterMs) [refusedBy, retryAfterMs] = [rule, wait];
  });
  // The store refused, so some rule must not fit; should float rounding ever disagree, blame the first rule.
  if (!refusedBy) [refusedBy, retryAfterMs] = [rules[0]!, 1];
  return { allowed, refusedBy, retryAfterMs, states: rules.map((rule, i) => stateOf(rule, cells[i]!, now)), source };
}
