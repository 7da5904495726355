import { describe, expect, it } from 'vitest';
import type { SnapshotApp, SnapshotPlan, SnapshotService, SnapshotSubscription } from '@tollgate/domain';
import { limitModelKey, limitSpecs, monthWindow, type LimitScope } from './rules';
import { rateLimitHeaders } from './headers';
import { actualUsage, estimateTokens, estimateUsage } from './estimate';

const sub: SnapshotSubscription = { id: 'sub_s', appId: 'app_a', serviceId: 'svc_v', planId: 'plan_p', state: 'approved' };
const service: SnapshotService = { id: 'svc_v', teamId: 'team_p', teamSlug: 'publishers', slug: 'llm', name: 'LLM', kind: 'ai', lifecycle: 'published' };
const app: SnapshotApp = { id: 'app_a', teamId: 'team_c', name: 'Chatbot' };
const plan = (limits: SnapshotPlan['limits']): SnapshotPlan => ({ id: 'plan_p', serviceId: 'svc_v', name: 'gold', limits });
const scope = (over: Partial<LimitScope> = {}): LimitScope => ({
  service,
  plan: plan({}),
  subscription: sub,
  app,
  credential: { kind: 'key', id: 'key_k' },
  clientIp: '10.0.0.7',
  model: 'gpt-4o-mini',
  onUnavailable: 'local',
  ...over,
});
const estimate = { tokens: 1_500, costMicroUsd: 900, inputTokens: 500, inputCostMicroUsd: 300, outputTokens: 1_000, outputIsDefault: false };
const now = Date.UTC(2026, 10, 22, 12, 0, 0);

