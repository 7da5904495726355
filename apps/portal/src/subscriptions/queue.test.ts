import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { fixturePerTest } from '../testing/portal-fixture';
import { createMarket } from '../testing/market';

const fixture = fixturePerTest(afterEach);
const ids = (res: { body: { subscriptions: Array<{ id: string }> } }) => res.body.subscriptions.map((s) => s.id);

describe('approval queue', () => {
  it('filters by state, service, plan, consumer team, text and time, never beyond what the caller may decide', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const [gold, silver] = [await m.plan('Gold', 'manual'), await m.plan('Silver', 'manual')];
    const a = await m.subscribe(await m.app('Checkout'), gold, 'for the black friday launch');
    const b = await m.subscribe(await m.app('Search'), silver);
    const since = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 5));
    const ownApp = await m.app('Internal tool', m.pOwner, m.publisherTeam);
    const c = (await f.api('POST', `/api/apps/${ownApp}/subscriptions`, { cookie: m.pOwner.cookie, body: { planId: gold }, expect: 201 })).body.subscription;
    await m.act(b.id, 'reject', m.pOwner.cookie, { reason: 'no' });

    const q = (query: string, cookie = m.pOwner.cookie) => f.api('GET', `/api/subscriptions?${query}`, { cookie });
    expect(ids(await q('state=pending'))).toEqual([c.id, a.id]);
    expect(ids(await q('state=rejected'))).toEqual([b.id]);
    expect(ids(await q(`planId=${gold}`))).toEqual([c.id, a.id]);
    expect(ids(await q(`appTeamId=${m.consumerTeam}`))).toEqual([b.id, a.id]);
    expect(ids(await q('q=BLACK%20friday'))).toEqual([a.id]);
    expect(ids(await q('q=search'))).toEqual([b.id]);
    // LIKE wildcards are searched for literally, not as patterns that match everything.
    expect(ids(await q('q=%25'))).toEqual([]);
    expect(ids(await q('q=_'))).toEqual([]);
    expect(ids(await q(`since=${since}`))).toEqual([c.id]);
    expect(ids(await q(`serviceId=${m.serviceId}&state=pending&limit=1`))).toEqual([c.id]);
    expect((await q('state=waiting')).body.error.message).toMatch(/^state:/);
    expect((await q('limit=0')).status).toBe(400);
    // Deciding needs team admin: a plain member of the publisher, the consumer and an outsider see an empty queue.
    for (const user of [m.pMember, m.cMember, m.outsider]) expect(ids(await q('', user.cookie))).toEqual([]);
    expect(ids(await q(`appTeamId=${m.consumerTeam}`, m.outsider.cookie))).toEqual([]);
  });

  it('approves and rejects in bulk, reporting each item, deciding only what the caller may', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const gold = await m.plan('Gold', 'manual');
    const pending = await Promise.all([1, 2, 3].map(async () => m.subscribe(await m.app(), gold)));
    const done = await m.subscribe(await m.app(), gold);
    await m.act(done.id, 'approve');
    // A subscription of another publisher: the caller may not decide it, and must not learn it exists.
    const elsewhere = await createMarket(f, 'other');
    const foreign = await elsewhere.subscribe(await elsewhere.app(), await elsewhere.plan('P', 'manual'));
    const missing = newId('subscription');

    const bulk = (body: unknown, cookie = m.pOwner.cookie) => f.api('POST', '/api/subscriptions/bulk', { cookie, body });
    const res = await bulk({ action: 'approve', ids: [pending[0].id, pending[1].id, done.id, foreign.id, missing, pending[0].id], reason: 'batch' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ action: 'approve', succeeded: 2, failed: 3 });
    expect(res.body.results.map((r: { id: string; status: number }) => [r.id, r.status])).toEqual([
      [pending[0].id, 200],
      [pending[1].id, 200],
      [done.id, 409],
      [foreign.id, 404],
      [missing, 404],
    ]);
    expect(res.body.results[2].error.message).toMatch(/^Cannot approve a subscription that is approved/);
    expect(JSON.stringify(res.body)).not.toContain(elsewhere.serviceId);
    expect(res.body.results[0].subscription).toMatchObject({ state: 'approved', decisionReason: 'batch' });

    const noReason = await bulk({ action: 'reject', ids: [pending[2].id] });
    expect([noReason.status, noReason.body.error.message]).toEqual([400, 'reason: Invalid input: expected string, received undefined']);
    const member = await bulk({ action: 'reject', ids: [pending[2].id], reason: 'no' }, m.pMember.cookie);
    expect(member.body.results[0]).toMatchObject({ status: 403 });
    const rejected = await bulk({ action: 'reject', ids: [pending[2].id], reason: 'full' });
    expect(rejected.body.results[0].subscription).toMatchObject({ state: 'rejected', decisionReason: 'full' });

    for (const bad of [{ action: 'pause', ids: [pending[0].id] }, { action: 'approve', ids: [] }, { action: 'approve', ids: ['sub_bad!'] }, { action: 'approve', ids: Array(101).fill(missing) }]) {
      expect((await bulk(bad)).status, JSON.stringify(bad).slice(0, 60)).toBe(400);
    }
    expect(await f.db.select().from(auditEvents).where(eq(auditEvents.action, 'subscription.approve'))).toHaveLength(3);
  });

  it('pages with nextCursor in the queue order, the cursor never widening what the caller may decide', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const gold = await m.plan('Gold', 'manual');
    // Five requests, some within the same millisecond: the id breaks ties, so no row is skipped or repeated.
    const made = await Promise.all([1, 2, 3, 4, 5].map(async () => m.subscribe(await m.app(), gold)));
    const q = (query: string, cookie = m.pOwner.cookie) => f.api('GET', `/api/subscriptions?${query}`, { cookie });
    const all = ids(await q('state=pending'));
    expect(all).toHaveLength(5);
    expect(new Set(all)).toEqual(new Set(made.map((s) => s.id)));
    const first = await q('state=pending&limit=2');
    expect(ids(first)).toEqual(all.slice(0, 2));
    const second = await q(`state=pending&limit=2&cursor=${first.body.nextCursor}`);
    expect(ids(second)).toEqual(all.slice(2, 4));
    // Deciding rows already seen does not shift the next page (a cursor, not an offset).
    await m.act(all[0]!, 'approve');
    const third = await q(`state=pending&limit=2&cursor=${second.body.nextCursor}`);
    expect([ids(third), third.body.nextCursor]).toEqual([all.slice(4), null]);
    expect((await q('limit=100')).body.nextCursor).toBeNull();
    expect((await q('cursor=not-a-cursor')).body.error.message).toMatch(/^cursor:/);
    // Another team's admin holding a valid cursor still sees only their own (empty) queue.
    expect(await q(`cursor=${first.body.nextCursor}`, m.outsider.cookie).then((r) => [ids(r), r.body.nextCursor])).toEqual([[], null]);
  });
});
