import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents } from '@tollgate/db';
import { fixturePerTest } from '../testing/portal-fixture';
import { createMarket } from '../testing/market';
import { planStates, planTransitions } from './routes';

const fixture = fixturePerTest(afterEach);

describe('plan states', () => {
  it('allows active ⇄ deprecated and closing from either; closing is final; others are refused naming the allowed', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const expected: Record<string, string[]> = { active: ['deprecated', 'closed'], deprecated: ['active', 'closed'], closed: [] };
    expect(planTransitions).toEqual(expected);
    for (const from of planStates) {
      for (const to of planStates) {
        const id = await m.plan(`${from}-${to}`, 'auto');
        if (from === 'deprecated') await f.api('PATCH', `/api/plans/${id}`, { cookie: m.pOwner.cookie, body: { state: 'deprecated' }, expect: 200 });
        if (from === 'closed') await f.api('PATCH', `/api/plans/${id}`, { cookie: m.pOwner.cookie, body: { state: 'closed' }, expect: 200 });
        const res = await f.api('PATCH', `/api/plans/${id}`, { cookie: m.pOwner.cookie, body: { state: to } });
        if (from === to || expected[from]!.includes(to)) expect(res.status, `${from}→${to}`).toBe(200);
        else {
          expect(res.status, `${from}→${to}`).toBe(409);
          expect(res.body.error.message).toBe(`A closed plan cannot become ${to}; closing is final.`);
        }
      }
    }
  });

  it('deprecated: no new subscriptions, existing ones keep working', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const plan = await m.plan('Old', 'auto');
    const appId = await m.app();
    const sub = await m.subscribe(appId, plan);
    await f.api('PATCH', `/api/plans/${plan}`, { cookie: m.pOwner.cookie, body: { state: 'deprecated' }, expect: 200 });
    const refused = await f.api('POST', `/api/apps/${await m.app()}/subscriptions`, { cookie: m.cMember.cookie, body: { planId: plan } });
    expect([refused.status, refused.body.error.message]).toEqual([409, 'The plan Old is deprecated: it takes no new subscriptions.']);
    expect(await m.gatewayView(appId)).toMatchObject({ id: sub.id, state: 'approved' });
    expect((await f.db.select().from(auditEvents).where(eq(auditEvents.targetId, plan))).map((e) => e.action)).toEqual(['plan.create', 'plan.deprecate']);
  });

  it('closed: every live subscription ends with a reason — pending rejected, approved and paused revoked — in one change', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const [closing, keep] = [await m.plan('Closing', 'manual'), await m.plan('Keep', 'auto')];
    const subs = {
      pending: await m.subscribe(await m.app(), closing),
      approved: await m.subscribe(await m.app(), closing),
      paused: await m.subscribe(await m.app(), closing),
      cancelled: await m.subscribe(await m.app(), closing),
      otherPlan: await m.subscribe(await m.app(), keep),
    };
    await m.act(subs.approved.id, 'approve');
    await m.act(subs.paused.id, 'approve');
    await m.act(subs.paused.id, 'pause', m.pOwner.cookie, { reason: 'hold' });
    await m.act(subs.cancelled.id, 'cancel', m.cMember.cookie);
    const revision = await f.revision();

    const res = await f.api('PATCH', `/api/plans/${closing}`, { cookie: m.pOwner.cookie, body: { state: 'closed' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ plan: { state: 'closed' }, endedSubscriptions: 3 });
    expect(await f.revision()).toBe(revision + 1);
    const states = Object.fromEntries(
      await Promise.all(
        Object.entries(subs).map(async ([k, s]) => {
          const row = (await f.api('GET', `/api/subscriptions?serviceId=${m.serviceId}`, { cookie: m.pOwner.cookie })).body.subscriptions.find((x: { id: string }) => x.id === s.id);
          return [k, [row.state, row.decisionReason]];
        }),
      ),
    );
    const reason = "The plan Closing was closed by the service's publisher.";
    expect(states).toEqual({
      pending: ['rejected', reason],
      approved: ['revoked', reason],
      paused: ['revoked', reason],
      cancelled: ['cancelled', null],
      otherPlan: ['approved', null],
    });
    await f.publisher.settled();
    const gateway = f.publisher.current().subscriptions;
    expect(gateway.find((s) => s.id === subs.approved.id)?.state).toBe('revoked');
    const events = (await f.db.select().from(auditEvents)).filter((e) => e.summary.planClosed === closing);
    expect(events.map((e) => [e.targetId, e.action]).sort()).toEqual(
      [[subs.pending.id, 'subscription.reject'], [subs.approved.id, 'subscription.revoke'], [subs.paused.id, 'subscription.revoke']].sort(),
    );
    expect((await f.db.select().from(auditEvents).where(eq(auditEvents.targetId, closing))).at(-1)).toMatchObject({ action: 'plan.close', before: { state: 'active' }, after: { state: 'closed' } });
  });

  it('team-only plans are offered to the publishing team alone', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    await m.plan('Public', 'auto');
    const internal = await m.plan('Internal', 'auto', { visibility: 'team' });
    const names = async (cookie: string) => (await f.api('GET', `/api/services/${m.serviceId}/plans`, { cookie })).body.plans.map((p: { name: string }) => p.name);
    expect(await names(m.pMember.cookie)).toEqual(['Public', 'Internal']);
    expect(await names(m.cMember.cookie)).toEqual(['Public']);
    const refused = await f.api('POST', `/api/apps/${await m.app()}/subscriptions`, { cookie: m.cMember.cookie, body: { planId: internal } });
    expect([refused.status, refused.body.error.message]).toEqual([404, 'Plan not found']);
    const own = await m.app('own', m.pOwner, m.publisherTeam);
    expect((await f.api('POST', `/api/apps/${own}/subscriptions`, { cookie: m.pOwner.cookie, body: { planId: internal } })).status).toBe(201);
    // Made public later, it is offered to everyone; approval can change too, for requests from then on.
    const patched = await f.api('PATCH', `/api/plans/${internal}`, { cookie: m.pOwner.cookie, body: { visibility: 'public', approval: 'manual' } });
    expect(patched.body.plan).toMatchObject({ visibility: 'public', approval: 'manual' });
    expect((await m.subscribe(await m.app(), internal)).state).toBe('pending');
    expect((await f.api('PATCH', `/api/plans/${internal}`, { cookie: m.pOwner.cookie, body: { visibility: 'hidden' } })).body.error.message).toMatch(/^visibility:/);
  });
});
