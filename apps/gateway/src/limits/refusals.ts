import type { LimitDecision } from '@tollgate/limiter';
import { GatewayError } from '../errors';
import type { LimitSpec, UsageEstimate } from './rules';

/**
 * The answers for calls that token and spend limits cannot take (ADR 0027). A wait helps neither a call that
 * is bigger than a whole window nor one that needs more budget than is left this month, so their answers say
 * what to change instead of "Retry after 2571367 s".
 */

const usd = (microUsd: number) => `${(microUsd / 1e6).toFixed(6).replace(/0+$/, '').replace(/\.$/, '')} USD`;
const least = (spec: LimitSpec) => Math.ceil(spec.rule.minCost ?? spec.rule.cost ?? 1);

/**
 * A 400 for a call that can never fit one of its limits, even with nothing else counted: its input alone, or
 * its input plus the output allowance the caller sent, is more than the limit's whole window holds.
 */
export function assertCanFit(specs: readonly LimitSpec[], e: UsageEstimate): void {
  for (const spec of specs) {
    if (spec.unit === 'requests' || least(spec) <= spec.rule.limit) continue;
    const { policy, limit } = spec.rule;
    const inputFits = spec.unit === 'tokens' ? e.inputTokens <= limit : e.inputCostMicroUsd <= limit;
    const what = spec.unit === 'tokens' ? `about ${e.inputTokens} tokens` : `about ${usd(e.inputCostMicroUsd)}`;
    let message: string;
    if (!inputFits) {
      message = `This call can never fit ${policy}: its input alone is ${what}, more than the whole limit. Shorten the input.`;
    } else if (spec.unit === 'tokens') {
      message =
        `This call can never fit ${policy}: about ${e.inputTokens} input tokens plus ${e.outputTokens} output tokens allowed by max_tokens ` +
        `is more than the whole limit. Lower max_tokens so that input and output stay within ${limit} tokens (at most ${limit - e.inputTokens} output tokens).`;
    } else {
      message =
        `This call can never fit ${policy}: it may cost up to ${usd(e.costMicroUsd)} (about ${e.inputTokens} input tokens plus ` +
        `${e.outputTokens} output tokens allowed by max_tokens), more than the whole budget. Lower max_tokens, or ask for a larger budget.`;
    }
    throw new GatewayError(400, 'invalid_request_error', 'call_exceeds_limit', message, spec.unit === 'tokens' && inputFits ? 'max_tokens' : null);
  }
}

/**
 * A refusal by a monthly budget: used up (its input does not fit what is left), or only too small for the
 * output allowance the caller sent (the answer says how far to lower max_tokens). A default allowance is never
 * refused for its size: it shrinks to what is left. Neither answer has a Retry-After: what is left counts what
 * calls still running have reserved, so it may come back within seconds, or only when the month turns (which
 * the message dates); a month-long Retry-After would be wrong for the first.
 */
export function budgetRefusal(spec: LimitSpec, decision: LimitDecision, e: UsageEstimate, headers: Record<string, string>): GatewayError {
  const left = decision.states.find((s) => s.rule === spec.rule)?.remaining ?? 0;
  const monthEnds = (spec.rule.fixedWindowStart ?? 0) + spec.rule.windowMs;
  const held = 'counting what calls still running have reserved';
  if (left < Math.max(1, e.inputCostMicroUsd)) {
    const message = `Budget used up: ${spec.rule.policy}, with ${usd(left)} left this month (${held}). It starts afresh on ${new Date(monthEnds).toISOString().slice(0, 10)} (UTC).`;
    return new GatewayError(429, 'insufficient_quota', 'insufficient_quota', message, null, headers);
  }
  const perOutputToken = e.outputTokens > 0 ? (e.costMicroUsd - e.inputCostMicroUsd) / e.outputTokens : 0;
  const fitting = perOutputToken > 0 ? Math.floor((left - e.inputCostMicroUsd) / perOutputToken) : 0;
  const message =
    `This call may cost up to ${usd(e.costMicroUsd)} with max_tokens as sent (${e.outputTokens} output tokens), more than the ` +
    `${usd(left)} left this month in ${spec.rule.policy} (${held}). Lower max_tokens to at most ${fitting}, or leave it unset: a call without one reserves what is left.`;
  return new GatewayError(429, 'insufficient_quota', 'insufficient_quota', message, 'max_tokens', headers);
}
