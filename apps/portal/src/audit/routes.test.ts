import { afterEach, describe, expect, it } from 'vitest';
import { auditEvents } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { fixturePerTest } from '../testing/portal-fixture';
import { createMarket } from '../testing/market';

const fixture = fixturePerTest(afterEach);

describe('audit log', () => {
  it('records who changed what with before and after, queryable per team by action, target, actor and time', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const plan = await m.plan('Gold', 'manual', { limits: { requestsPerMinute: 60 } });
    const since = Date.now();
    await f.api('PATCH', `/api/plans/${plan}`, { cookie: m.pOwner.cookie, body: { limits: { requestsPerMinute: 120 }, name: 'Gold+' }, expect: 200 });
    const appId = await m.app('Checkout');
    const sub = await m.subscribe(appId, plan, 'please');
    await m.act(sub.id, 'approve', m.pOwner.cookie, { reason: 'ok' });

    const q = (team: string, query = '', cookie = m.pOwner.cookie) => f.api('GET', `/api/teams/${team}/audit-events?${query}`, { cookie });
    const update = (await q(m.publisherTeam, 'action=plan.update')).body.events;
    expect(update).toHaveLength(1);
    expect(update[0]).toMatchObject({
      actorUserId: m.pOwner.id,
      actorEmail: m.pOwner.email,
      targetType: 'plan',
      targetId: plan,
      before: { limits: { requestsPerMinute: 60 }, name: 'Gold' },
      after: { limits: { requestsPerMinute: 120 }, name: 'Gold+' },
    });
    expect(update[0].at).toBeGreaterThanOrEqual(since);

    const family = (await q(m.publisherTeam, 'action=subscription.')).body.events.map((e: { action: string }) => e.action);
    expect(family).toEqual(['subscription.approve']);
    expect((await q(m.publisherTeam, `targetId=${sub.id}`)).body.events[0]).toMatchObject({ before: { state: 'pending' }, after: { state: 'approved' } });
    // The consumer's team has the request in its own log, with the note as it was asked.
    const consumerLog = (await q(m.consumerTeam, 'targetType=subscription', m.cOwner.cookie)).body.events;
    expect(consumerLog.map((e: { action: string }) => e.action)).toEqual(['subscription.request']);
    expect(consumerLog[0].after).toMatchObject({ planId: plan, state: 'pending', note: 'please' });
    expect((await q(m.publisherTeam, `actorUserId=${m.cMember.id}`)).body.events).toEqual([]);
    expect((await q(m.publisherTeam, `since=${Date.now() + 60_000}`)).body.events).toEqual([]);

    for (const bad of ['action=DROP%20TABLE', 'targetType=a-b', 'actorUserId=bob', 'since=yesterday', 'limit=500']) {
      const res = await q(m.publisherTeam, bad);
      expect(res.status, bad).toBe(400);
    }
    expect((await q(m.publisherTeam, '', m.pMember.cookie)).status).toBe(403);
    expect((await q(m.publisherTeam, '', m.outsider.cookie)).status).toBe(404);
  });

  it('shows platform admins everything, including changes that belong to no team', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const all = await f.api('GET', '/api/audit-events?teamId=none&action=user.', { cookie: f.admin.cookie });
    expect(all.status).toBe(200);
    const created = all.body.events.filter((e: { action: string }) => e.action === 'user.create').map((e: { after: { email: string } }) => e.after.email);
    expect(created).toContain(m.outsider.email);
    expect(all.body.events.every((e: { teamId: string | null }) => e.teamId === null)).toBe(true);
    const oneTeam = await f.api('GET', `/api/audit-events?teamId=${m.consumerTeam}`, { cookie: f.admin.cookie });
    expect(new Set(oneTeam.body.events.map((e: { teamId: string }) => e.teamId))).toEqual(new Set([m.consumerTeam]));
    expect((await f.api('GET', '/api/audit-events', { cookie: m.pOwner.cookie })).status).toBe(403);
    expect((await f.api('GET', '/api/audit-events?teamId=everyone', { cookie: f.admin.cookie })).status).toBe(400);
  });

  it('pages with nextCursor through events that share one millisecond, never past its own team', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    // Seven changes in the same millisecond, as a bulk decision makes them: `before` (time) would skip some.
    const at = Date.now() + 60_000;
    const made = Array.from({ length: 7 }, (_, i) => ({ id: newId('auditEvent'), at, teamId: m.publisherTeam, action: 'subscription.approve', targetType: 'subscription', targetId: `sub_${i}`, summary: { i } }));
    await f.db.insert(auditEvents).values(made);
    const q = (query: string, team: string = m.publisherTeam, cookie = m.pOwner.cookie) => f.api('GET', `/api/teams/${team}/audit-events?${query}`, { cookie });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { events: Array<{ id: string; at: number }>; nextCursor: string | null } } = await q(`limit=3&since=${at}${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...res.body.events.map((e) => e.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    // Newest first: within the millisecond, the last inserted comes first.
    expect(seen).toEqual(made.map((e) => e.id).reverse());
    expect((await q('limit=100')).body.nextCursor).toBeNull();
    // Another team's admin with this team's cursor pages through their own log only, from nowhere.
    const theirs = await q(`cursor=${made[3]!.id}`, m.consumerTeam, m.cOwner.cookie);
    expect([theirs.body.events, theirs.body.nextCursor]).toEqual([[], null]);
    expect((await q('cursor=not-an-id')).status).toBe(400);
  });
});
