import { describe, expect, it } from 'vitest';
import { MemoryLimiter } from '@tollgate/limiter';
import type { SnapshotPlan, SnapshotSubscription } from '@tollgate/domain';
import { enforceLimits, planRequestRules } from './limit';

const sub: SnapshotSubscription = { id: 'sub_1234567890', appId: 'app_1234567890', serviceId: 'svc_1234567890', planId: 'plan_123456789', state: 'approved' };
const plan = (limits: SnapshotPlan['limits']): SnapshotPlan => ({ id: 'plan_123456789', serviceId: 'svc_1234567890', name: 'gold', limits });

describe('limit step', () => {
  it('turns each request limit of the plan into a rule counted per subscription', () => {
    const rules = planRequestRules(plan({ requestsPerSecond: 5, requestsPerMinute: 100, requestsPerDay: 1_000, tokensPerDay: 9 }), sub);
    expect(rules.map((r) => [r.key, r.limit, r.windowMs])).toEqual([
      ['sub:sub_1234567890:s', 5, 1_000],
      ['sub:sub_1234567890:min', 100, 60_000],
      ['sub:sub_1234567890:day', 1_000, 86_400_000],
    ]);
    expect(planRequestRules(plan({}), sub)).toEqual([]);
  });

  it('refuses with 429, Retry-After in whole seconds, and the policy in the message', async () => {
    const limiter = new MemoryLimiter();
    const rules = planRequestRules(plan({ requestsPerMinute: 1 }), sub);
    await enforceLimits(limiter, rules);
    const err = await enforceLimits(limiter, rules).catch((e) => e);
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect(Number(err.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(err.message).toMatch(/plan 'gold': 1 requests per min/);
    limiter.close();
  });
});
