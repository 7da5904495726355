import { afterEach, describe, expect, it } from 'vitest';
import { fixturePerTest, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { createMarket, type Market } from './test-market';

const fixture = fixturePerTest(afterEach);

const list = async (f: PortalFixture, user: TestUser, query = '') =>
  (await f.api('GET', `/api/notifications${query}`, { cookie: user.cookie, expect: 200 })).body as {
    notifications: Array<{ id: string; event: string; title: string; teamId: string; readAt: number | null; data: any }>;
    unread: number;
  };

/** Waits for `user` to have `n` notifications, then a little longer to be sure no more are coming. */
async function settle(f: PortalFixture, user: TestUser, n: number) {
  const deadline = Date.now() + 5_000;
  while ((await list(f, user)).notifications.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  return list(f, user);
}

describe('in-portal notifications', () => {
  let f: PortalFixture;
  let m: Market;

  const setup = async () => {
    f = await fixture();
    m = await createMarket(f);
  };

  it('tells the publisher team’s admins and owner of a request, and nobody else', async () => {
    await setup();
    const sub = await m.request(m.manualPlan.id, 'we need hourly forecasts');
    expect(sub.state).toBe('pending');
    const { pOwner, pAdmin, pMember, cOwner, cMember, stranger } = m.users;
    for (const admin of [pOwner, pAdmin]) {
      const mine = await settle(f, admin, 1);
      expect(mine.unread).toBe(1);
      expect(mine.notifications).toHaveLength(1);
      const [n] = mine.notifications;
      expect(n).toMatchObject({ event: 'subscription.requested', teamId: m.publisherTeam, readAt: null });
      expect(n!.title).toContain('Storm Tracker');
      expect(n!.data).toMatchObject({
        event: 'subscription.requested',
        subscription: {
          id: sub.id,
          state: 'pending',
          note: 'we need hourly forecasts',
          app: { id: m.app.id, name: 'Storm Tracker', teamId: m.consumerTeam },
          service: { id: m.service.id, slug: 'weather', teamId: m.publisherTeam },
          plan: { id: m.manualPlan.id, name: 'Gold' },
        },
        actor: { id: cMember.id },
      });
      expect(new Date(n!.data.occurredAt).toISOString()).toBe(n!.data.occurredAt);
      expect(n!.data.id).toMatch(/^aud_/);
    }
    for (const other of [pMember, cOwner, cMember, stranger]) expect((await list(f, other)).notifications, other.email).toEqual([]);
    // The platform admin runs the platform, not the teams: not notified either.
    expect((await list(f, f.admin)).notifications).toEqual([]);
  });

  it('tells every member of the consumer team of the decision, but not the one who decided', async () => {
    await setup();
    const sub = await m.request(m.manualPlan.id);
    const { pOwner, pAdmin, pMember, cOwner, cMember, stranger } = m.users;
    await settle(f, pOwner, 1);
    await m.as(pAdmin)('POST', `/api/subscriptions/${sub.id}/approve`, { reason: 'welcome aboard' }, 200);
    for (const consumer of [cOwner, cMember]) {
      const mine = await settle(f, consumer, 1);
      expect(mine.notifications.map((n) => n.event)).toEqual(['subscription.approved']);
      expect(mine.notifications[0]!.data.subscription).toMatchObject({ id: sub.id, state: 'approved', reason: 'welcome aboard' });
      expect(mine.notifications[0]!.data.actor).toEqual({ id: pAdmin.id });
    }
    // The approver is told nothing new; the owner only had the request.
    expect((await list(f, pAdmin)).notifications.map((n) => n.event)).toEqual(['subscription.requested']);
    expect((await list(f, pOwner)).notifications.map((n) => n.event)).toEqual(['subscription.requested']);
    for (const other of [pMember, stranger]) expect((await list(f, other)).notifications).toEqual([]);
  });

  it('sends the publisher the new subscriber and the consumer an approval when an auto plan approves at once', async () => {
    await setup();
    const sub = await m.request(m.autoPlan.id);
    expect(sub.state).toBe('approved');
    const publisher = await settle(f, m.users.pOwner, 1);
    expect(publisher.notifications.map((n) => [n.event, n.data.subscription.state])).toEqual([['subscription.requested', 'approved']]);
    // The member who asked is the actor: the rest of the consumer team hears the approval.
    const consumer = await settle(f, m.users.cOwner, 1);
    expect(consumer.notifications.map((n) => n.event)).toEqual(['subscription.approved']);
    expect((await list(f, m.users.cMember)).notifications).toEqual([]);
  });

  it('lists newest first, filters unread, and marks one or all as read', async () => {
    await setup();
    const { pOwner, cMember, stranger } = m.users;
    const first = await m.request(m.manualPlan.id);
    await settle(f, pOwner, 1);
    await m.as(cMember)('POST', `/api/subscriptions/${first.id}/cancel`, {}, 200);
    const both = await settle(f, pOwner, 2);
    expect(both.notifications.map((n) => n.event)).toEqual(['subscription.cancelled', 'subscription.requested']);
    expect(both.unread).toBe(2);

    const [newest, oldest] = both.notifications;
    const read = await f.api('POST', `/api/notifications/${oldest!.id}/read`, { cookie: pOwner.cookie, expect: 200 });
    expect(read.body.notification.readAt).toEqual(expect.any(Number));
    const unread = await list(f, pOwner, '?unread=true');
    expect(unread.notifications.map((n) => n.id)).toEqual([newest!.id]);
    expect(unread.unread).toBe(1);
    // Marking again is harmless and keeps the first read time.
    const again = await f.api('POST', `/api/notifications/${oldest!.id}/read`, { cookie: pOwner.cookie, expect: 200 });
    expect(again.body.notification.readAt).toBe(read.body.notification.readAt);

    expect((await f.api('POST', '/api/notifications/read-all', { cookie: pOwner.cookie, expect: 200 })).body).toEqual({ marked: 1 });
    expect(await list(f, pOwner, '?unread=true')).toEqual({ notifications: [], unread: 0 });
    expect((await list(f, pOwner, '?limit=1')).notifications.map((n) => n.id)).toEqual([newest!.id]);

    // The stranger's read-all touches nothing of anyone else's.
    expect((await f.api('POST', '/api/notifications/read-all', { cookie: stranger.cookie, expect: 200 })).body).toEqual({ marked: 0 });
  });

  it('refuses to mark someone else’s notification, or a malformed id, as read (404 either way)', async () => {
    await setup();
    await m.request(m.manualPlan.id);
    const [n] = (await settle(f, m.users.pOwner, 1)).notifications;
    for (const other of [m.users.pAdmin, m.users.stranger, m.users.cMember, f.admin]) {
      const res = await f.api('POST', `/api/notifications/${n!.id}/read`, { cookie: other.cookie });
      expect(res.status, other.email).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('Storm Tracker');
    }
    expect((await f.api('POST', '/api/notifications/ntf_nope/read', { cookie: m.users.pOwner.cookie })).status).toBe(404);
    expect((await f.api('POST', '/api/notifications/not-an-id/read', { cookie: m.users.pOwner.cookie })).status).toBe(404);
    expect((await list(f, m.users.pOwner)).notifications[0]!.readAt).toBeNull();
  });

  it('answers 401 without a session and 400 to a bad query', async () => {
    await setup();
    expect((await f.api('GET', '/api/notifications')).status).toBe(401);
    expect((await f.api('POST', '/api/notifications/read-all')).status).toBe(401);
    const bad = await f.api('GET', '/api/notifications?unread=maybe', { cookie: m.users.pOwner.cookie });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('unread');
    expect((await f.api('GET', '/api/notifications?limit=0', { cookie: m.users.pOwner.cookie })).status).toBe(400);
  });
});
