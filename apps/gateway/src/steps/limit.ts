import type { SnapshotPlan, SnapshotSubscription } from '@tollgate/domain';
import type { LimitRule, Limiter } from '@tollgate/limiter';
import { GatewayError } from '../errors';

const windows = [
  ['requestsPerSecond', 1_000, 's'],
  ['requestsPerMinute', 60_000, 'min'],
  ['requestsPerDay', 86_400_000, 'day'],
] as const;

/** The request limits of a subscription's plan, counted per subscription. Token and cost limits come later. */
export function planRequestRules(plan: SnapshotPlan, subscription: SnapshotSubscription): LimitRule[] {
  const rules: LimitRule[] = [];
  for (const [field, windowMs, unit] of windows) {
    const limit = plan.limits[field];
    if (limit) rules.push({ key: `sub:${subscription.id}:${unit}`, limit, windowMs, policy: `plan '${plan.name}': ${limit} requests per ${unit}` });
  }
  return rules;
}

/** The limit step: every rule checked and counted in one limiter call; a refusal is a 429 with Retry-After. */
export async function enforceLimits(limiter: Limiter, rules: LimitRule[]): Promise<void> {
  if (rules.length === 0) return;
  const decision = await limiter.hit(rules);
  if (decision.allowed) return;
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1_000));
  throw new GatewayError(
    429,
    'rate_limit_error',
    'rate_limit_exceeded',
    `Rate limit exceeded: ${decision.refusedBy?.policy}. Retry after ${seconds} s.`,
    null,
    { 'retry-after': String(seconds) },
  );
}
