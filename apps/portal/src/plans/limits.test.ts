import { afterEach, describe, expect, it } from 'vitest';
import { compileSnapshot } from '../snapshot/compile';
import { fixturePerTest } from '../testing/portal-fixture';
import { createMarket } from '../testing/market';

const fixture = fixturePerTest(afterEach);

describe('limits and budgets for the gateway', () => {
  it('stores plan limits per dimension, service totals and monthly budgets, and compiles them into the snapshot', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const limits = {
      requestsPerMinute: 600,
      tokensPerDay: 1_000_000,
      costBudgetMicroUsdPerMonth: 25_000_000,
      perKey: { requestsPerSecond: 5 },
      perIp: { requestsPerMinute: 60 },
      perModel: { tokensPerMinute: 50_000 },
      onLimiterUnavailable: 'closed',
    };
    const plan = await m.plan('Gold', 'auto', { limits });
    await f.api('PATCH', `/api/services/${m.serviceId}`, { cookie: m.pOwner.cookie, body: { limits: { requestsPerSecond: 100 } }, expect: 200 });
    const appId = await m.app();
    await f.api('PATCH', `/api/apps/${appId}`, { cookie: m.cMember.cookie, body: { costBudgetMicroUsdPerMonth: 5_000_000, limits: { requestsPerMinute: 30 } }, expect: 200 });
    const team = await f.api('PATCH', `/api/teams/${m.consumerTeam}`, { cookie: m.cOwner.cookie, body: { costBudgetMicroUsdPerMonth: 9_000_000 } });
    expect(team.status).toBe(200);
    expect(team.body.team).toMatchObject({ costBudgetMicroUsdPerMonth: 9_000_000 });

    const snapshot = await compileSnapshot(f.db, f.secrets);
    expect(snapshot.plans.find((p) => p.id === plan)?.limits).toEqual(limits);
    expect(snapshot.services.find((s) => s.id === m.serviceId)?.limits).toEqual({ requestsPerSecond: 100 });
    expect(snapshot.apps.find((a) => a.id === appId)).toMatchObject({ costBudgetMicroUsdPerMonth: 5_000_000, teamCostBudgetMicroUsdPerMonth: 9_000_000, limits: { requestsPerMinute: 30 } });

    // null removes a budget.
    await f.api('PATCH', `/api/apps/${appId}`, { cookie: m.cMember.cookie, body: { costBudgetMicroUsdPerMonth: null }, expect: 200 });
    expect((await compileSnapshot(f.db, f.secrets)).apps.find((a) => a.id === appId)?.costBudgetMicroUsdPerMonth).toBeNull();
  });

  it('refuses misspelt, nested-wrong or non-positive limits, naming the field, and guards who sets budgets', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const create = (limits: unknown) => f.api('POST', `/api/services/${m.serviceId}/plans`, { cookie: m.pOwner.cookie, body: { name: 'X', approval: 'auto', limits } });
    for (const [limits, field] of [
      [{ requestPerMinute: 5 }, 'limits.requestPerMinute'],
      [{ perKey: { costBudgetMicroUsdPerMonth: 5 } }, 'limits.perKey.costBudgetMicroUsdPerMonth'],
      [{ perIp: { requestsPerMinute: 0 } }, 'limits.perIp.requestsPerMinute'],
      [{ onLimiterUnavailable: 'maybe' }, 'limits.onLimiterUnavailable'],
      [{ tokensPerDay: 1.5 }, 'limits.tokensPerDay'],
    ] as const) {
      const res = await create(limits);
      expect(res.status, JSON.stringify(limits)).toBe(400);
      expect(res.body.error.message.startsWith(`${field}:`), res.body.error.message).toBe(true);
    }
    expect((await f.api('PATCH', `/api/services/${m.serviceId}`, { cookie: m.pOwner.cookie, body: { limits: { requestsPerWeek: 5 } } })).status).toBe(400);
    const appId = await m.app();
    expect((await f.api('PATCH', `/api/apps/${appId}`, { cookie: m.cMember.cookie, body: { costBudgetMicroUsdPerMonth: -1 } })).body.error.message).toMatch(/^costBudgetMicroUsdPerMonth:/);
    // A team's budget is its admins' call: a plain member is refused, another team learns nothing.
    expect((await f.api('PATCH', `/api/teams/${m.consumerTeam}`, { cookie: m.cMember.cookie, body: { costBudgetMicroUsdPerMonth: 1 } })).status).toBe(403);
    expect((await f.api('PATCH', `/api/teams/${m.consumerTeam}`, { cookie: m.outsider.cookie, body: { costBudgetMicroUsdPerMonth: 1 } })).status).toBe(404);
    expect((await f.api('PATCH', `/api/teams/${m.consumerTeam}`, { cookie: m.cOwner.cookie, body: {} })).status).toBe(400);
  });
});
