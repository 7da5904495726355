import { createHash } from 'node:crypto';
import type { ModelPrice, ModelTarget, PlanLimits, PromptSpecJson, ProviderType, RateLimits, SnapshotData, SubscriptionState } from '@tollgate/domain';

export const testKeys = { approved: 'tg_test_key_approved_0001', pending: 'tg_test_key_pending_00001', unsubscribed: 'tg_test_key_nosub_000001' };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export interface TestSnapshotOptions {
  revision?: number;
  /** The mock provider's base URL (`…/v1`) and key. */
  providerUrl: string;
  providerKey?: string;
  /** A second provider tried after the first fails. */
  fallbackProviderUrl?: string;
  requestsPerMinute?: number;
  /** The plan's limits in full (wins over `requestsPerMinute`), the service's totals and the monthly budgets. */
  planLimits?: PlanLimits;
  serviceLimits?: RateLimits;
  appCostBudget?: number;
  teamCostBudget?: number;
  /** Prompt APIs of the service (slug `llm`), served at `/llm<path>`. */
  prompts?: Array<{ path: string; spec: PromptSpecJson; version?: number }>;
  /** Prices of the primary provider, by model. */
  priceOverrides?: Record<string, ModelPrice>;
  pendingState?: SubscriptionState;
  lifecycle?: 'published' | 'deprecated' | 'retired';
  /** The provider-side model behind the public name `gpt-4o-mini`. */
  upstreamModel?: string;
  /** The primary provider's type and settings (default `openai`, no settings). */
  providerType?: ProviderType;
  providerSettings?: Record<string, string>;
}

/**
 * A snapshot as the portal would compile it: one AI service exposing `gpt-4o-mini`, three apps — one with an
 * approved subscription, one whose subscription is in `pendingState`, one with none.
 */
export function testSnapshot(o: TestSnapshotOptions): SnapshotData {
  const app = (n: string) => ({
    id: `app_${n}000000000` as const,
    teamId: 'team_consumer00' as const,
    name: `${n} app`,
    costBudgetMicroUsdPerMonth: o.appCostBudget ?? null,
    teamCostBudgetMicroUsdPerMonth: o.teamCostBudget ?? null,
  });
  const targets: ModelTarget[] = [{ providerId: 'prv_primary0000', model: o.upstreamModel ?? 'gpt-4o-mini' }];
  if (o.fallbackProviderUrl) targets.push({ providerId: 'prv_fallback000', model: 'gpt-4o-mini' });
  return {
    revision: o.revision ?? 1,
    compiledAt: new Date().toISOString(),
    keys: [
      { id: 'key_approved000', appId: app('approved').id, hash: sha(testKeys.approved), prefix: testKeys.approved.slice(0, 12), expiresAt: null },
      { id: 'key_pending0000', appId: app('pending').id, hash: sha(testKeys.pending), prefix: testKeys.pending.slice(0, 12), expiresAt: null },
      { id: 'key_nosub000000', appId: app('nosub').id, hash: sha(testKeys.unsubscribed), prefix: 'tg_test_key_', expiresAt: null },
    ],
    apps: [app('approved'), app('pending'), app('nosub')],
    services: [{ id: 'svc_llm00000000', teamId: 'team_publisher0', teamSlug: 'publishers', slug: 'llm', name: 'LLM', kind: 'ai', lifecycle: o.lifecycle ?? 'published', limits: o.serviceLimits }],
    plans: [{ id: 'plan_gold000000', serviceId: 'svc_llm00000000', name: 'gold', limits: o.planLimits ?? (o.requestsPerMinute ? { requestsPerMinute: o.requestsPerMinute } : {}) }],
    subscriptions: [
      { id: 'sub_approved000', appId: app('approved').id, serviceId: 'svc_llm00000000', planId: 'plan_gold000000', state: 'approved' },
      { id: 'sub_pending0000', appId: app('pending').id, serviceId: 'svc_llm00000000', planId: 'plan_gold000000', state: o.pendingState ?? 'pending' },
    ],
    providers: [
      {
        id: 'prv_primary0000',
        name: 'primary',
        type: o.providerType ?? 'openai',
        baseUrl: o.providerUrl,
        apiKey: o.providerKey ?? 'sk-mock',
        priceOverrides: o.priceOverrides ?? {},
        settings: o.providerSettings ?? {},
      },
      ...(o.fallbackProviderUrl
        ? [{ id: 'prv_fallback000' as const, name: 'fallback', type: 'openai' as const, baseUrl: o.fallbackProviderUrl, apiKey: 'sk-mock', priceOverrides: {}, settings: {} }]
        : []),
    ],
    modelRoutes: [{ serviceId: 'svc_llm00000000', name: 'gpt-4o-mini', targets }],
    prompts: (o.prompts ?? []).map((p, i) => ({
      serviceId: 'svc_llm00000000' as const,
      id: `prm_test${String(i).padStart(8, '0')}` as const,
      name: p.path.slice(1),
      path: p.path,
      version: p.version ?? 1,
      spec: p.spec,
    })),
    restServices: [],
    restApis: [],
    jwtCredentials: [],
    workloadCredentials: [],
  };
}
