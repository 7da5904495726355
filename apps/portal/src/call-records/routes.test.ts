import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppId, ServiceId } from '@tollgate/domain';
import { callRecord } from '../testing/call-record-factory';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { insertCallRecords } from './store';

describe('call records API', () => {
  let f: PortalFixture;
  let publisher: TestUser;
  let consumer: TestUser;
  let stranger: TestUser;
  let loner: TestUser;
  let serviceId: ServiceId;
  let appId: AppId;
  let strangerApp: AppId;
  let strangerService: ServiceId;

  const ids = (body: { records: Array<{ id: string }> }) => body.records.map((r) => r.id);
  const list = (cookie: string, query = '') => f.api('GET', `/api/call-records${query}`, { cookie });

  beforeAll(async () => {
    f = await createPortalFixture();
    [publisher, consumer, stranger, loner] = await Promise.all([f.createUser(), f.createUser(), f.createUser(), f.createUser()]);
    const pTeam = await f.createTeam({ slug: 'pub', ownerUserId: publisher.id });
    const cTeam = await f.createTeam({ slug: 'con', ownerUserId: consumer.id });
    const sTeam = await f.createTeam({ slug: 'str', ownerUserId: stranger.id });
    const svc = async (team: string, cookie: string, slug: string) =>
      (await f.api('POST', `/api/teams/${team}/services`, { cookie, body: { name: slug, slug, kind: 'ai' }, expect: 201 })).body.service.id;
    const app = async (team: string, cookie: string) =>
      (await f.api('POST', `/api/teams/${team}/apps`, { cookie, body: { name: 'a' }, expect: 201 })).body.app.id;
    serviceId = await svc(pTeam.id, publisher.cookie, 'pub-llm');
    strangerService = await svc(sTeam.id, stranger.cookie, 'str-llm');
    appId = await app(cTeam.id, consumer.cookie);
    strangerApp = await app(sTeam.id, stranger.cookie);
    insertCallRecords(f.db, [
      callRecord({ id: 'call_both', appId, serviceId, startedAt: 5_000 }),
      callRecord({ id: 'call_publisher_only', appId: null, serviceId, startedAt: 4_000, status: 401, failed: true }),
      callRecord({ id: 'call_consumer_only', appId, serviceId: null, startedAt: 3_000, status: 404, failed: true }),
      callRecord({ id: 'call_stranger', appId: strangerApp, serviceId: strangerService, startedAt: 2_000 }),
      callRecord({ id: 'call_stranger_uses_pub', appId: strangerApp, serviceId, startedAt: 1_000 }),
    ]);
  });
  afterAll(() => f.close());

  it('shows consumers their apps’ calls and publishers their services’ calls, newest first', async () => {
    expect(ids((await list(publisher.cookie)).body)).toEqual(['call_both', 'call_publisher_only', 'call_stranger_uses_pub']);
    expect(ids((await list(consumer.cookie)).body)).toEqual(['call_both', 'call_consumer_only']);
    expect(ids((await list(stranger.cookie)).body)).toEqual(['call_stranger', 'call_stranger_uses_pub']);
    expect((await list(loner.cookie)).body).toEqual({ records: [], nextBefore: null });
    expect(ids((await list(f.admin.cookie)).body)).toHaveLength(5);
    const record = (await list(consumer.cookie)).body.records[0];
    expect(record).toMatchObject({ id: 'call_both', appId, serviceId, inputTokens: 10, costMicroUsd: 7, failed: false });
  });

  it('filters by app and service without widening what is visible', async () => {
    expect(ids((await list(publisher.cookie, `?appId=${strangerApp}`)).body)).toEqual(['call_stranger_uses_pub']);
    expect(ids((await list(consumer.cookie, `?serviceId=${serviceId}`)).body)).toEqual(['call_both']);
    expect(ids((await list(consumer.cookie, `?appId=${strangerApp}`)).body)).toEqual([]);
    expect(ids((await list(consumer.cookie, `?serviceId=${strangerService}`)).body)).toEqual([]);
    expect((await list(consumer.cookie, '?appId=nope')).body.error.message).toMatch(/^appId:/);
  });

  it('pages with limit and before', async () => {
    const first = await list(f.admin.cookie, '?limit=2');
    expect(ids(first.body)).toEqual(['call_both', 'call_publisher_only']);
    expect(first.body.nextBefore).toBe(4_000);
    const second = await list(f.admin.cookie, `?limit=2&before=${first.body.nextBefore}`);
    expect(ids(second.body)).toEqual(['call_consumer_only', 'call_stranger']);
    const third = await list(f.admin.cookie, `?limit=2&before=${second.body.nextBefore}`);
    expect(third.body).toMatchObject({ nextBefore: null });
    expect(ids(third.body)).toEqual(['call_stranger_uses_pub']);
    expect((await list(f.admin.cookie, '?limit=501')).body.error.message).toMatch(/^limit:/);
    expect((await list(f.admin.cookie, '?limit=0')).status).toBe(400);
    expect((await list(f.admin.cookie, '?before=soon')).body.error.message).toMatch(/^before:/);
  });

  it('never splits a millisecond across pages, so the cursor skips nothing', async () => {
    // Six calls in two milliseconds, read three at a time.
    insertCallRecords(f.db, [
      ...['a', 'b', 'c', 'd'].map((s) => callRecord({ id: `call_tie_${s}`, appId, startedAt: 9_000 })),
      ...['e', 'f'].map((s) => callRecord({ id: `call_tie_${s}`, appId, startedAt: 8_000 })),
    ]);
    const seen: string[] = [];
    let before: number | null = 10_000;
    while (before !== null) {
      const page: { body: { records: Array<{ id: string; startedAt: number }>; nextBefore: number | null } } = await list(consumer.cookie, `?limit=3&before=${before}`);
      seen.push(...ids(page.body));
      before = page.body.nextBefore;
    }
    expect(seen).toEqual(['call_tie_d', 'call_tie_c', 'call_tie_b', 'call_tie_a', 'call_tie_f', 'call_tie_e', 'call_both', 'call_consumer_only']);
    // A page that would end inside a millisecond stops before it instead.
    const trimmed = await list(consumer.cookie, '?limit=5&before=10000');
    expect(ids(trimmed.body)).toEqual(['call_tie_d', 'call_tie_c', 'call_tie_b', 'call_tie_a']);
    expect(trimmed.body.nextBefore).toBe(9_000);
  });

  it('needs a session', async () => {
    expect((await f.api('GET', '/api/call-records')).status).toBe(401);
  });
});
