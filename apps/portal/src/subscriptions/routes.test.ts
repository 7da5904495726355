import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { auditEvents, first, subscriptions } from '@tollgate/db';
import { newId, subscriptionStates, type AppId, type SubscriptionId, type SubscriptionState, type TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

describe('subscriptions API', () => {
  let f: PortalFixture;
  let pOwner: TestUser;
  let pMember: TestUser;
  let cMember: TestUser;
  let outsider: TestUser;
  let publisherTeam: TeamId;
  let consumerTeam: TeamId;
  const plan: Record<string, string> = {};
  const service: Record<string, string> = {};

  const newApp = async (team: TeamId = consumerTeam, cookie = cMember.cookie) =>
    (await f.api('POST', `/api/teams/${team}/apps`, { cookie, body: { name: `app-${Math.random()}` }, expect: 201 })).body.app.id as string;
  const subscribe = (appId: string, planId: string, cookie = cMember.cookie, note?: string) =>
    f.api('POST', `/api/apps/${appId}/subscriptions`, { cookie, body: { planId, ...(note ? { note } : {}) } });
  const act = (id: string, action: string, cookie: string, body?: unknown) =>
    f.api('POST', `/api/subscriptions/${id}/${action}`, { cookie, body });
  const snapshotState = async (id: string) => {
    await f.publisher.settled();
    return f.publisher.current().subscriptions.find((s) => s.id === id)?.state;
  };

  beforeAll(async () => {
    f = await createPortalFixture();
    [pOwner, pMember, cMember, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser(), f.createUser()]);
    publisherTeam = (await f.createTeam({ slug: 'publisher', name: 'Publisher Co', ownerUserId: pOwner.id })).id;
    await f.addMember(publisherTeam, pMember.id, 'member');
    consumerTeam = (await f.createTeam({ slug: 'consumer', name: 'Consumer Co' })).id;
    await f.addMember(consumerTeam, cMember.id, 'member');

    const svc = async (slug: string, lifecycle: string[], visibility = 'public') => {
      const id = (await f.api('POST', `/api/teams/${publisherTeam}/services`, { cookie: pOwner.cookie, body: { name: slug, slug, kind: 'rest', visibility }, expect: 201 })).body.service.id;
      for (const state of lifecycle) await f.api('POST', `/api/services/${id}/lifecycle`, { cookie: pOwner.cookie, body: { state }, expect: 200 });
      service[slug] = id;
      return id;
    };
    const addPlan = async (key: string, serviceId: string, approval: string, state?: string) => {
      const id = (await f.api('POST', `/api/services/${serviceId}/plans`, { cookie: pOwner.cookie, body: { name: key, approval }, expect: 201 })).body.plan.id;
      if (state) await f.api('PATCH', `/api/plans/${id}`, { cookie: pOwner.cookie, body: { state }, expect: 200 });
      plan[key] = id;
    };
    // Plans are added while the services are drafts, then the services move on.
    const live = await svc('live', []);
    await addPlan('manual', live, 'manual');
    await addPlan('auto', live, 'auto');
    await addPlan('deprecatedPlan', live, 'manual', 'deprecated');
    await addPlan('closedPlan', live, 'manual', 'closed');
    await f.api('POST', `/api/services/${live}/lifecycle`, { cookie: pOwner.cookie, body: { state: 'published' }, expect: 200 });
    await addPlan('draftSvc', await svc('draft', []), 'auto');
    const deprecated = await svc('deprecated', []);
    await addPlan('deprecatedSvc', deprecated, 'auto');
    const retired = await svc('retired', []);
    await addPlan('retiredSvc', retired, 'auto');
    const teamOnly = await svc('team-only', []);
    await addPlan('teamOnly', teamOnly, 'auto');
    for (const [id, states] of [
      [deprecated, ['published', 'deprecated']],
      [retired, ['published', 'deprecated', 'retired']],
      [teamOnly, ['published']],
    ] as const) {
      for (const state of states) await f.api('POST', `/api/services/${id}/lifecycle`, { cookie: pOwner.cookie, body: { state }, expect: 200 });
    }
    await f.api('PATCH', `/api/services/${teamOnly}`, { cookie: pOwner.cookie, body: { visibility: 'team' }, expect: 200 });
  });
  afterAll(() => f.close());

  it('approves an auto plan at once and refuses a second live subscription', async () => {
    const appId = await newApp();
    const revision = await f.revision();
    const res = await subscribe(appId, plan.auto!);
    expect(res.status).toBe(201);
    expect(res.body.subscription).toMatchObject({
      state: 'approved',
      decidedAt: expect.any(Number),
      requestedBy: cMember.id,
      app: { id: appId, teamId: consumerTeam, teamName: 'Consumer Co' },
      service: { id: service.live, slug: 'live' },
      plan: { id: plan.auto, approval: 'auto' },
      actions: ['pause', 'revoke', 'cancel'],
    });
    expect(await f.revision()).toBe(revision + 1);
    expect(await snapshotState(res.body.subscription.id)).toBe('approved');
    const again = await subscribe(appId, plan.manual!);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('The app already has a subscription to this service that is approved.');
  });

  it('queues a manual plan as pending with the consumer’s note', async () => {
    const appId = await newApp();
    const res = await subscribe(appId, plan.manual!, cMember.cookie, 'For the checkout flow');
    expect(res.status).toBe(201);
    expect(res.body.subscription).toMatchObject({ state: 'pending', note: 'For the checkout flow', decidedAt: null, actions: ['approve', 'reject', 'cancel'] });
    expect(await snapshotState(res.body.subscription.id)).toBe('pending');
    expect((await subscribe(appId, plan.manual!)).status).toBe(409);
    const event = await first(f.db.select().from(auditEvents).where(eq(auditEvents.targetId, res.body.subscription.id)));
    expect(event).toMatchObject({ action: 'subscription.request', teamId: consumerTeam, actorUserId: cMember.id });
    const list = await f.api('GET', `/api/apps/${appId}/subscriptions`, { cookie: cMember.cookie });
    expect(list.body.subscriptions).toEqual([expect.objectContaining({ id: res.body.subscription.id, state: 'pending' })]);
  });

  it('says why a service or plan takes no subscriptions', async () => {
    const appId = await newApp();
    const deprecated = await subscribe(appId, plan.deprecatedSvc!);
    expect(deprecated.status).toBe(409);
    expect(deprecated.body.error.message).toMatch(/deprecated: it takes no new subscriptions/);
    expect((await subscribe(appId, plan.deprecatedPlan!)).body.error.message).toMatch(/plan deprecatedPlan is deprecated/);
    expect((await subscribe(appId, plan.closedPlan!)).body.error.message).toMatch(/plan closedPlan is closed/);
    // Drafts, retired and team-only services are not in another team's catalogue: their plans do not exist for it.
    for (const key of ['draftSvc', 'retiredSvc', 'teamOnly']) {
      const res = await subscribe(appId, plan[key]!);
      expect(res.status, key).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain(plan[key]);
    }
    // The publishing team's own app sees them, and hears why.
    const ownApp = await newApp(publisherTeam, pOwner.cookie);
    expect((await subscribe(ownApp, plan.draftSvc!, pOwner.cookie)).body.error.message).toMatch(/still a draft/);
    expect((await subscribe(ownApp, plan.retiredSvc!, pOwner.cookie)).body.error.message).toMatch(/retired/);
    expect((await subscribe(ownApp, plan.teamOnly!, pOwner.cookie)).status).toBe(201);

    const malformed = await subscribe(appId, 'gold');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/^planId:/);
    expect((await subscribe(appId, newId('plan'))).status).toBe(404);
    expect((await subscribe(appId, plan.auto!, outsider.cookie)).status).toBe(404);
    expect(await f.db.select().from(subscriptions).where(eq(subscriptions.appId, appId as AppId))).toEqual([]);
  });

  it('shows the approval queue to the service team’s admins only', async () => {
    const appId = await newApp();
    const id = (await subscribe(appId, plan.manual!)).body.subscription.id;
    const queue = await f.api('GET', '/api/subscriptions?state=pending', { cookie: pOwner.cookie });
    expect(queue.status).toBe(200);
    expect(queue.body.subscriptions.map((s: { id: string }) => s.id)).toContain(id);
    expect(queue.body.subscriptions.every((s: { state: string }) => s.state === 'pending')).toBe(true);
    expect(queue.body.subscriptions.find((s: { id: string }) => s.id === id)).toMatchObject({
      app: { name: expect.any(String), teamName: 'Consumer Co' },
      service: { slug: 'live' },
      plan: { name: 'manual' },
      createdAt: expect.any(Number),
    });
    const byService = await f.api('GET', `/api/subscriptions?serviceId=${service['team-only']}`, { cookie: pOwner.cookie });
    expect(byService.body.subscriptions.map((s: { service: { slug: string } }) => s.service.slug)).toEqual(['team-only']);
    expect((await f.api('GET', '/api/subscriptions', { cookie: pMember.cookie })).body.subscriptions).toEqual([]);
    expect((await f.api('GET', '/api/subscriptions', { cookie: cMember.cookie })).body.subscriptions).toEqual([]);
    expect((await f.api('GET', '/api/subscriptions?state=pending', { cookie: f.admin.cookie })).body.subscriptions.map((s: { id: string }) => s.id)).toContain(id);
    expect((await f.api('GET', '/api/subscriptions?state=waiting', { cookie: pOwner.cookie })).body.error.message).toMatch(/^state:/);
    expect((await f.api('GET', '/api/subscriptions?serviceId=x', { cookie: pOwner.cookie })).body.error.message).toMatch(/^serviceId:/);
  });

  it('lets service team admins approve with a reason, and no one else', async () => {
    const id = (await subscribe(await newApp(), plan.manual!)).body.subscription.id;
    expect((await act(id, 'approve', pMember.cookie, {})).status).toBe(403);
    // The consumer knows the subscription exists, so it is told 403, not 404.
    expect((await act(id, 'approve', cMember.cookie, {})).status).toBe(403);
    expect((await act(id, 'approve', outsider.cookie, {})).status).toBe(404);
    const revision = await f.revision();
    const res = await act(id, 'approve', pOwner.cookie, { reason: 'Welcome aboard' });
    expect(res.status).toBe(200);
    expect(res.body.subscription).toMatchObject({ state: 'approved', decisionReason: 'Welcome aboard', decidedBy: pOwner.id, decidedAt: expect.any(Number) });
    expect(await f.revision()).toBe(revision + 1);
    expect(await snapshotState(id)).toBe('approved');
    const again = await act(id, 'approve', pOwner.cookie);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/that is approved/);
  });

  it('needs a reason to reject', async () => {
    const id = (await subscribe(await newApp(), plan.manual!)).body.subscription.id;
    const noBody = await act(id, 'reject', pOwner.cookie);
    expect(noBody.status).toBe(400);
    expect(noBody.body.error.message).toMatch(/reason/);
    expect((await act(id, 'reject', pOwner.cookie, { reason: '' })).body.error.message).toMatch(/^reason:/);
    expect((await f.api('POST', `/api/subscriptions/${id}/reject`, { cookie: pOwner.cookie, body: 'no', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    const res = await act(id, 'reject', pOwner.cookie, { reason: 'Use the free plan' });
    expect(res.body.subscription).toMatchObject({ state: 'rejected', decisionReason: 'Use the free plan', actions: [] });
    expect(await snapshotState(id)).toBe('rejected');
  });

  it('lets the consumer cancel; the publisher cannot', async () => {
    const appId = await newApp();
    const id = (await subscribe(appId, plan.auto!)).body.subscription.id;
    expect((await act(id, 'cancel', pOwner.cookie)).status).toBe(403);
    const res = await act(id, 'cancel', cMember.cookie);
    expect(res.status).toBe(200);
    expect(res.body.subscription.state).toBe('cancelled');
    // With nothing live left, the app may subscribe again.
    expect((await subscribe(appId, plan.manual!)).status).toBe(201);
    const actions = (await f.db.select().from(auditEvents).where(eq(auditEvents.targetId, id)).orderBy(asc(auditEvents.at))).map((e) => e.action);
    expect(actions).toEqual(['subscription.request', 'subscription.cancel']);
  });

  it('lets service team admins pause and resume, and no one else', async () => {
    const appId = await newApp();
    const id = (await subscribe(appId, plan.auto!)).body.subscription.id;
    for (const action of ['pause', 'resume'] as const) {
      if (action === 'resume') expect((await act(id, 'pause', pOwner.cookie)).status).toBe(200);
      expect((await act(id, action, pMember.cookie)).status, `${action} by a publisher member`).toBe(403);
      expect((await act(id, action, cMember.cookie)).status, `${action} by the consumer`).toBe(403);
      expect((await act(id, action, outsider.cookie)).status, `${action} by an outsider`).toBe(404);
    }
    expect((await first(f.db.select().from(subscriptions).where(eq(subscriptions.id, id))))!.state).toBe('paused');

    expect((await act(id, 'resume', pOwner.cookie)).body.subscription.state).toBe('approved');
    let revision = await f.revision();
    const paused = await act(id, 'pause', pOwner.cookie, { reason: 'Unpaid invoice' });
    expect(paused.status).toBe(200);
    expect(paused.body.subscription).toMatchObject({ state: 'paused', decisionReason: 'Unpaid invoice', decidedBy: pOwner.id, actions: ['resume', 'revoke', 'cancel'] });
    expect(await f.revision()).toBe(revision + 1);
    expect(await snapshotState(id)).toBe('paused');
    // A paused subscription still holds the app's place: asking again for the auto plan must not undo the pause.
    const again = await subscribe(appId, plan.auto!);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('The app already has a subscription to this service that is paused.');

    revision = await f.revision();
    const resumed = await act(id, 'resume', pOwner.cookie);
    expect(resumed.body.subscription).toMatchObject({ state: 'approved', decisionReason: null, decidedBy: pOwner.id, actions: ['pause', 'revoke', 'cancel'] });
    expect(await f.revision()).toBe(revision + 1);
    expect(await snapshotState(id)).toBe('approved');
    const events = await f.db.select().from(auditEvents).where(eq(auditEvents.targetId, id)).orderBy(asc(auditEvents.at));
    expect(events.slice(-2)).toEqual([
      expect.objectContaining({ action: 'subscription.pause', teamId: publisherTeam, actorUserId: pOwner.id, summary: { from: 'approved', to: 'paused', reason: 'Unpaid invoice' } }),
      expect.objectContaining({ action: 'subscription.resume', teamId: publisherTeam, summary: { from: 'paused', to: 'approved' } }),
    ]);
  });

  it('needs a reason to revoke, from approved or paused, and revoking is final', async () => {
    const fromApproved = (await subscribe(await newApp(), plan.auto!)).body.subscription.id;
    expect((await act(fromApproved, 'revoke', pMember.cookie, { reason: 'x' })).status).toBe(403);
    expect((await act(fromApproved, 'revoke', cMember.cookie, { reason: 'x' })).status).toBe(403);
    expect((await act(fromApproved, 'revoke', outsider.cookie, { reason: 'x' })).status).toBe(404);
    const noReason = await act(fromApproved, 'revoke', pOwner.cookie);
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toMatch(/reason/);
    expect((await act(fromApproved, 'revoke', pOwner.cookie, { reason: '  ' })).body.error.message).toMatch(/^reason:/);
    const revision = await f.revision();
    const res = await act(fromApproved, 'revoke', pOwner.cookie, { reason: 'Abuse of the API' });
    expect(res.status).toBe(200);
    expect(res.body.subscription).toMatchObject({ state: 'revoked', decisionReason: 'Abuse of the API', decidedBy: pOwner.id, actions: [] });
    expect(await f.revision()).toBe(revision + 1);
    expect(await snapshotState(fromApproved)).toBe('revoked');
    for (const action of ['resume', 'pause', 'approve']) {
      expect((await act(fromApproved, action, pOwner.cookie, {})).body.error.message, action).toMatch(/that is revoked; .* revoked is final\.$/);
    }
    expect((await act(fromApproved, 'cancel', cMember.cookie)).status).toBe(409);

    const fromPaused = (await subscribe(await newApp(), plan.auto!)).body.subscription.id;
    await act(fromPaused, 'pause', pOwner.cookie);
    expect((await act(fromPaused, 'revoke', pOwner.cookie, { reason: 'Still unpaid' })).body.subscription).toMatchObject({ state: 'revoked', decisionReason: 'Still unpaid' });
  });

  it('lets the consumer cancel a paused subscription', async () => {
    const id = (await subscribe(await newApp(), plan.auto!)).body.subscription.id;
    await act(id, 'pause', pOwner.cookie, { reason: 'Maintenance' });
    expect((await act(id, 'cancel', pOwner.cookie)).status).toBe(403);
    const res = await act(id, 'cancel', cMember.cookie);
    expect(res.status).toBe(200);
    // Cancelling is the consumer's own step: the publisher's last decision and reason stay on record.
    expect(res.body.subscription).toMatchObject({ state: 'cancelled', decisionReason: 'Maintenance', decidedBy: pOwner.id });
    expect(await snapshotState(id)).toBe('cancelled');
  });

  it('runs every action from every reachable state through the API', async () => {
    const steps: Record<SubscriptionState, Array<[string, string]>> = {
      pending: [],
      approved: [['approve', 'publisher']],
      rejected: [['reject', 'publisher']],
      paused: [['approve', 'publisher'], ['pause', 'publisher']],
      revoked: [['approve', 'publisher'], ['revoke', 'publisher']],
      cancelled: [['cancel', 'consumer']],
    };
    const reach = async (state: SubscriptionState): Promise<SubscriptionId> => {
      const id = (await subscribe(await newApp(), plan.manual!)).body.subscription.id;
      for (const [action, by] of steps[state]) await act(id, action, by === 'consumer' ? cMember.cookie : pOwner.cookie, { reason: 'setup' });
      expect((await first(f.db.select().from(subscriptions).where(eq(subscriptions.id, id))))!.state).toBe(state);
      return id;
    };
    const allowed: Record<string, SubscriptionState> = {
      'approve pending': 'approved', 'reject pending': 'rejected', 'cancel pending': 'cancelled',
      'pause approved': 'paused', 'revoke approved': 'revoked', 'cancel approved': 'cancelled',
      'resume paused': 'approved', 'revoke paused': 'revoked', 'cancel paused': 'cancelled',
    };
    for (const action of ['approve', 'reject', 'pause', 'resume', 'revoke', 'cancel']) {
      for (const state of subscriptionStates) {
        const id = await reach(state);
        const cookie = action === 'cancel' ? cMember.cookie : pOwner.cookie;
        const res = await act(id, action, cookie, { reason: 'because' });
        const to = allowed[`${action} ${state}`];
        expect(res.status, `${action} from ${state}`).toBe(to ? 200 : 409);
        if (to) expect(res.body.subscription.state).toBe(to);
        else expect(res.body.error.message).toContain(`that is ${state}`);
        const row = (await first(f.db.select().from(subscriptions).where(eq(subscriptions.id, id))))!;
        expect(row.state).toBe(to ?? state);
      }
    }
    expect((await act('sub_unknown123', 'approve', pOwner.cookie, {})).status).toBe(404);
    expect((await act('nope', 'cancel', cMember.cookie)).status).toBe(404);
  });
});
