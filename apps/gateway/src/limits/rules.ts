import type { LimiterUnavailableMode, ModelTarget, RateLimits, SnapshotApp, SnapshotPlan, SnapshotService, SnapshotSubscription } from '@tollgate/domain';
import type { LimitRule } from '@tollgate/limiter';
import type { Credential } from '../identity/credential';

/** What a limit counts: each request once, tokens (reserved, then settled), or spend in micro-USD (likewise). */
export type LimitUnit = 'requests' | 'tokens' | 'micro-usd';

/** A rule with what the response headers call it (`RateLimit-Policy: "plan-requests-min";q=…`) and its unit. */
export interface LimitSpec {
  rule: LimitRule;
  id: string;
  unit: LimitUnit;
}

export interface LimitScope {
  service: SnapshotService;
  plan: SnapshotPlan;
  subscription: SnapshotSubscription;
  app: SnapshotApp;
  /** `perKey` limits count per credential: an API key, or a JWT credential (all tokens of that subject). */
  credential: Pick<Credential, 'kind' | 'id'>;
  clientIp: string;
  /** What per-model limits count under (see limitModelKey), and the name the caller used, for messages. */
  model?: string;
  modelName?: string;
  /** The gateway's default for limits whose plan does not say what to do without Redis. */
  onUnavailable: LimiterUnavailableMode;
  /** A REST API's own request limits, counted per subscription on top of the plan's. */
  api?: { id: string; name: string; limits: RateLimits | null };
}

/** What this call is expected to use, reserved before it runs and settled with the real usage after. */
export interface UsageEstimate {
  tokens: number;
  costMicroUsd: number;
  /** The part it surely uses: its input (and what that costs, at the dearest target's price). */
  inputTokens: number;
  inputCostMicroUsd: number;
  outputTokens: number;
  /** The output part is the gateway's default allowance, not one the caller sent (ADR 0027). */
  outputIsDefault: boolean;
}

const windows = [
  ['PerSecond', 1_000, 's', 'second'],
  ['PerMinute', 60_000, 'min', 'minute'],
  ['PerDay', 86_400_000, 'day', 'day'],
] as const;

/**
 * What a per-model limit counts under: the model the call resolves to (its first target's provider and model),
 * not the name the caller typed, so an alias and a direct `provider/model` name share one count.
 */
export function limitModelKey(targets: readonly ModelTarget[]): string | undefined {
  const first = targets[0];
  return first && `${first.providerId}/${first.model}`;
}

/** UTC calendar month: budgets are per month as people read a bill, not a sliding 30 days. */
export function monthWindow(now: number): { startMs: number; lengthMs: number } {
  const d = new Date(now);
  const startMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return { startMs, lengthMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - startMs };
}

/**
 * Every limit that applies to one call, as limiter rules: the plan's per subscription, per credential, per client IP
 * and per model; the service's totals; and the monthly budgets of the subscription, the app and its team.
 * Request limits count 1; token and budget limits count the estimate, settled with the real usage afterwards.
 */
export function limitSpecs(scope: LimitScope, estimate: UsageEstimate, now = Date.now()): LimitSpec[] {
  const { plan, subscription, service, app } = scope;
  const onUnavailable = plan.limits.onLimiterUnavailable ?? scope.onUnavailable;
  const specs: LimitSpec[] = [];
  const rate = (limits: RateLimits | undefined, keyBase: string, idBase: string, who: string) => {
    if (!limits) return;
    for (const [suffix, windowMs, short, word] of windows) {
      const requests = limits[`requests${suffix}`];
      if (requests) {
        specs.push({
          id: `${idBase}-requests-${short}`,
          unit: 'requests',
          rule: { key: `${keyBase}:req:${short}`, limit: requests, windowMs, policy: `${who}: ${requests} requests per ${word}`, onUnavailable },
        });
      }
      const tokens = suffix === 'PerSecond' ? undefined : limits[`tokens${suffix as 'PerMinute' | 'PerDay'}`];
      if (tokens) {
        specs.push({
          id: `${idBase}-tokens-${short}`,
          unit: 'tokens',
          rule: {
            key: `${keyBase}:tok:${short}`,
            limit: tokens,
            windowMs,
            cost: estimate.tokens,
            // Only the gateway's default output allowance: the call fits while its input does (ADR 0027).
            ...(estimate.outputIsDefault ? { minCost: Math.max(1, estimate.inputTokens) } : {}),
            policy: `${who}: ${tokens} tokens per ${word}`,
            onUnavailable,
          },
        });
      }
    }
  };
  const planName = `plan '${plan.name}'`;
  const sub = `sub:${subscription.id}`;
  rate(plan.limits, sub, 'plan', planName);
  // An API key keeps the counter name it always had (`…:key:<key id>`), so counts survive an upgrade; a JWT or
  // workload credential id (`crd_…`) cannot collide with a key id.
  const perCredential = `${planName} per ${{ key: 'key', jwt: 'JWT credential', workload: 'workload credential' }[scope.credential.kind]}`;
  rate(plan.limits.perKey, `${sub}:key:${scope.credential.id}`, 'key', perCredential);
  rate(plan.limits.perIp, `${sub}:ip:${scope.clientIp}`, 'ip', `${planName} per client IP`);
  if (scope.api?.limits) rate(scope.api.limits, `${sub}:api:${scope.api.id}`, 'api', `API '${scope.api.name}' of ${planName}`);
  if (scope.model) rate(plan.limits.perModel, `${sub}:model:${scope.model}`, 'model', `${planName} per model (${scope.modelName ?? scope.model})`);
  rate(service.limits, `svc:${service.id}`, 'service', `service '${service.name}' (all subscribers)`);
  rate(app.limits, `app:${app.id}`, 'app', `app '${app.name}' (all its services)`);

  const month = monthWindow(now);
  const budget = (limit: number | null | undefined, keyBase: string, id: string, who: string) => {
    if (!limit) return;
    specs.push({
      id,
      unit: 'micro-usd',
      rule: {
        key: `${keyBase}:usd:${month.startMs}`,
        limit,
        windowMs: month.lengthMs,
        fixedWindowStart: month.startMs,
        cost: estimate.costMicroUsd,
        // Elastic when the output allowance is only the default: a call fits as long as its input does, and
        // reserves what is left (ADR 0027). The input costs at least a micro-USD, so a spent budget refuses.
        ...(estimate.outputIsDefault && estimate.costMicroUsd > 0 ? { minCost: Math.max(1, estimate.inputCostMicroUsd) } : {}),
        policy: `${who}: budget of ${limit / 1e6} USD per month`,
        onUnavailable,
      },
    });
  };
  budget(plan.limits.costBudgetMicroUsdPerMonth, sub, 'plan-budget-month', planName);
  budget(app.costBudgetMicroUsdPerMonth, `app:${app.id}`, 'app-budget-month', `app '${app.name}'`);
  budget(app.teamCostBudgetMicroUsdPerMonth, `team:${app.teamId}`, 'team-budget-month', "the app's team");
  return specs;
}
