import type { Context } from 'hono';
import type { LimiterUnavailableMode, RateLimits, SnapshotPlan, SnapshotService, SnapshotSubscription } from '@tollgate/domain';
import type { LimitDecision, Limiter } from '@tollgate/limiter';
import type { GatewayEnv } from '../env';
import { GatewayError } from '../errors';
import { actualUsage, estimateUsage, type PricedTarget } from '../limits/estimate';
import { rateLimitHeaders } from '../limits/headers';
import { limitSpecs, type LimitSpec } from '../limits/rules';
import { assertCanFit, budgetRefusal } from '../limits/refusals';
import type { InputTokenCounter } from '../limits/input-tokens';
import type { TokenEstimate } from '../limits/estimate';

export interface LimitSettings {
  limiter: Limiter;
  /** The output allowance reserved for a call that sends none, and how input tokens are counted. */
  reserveOutputTokens: number;
  inputTokens: InputTokenCounter;
  /** For limits whose plan does not choose: what to do while Redis is unreachable. */
  onUnavailable: LimiterUnavailableMode;
  /** Told of every decision (the metrics count them). */
  onDecision?: (decision: LimitDecision) => void;
}

export interface LimitedCall {
  service: SnapshotService;
  plan: SnapshotPlan;
  subscription: SnapshotSubscription;
  model?: string;
  modelName?: string;
  /** Expected tokens (input estimate, allowed output) and the targets that may serve them, for the price. */
  tokens: TokenEstimate;
  targets: readonly PricedTarget[];
  /** A REST API with limits of its own (ADR 0018), checked in the same limiter call. */
  api?: { id: string; name: string; limits: RateLimits | null };
}

/** What the limiter is told for each unit when the call ends: the real tokens or spend, in place of the estimate. */
function settlement(specs: readonly LimitSpec[], record: Parameters<typeof actualUsage>[0]): Record<string, number> {
  const used = actualUsage(record);
  const actual: Record<string, number> = {};
  for (const spec of specs) {
    if (spec.unit === 'tokens') actual[spec.rule.key] = used.tokens;
    if (spec.unit === 'micro-usd') actual[spec.rule.key] = used.costMicroUsd;
  }
  return actual;
}

/**
 * The limit step: every limit that applies (DESIGN §2 step 5) checked and counted in one limiter call. Token
 * and spend limits reserve the estimate now and are settled with the real usage when the call's record is
 * complete, streams included, so concurrent calls cannot overshoot by more than what is in flight. Answers
 * the rate-limit headers for the response, or throws a 429 (never a 503) naming the exceeded limit.
 */
export async function enforceLimits(c: Context<GatewayEnv>, settings: LimitSettings, call: LimitedCall): Promise<Record<string, string>> {
  const estimate = estimateUsage(call.tokens, call.targets);
  const specs = limitSpecs(
    {
      service: call.service,
      plan: call.plan,
      subscription: call.subscription,
      app: c.get('app'),
      credential: c.get('credential'),
      clientIp: c.get('clientIp'),
      model: call.model,
      modelName: call.modelName,
      api: call.api,
      onUnavailable: settings.onUnavailable,
    },
    estimate,
  );
  c.get('call').estimatedInputTokens = call.tokens.input;
  if (specs.length === 0) return {};
  // Before the limiter: a call bigger than a whole window is a 400, whatever else is counted.
  assertCanFit(specs, estimate);
  const decision = await settings.limiter.hit(specs.map((s) => s.rule));
  settings.onDecision?.(decision);
  const headers = rateLimitHeaders(specs, decision.states, decision.refusedBy?.key);
  if (!decision.allowed) {
    const refusedSpec = specs.find((s) => s.rule === decision.refusedBy);
    if (refusedSpec?.unit === 'micro-usd' && decision.source !== 'degraded') throw budgetRefusal(refusedSpec, decision, estimate, headers);
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1_000));
    const policy = decision.refusedBy?.policy ?? 'a limit';
    const message =
      decision.source === 'degraded'
        ? `Rate limit store unavailable: ${policy} refuses calls while it cannot be counted. Retry after ${seconds} s.`
        : `Rate limit exceeded: ${policy}. Retry after ${seconds} s.`;
    throw new GatewayError(429, 'rate_limit_error', 'rate_limit_exceeded', message, null, { ...headers, 'retry-after': String(seconds) });
  }
  // Kept for an error the gateway itself answers later (all targets failed, say); not set with c.header(),
  // which would build a WHATWG Headers object on every successful call.
  c.set('rateLimitHeaders', headers);
  const { reservation } = decision;
  const settles = specs.some((s) => s.unit !== 'requests');
  const draft = c.get('call');
  if (reservation && settles) {
    draft.onFinish((record) => {
      // A provider that answered bills the call even when its usage never arrived (the client left before the
      // stream's last chunk, the body could not be read): the reservation stands rather than a free call.
      const usageLost = draft.upstreamAnswered && (draft.keepReservation || actualUsage(record).tokens === 0);
      settings.limiter.settle(reservation, usageLost ? {} : settlement(specs, record));
    });
  }
  return headers;
}