describe('limit rules', () => {
  it('has no rules when nothing is limited', () => {
    expect(limitSpecs(scope(), estimate, now)).toEqual([]);
  });

  it('turns every limit into a rule per dimension, counting requests once and tokens and spend by the estimate', () => {
    const specs = limitSpecs(
      scope({
        plan: plan({
          requestsPerSecond: 5,
          tokensPerMinute: 10_000,
          costBudgetMicroUsdPerMonth: 50_000_000,
          perKey: { requestsPerMinute: 60 },
          perIp: { requestsPerDay: 1_000 },
          perModel: { tokensPerDay: 200_000 },
          onLimiterUnavailable: 'closed',
        }),
        service: { ...service, limits: { requestsPerMinute: 6_000 } },
        app: { ...app, costBudgetMicroUsdPerMonth: 20_000_000, teamCostBudgetMicroUsdPerMonth: 100_000_000, limits: { tokensPerDay: 3_000_000 } },
      }),
      estimate,
      now,
    );
    const month = monthWindow(now);
    expect(specs.map((s) => [s.id, s.unit, s.rule.key, s.rule.limit, s.rule.windowMs, s.rule.cost ?? 1])).toEqual([
      ['plan-requests-s', 'requests', 'sub:sub_s:req:s', 5, 1_000, 1],
      ['plan-tokens-min', 'tokens', 'sub:sub_s:tok:min', 10_000, 60_000, 1_500],
      ['key-requests-min', 'requests', 'sub:sub_s:key:key_k:req:min', 60, 60_000, 1],
      ['ip-requests-day', 'requests', 'sub:sub_s:ip:10.0.0.7:req:day', 1_000, 86_400_000, 1],
      ['model-tokens-day', 'tokens', 'sub:sub_s:model:gpt-4o-mini:tok:day', 200_000, 86_400_000, 1_500],
      ['service-requests-min', 'requests', 'svc:svc_v:req:min', 6_000, 60_000, 1],
      ['app-tokens-day', 'tokens', 'app:app_a:tok:day', 3_000_000, 86_400_000, 1_500],
      ['plan-budget-month', 'micro-usd', `sub:sub_s:usd:${month.startMs}`, 50_000_000, month.lengthMs, 900],
      ['app-budget-month', 'micro-usd', `app:app_a:usd:${month.startMs}`, 20_000_000, month.lengthMs, 900],
      ['team-budget-month', 'micro-usd', `team:team_c:usd:${month.startMs}`, 100_000_000, month.lengthMs, 900],
    ]);
    // The plan's choice of failure mode wins over the gateway's default, for every rule of the call.
    expect(new Set(specs.map((s) => s.rule.onUnavailable))).toEqual(new Set(['closed']));
    expect(specs.find((s) => s.id === 'app-budget-month')!.rule.policy).toBe("app 'Chatbot': budget of 20 USD per month");
  });

  it('counts per-model limits under the resolved target, so an alias and a direct name share one count', () => {
    expect(limitModelKey([{ providerId: 'prv_p', model: 'gpt-4o-2024-08-06' }, { providerId: 'prv_q', model: 'x' }])).toBe('prv_p/gpt-4o-2024-08-06');
    expect(limitModelKey([])).toBeUndefined();
    const spec = limitSpecs(scope({ plan: plan({ perModel: { requestsPerMinute: 5 } }), model: 'prv_p/gpt-4o', modelName: 'openai/gpt-4o' }), estimate, now)[0]!;
    expect([spec.rule.key, spec.rule.policy]).toEqual(['sub:sub_s:model:prv_p/gpt-4o:req:min', "plan 'gold' per model (openai/gpt-4o): 5 requests per minute"]);
  });

  it('counts per-key limits per credential: a JWT credential has its own count, named as such', () => {
    const perKey = plan({ perKey: { requestsPerMinute: 7 } });
    const [jwt] = limitSpecs(scope({ plan: perKey, credential: { kind: 'jwt', id: 'crd_c' } }), estimate, now);
    expect([jwt!.id, jwt!.rule.key, jwt!.rule.policy]).toEqual(['key-requests-min', 'sub:sub_s:key:crd_c:req:min', "plan 'gold' per JWT credential: 7 requests per minute"]);
    const [key] = limitSpecs(scope({ plan: perKey }), estimate, now);
    expect([key!.rule.key, key!.rule.policy]).toEqual(['sub:sub_s:key:key_k:req:min', "plan 'gold' per key: 7 requests per minute"]);
  });

  it('uses UTC calendar months for budgets', () => {
    expect(monthWindow(Date.UTC(2026, 1, 14))).toEqual({ startMs: Date.UTC(2026, 1, 1), lengthMs: 28 * 86_400_000 });
    expect(monthWindow(Date.UTC(2026, 11, 31, 23, 59))).toEqual({ startMs: Date.UTC(2026, 11, 1), lengthMs: 31 * 86_400_000 });
  });

  it('reserves the output the caller allows, else the default, and prices the estimate at the target model', () => {
    expect(estimateTokens(100, 50, 1_024)).toEqual({ input: 100, output: 50, outputIsDefault: false });
    expect(estimateTokens(101, undefined, 1_024)).toEqual({ input: 101, output: 1_024, outputIsDefault: true });
    const provider = { id: 'prv_p', name: 'p', type: 'openai', baseUrl: 'x', apiKey: 'k', priceOverrides: { m: { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 } }, settings: {} } as const;
    const at = (model: string) => ({ provider, target: { providerId: 'prv_p' as const, model } });
    const tokens = { input: 100, output: 50, outputIsDefault: false };
    const parts = { inputTokens: 100, outputTokens: 50, outputIsDefault: false };
    expect(estimateUsage(tokens, [at('m')])).toEqual({ tokens: 150, costMicroUsd: 200, inputCostMicroUsd: 100, ...parts });
    expect(estimateUsage(tokens, [at('unpriced-model')])).toEqual({ tokens: 150, costMicroUsd: 0, inputCostMicroUsd: 0, ...parts });
    // A fallback that costs more sets the reservation: the call may end up there.
    const dear = { ...provider, priceOverrides: { ...provider.priceOverrides, big: { input_cost_per_token: 1e-5, output_cost_per_token: 2e-5 } } };
    expect(estimateUsage(tokens, [at('m'), { provider: dear, target: { providerId: 'prv_p', model: 'big' } }])).toEqual({ tokens: 150, costMicroUsd: 2_000, inputCostMicroUsd: 1_000, ...parts });
    // n choices multiply the output allowance.
    expect(estimateTokens(100, 50, 1_024, 4)).toEqual({ input: 100, output: 200, outputIsDefault: false });
    expect(actualUsage({ inputTokens: 10, cacheReadTokens: 5, cacheWriteTokens: 1, outputTokens: 7, reasoningTokens: 3, costMicroUsd: 42 })).toEqual({ tokens: 26, costMicroUsd: 42 });
  });
});

describe('rate-limit headers', () => {
  const specs = limitSpecs(scope({ plan: plan({ requestsPerMinute: 100, tokensPerDay: 10_000 }) }), estimate, now);
  const states = [
    { rule: specs[0]!.rule, remaining: 90, resetMs: 30_500 },
    { rule: specs[1]!.rule, remaining: 500, resetMs: 3_600_000 },
  ];

  it('lists every policy and its state, and picks the one closest to running out for X-RateLimit-*', () => {
    expect(rateLimitHeaders(specs, states)).toEqual({
      'ratelimit-policy': '"plan-requests-min";q=100;w=60, "plan-tokens-day";q=10000;w=86400;qu="tokens"',
      ratelimit: '"plan-requests-min";r=90;t=31, "plan-tokens-day";r=500;t=3600',
      'x-ratelimit-limit': '10000',
      'x-ratelimit-remaining': '500',
      'x-ratelimit-reset': '3600',
    });
  });

  it('names the refusing limit in X-RateLimit-* when one refused', () => {
    const refused = rateLimitHeaders(specs, [{ ...states[0]!, remaining: 0 }, states[1]!], specs[0]!.rule.key);
    expect(refused).toMatchObject({ 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '31' });
  });
});
