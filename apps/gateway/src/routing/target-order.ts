import type { ModelTarget } from '@tollgate/domain';

/**
 * The order in which a call tries a route's targets. Without weights, the listed order (ordered fallback).
 * With weights, a weighted draw without replacement: the first target is picked in proportion to its weight,
 * then the next among the rest, and so on, so every target stays a fallback; weight-0 targets come last in
 * their listed order.
 */
export function orderTargets(targets: readonly ModelTarget[], random: () => number = Math.random): ModelTarget[] {
  if (!targets.some((t) => t.weight !== undefined)) return [...targets];
  const pool = targets.filter((t) => (t.weight ?? 1) > 0);
  const fallbackOnly = targets.filter((t) => (t.weight ?? 1) === 0);
  const ordered: ModelTarget[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, t) => sum + (t.weight ?? 1), 0);
    let point = random() * total;
    let index = pool.findIndex((t) => (point -= t.weight ?? 1) < 0);
    if (index < 0) index = pool.length - 1;
    ordered.push(pool.splice(index, 1)[0]!);
  }
  return [...ordered, ...fallbackOnly];
}
