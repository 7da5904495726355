import type { RuleState } from '@tollgate/limiter';
import type { LimitSpec } from './rules';

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1_000));

/**
 * The rate-limit response fields for every limit that applied, allowed or refused:
 * - `RateLimit-Policy` and `RateLimit` as in draft-ietf-httpapi-ratelimit-headers (one list member per limit,
 *   `q`/`w` for the quota and window, `r`/`t` for what remains and when it resets, `qu` for a non-request unit);
 * - the widespread `X-RateLimit-Limit/Remaining/Reset` for the one limit closest to running out (or the one
 *   that refused), since those fields hold a single value.
 */
export function rateLimitHeaders(specs: readonly LimitSpec[], states: readonly RuleState[], refusedKey?: string): Record<string, string> {
  if (!specs.length || specs.length !== states.length) return {};
  const policy: string[] = [];
  const current: string[] = [];
  let tightest = 0;
  specs.forEach((spec, i) => {
    const state = states[i]!;
    const unit = spec.unit === 'requests' ? '' : `;qu="${spec.unit}"`;
    policy.push(`"${spec.id}";q=${spec.rule.limit};w=${seconds(spec.rule.windowMs)}${unit}`);
    current.push(`"${spec.id}";r=${Math.max(0, Math.floor(state.remaining))};t=${seconds(state.resetMs)}`);
    const ratio = (s: RuleState) => s.remaining / s.rule.limit;
    if (refusedKey ? spec.rule.key === refusedKey : ratio(state) < ratio(states[tightest]!)) tightest = i;
  });
  const chosen = states[tightest]!;
  return {
    'ratelimit-policy': policy.join(', '),
    ratelimit: current.join(', '),
    'x-ratelimit-limit': String(chosen.rule.limit),
    'x-ratelimit-remaining': String(Math.max(0, Math.floor(chosen.remaining))),
    'x-ratelimit-reset': String(seconds(chosen.resetMs)),
  };
}
