import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apps } from '@tollgate/db';
import { newId, type AppId, type CallRecord, type ServiceId, type TeamId } from '@tollgate/domain';
import { callRecord } from '../testing/call-record-factory';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { insertCallRecords } from './store';

interface Page {
  records: Array<{ id: string; startedAt: number }>;
  nextCursor: string | null;
}

describe('call records API: the log explorer', () => {
  let f: PortalFixture;
  let publisher: TestUser;
  let consumer: TestUser;
  let stranger: TestUser;
  let loner: TestUser;
  let pTeam: TeamId;
  let cTeam: TeamId;
  let sTeam: TeamId;
  let serviceId: ServiceId;
  let promptService: ServiceId;
  let strangerService: ServiceId;
  let appId: AppId;
  let secondApp: AppId;
  let strangerApp: AppId;

  const ids = (body: Page) => body.records.map((r) => r.id);
  const list = (cookie: string, query = '') => f.api<Page>('GET', `/api/call-records${query}`, { cookie });
  const idsFor = async (cookie: string, query: string) => {
    const res = await list(cookie, query);
    expect(res.status, query).toBe(200);
    return ids(res.body);
  };

  beforeAll(async () => {
    f = await createPortalFixture();
    [publisher, consumer, stranger, loner] = await Promise.all([f.createUser(), f.createUser(), f.createUser(), f.createUser()]);
    pTeam = (await f.createTeam({ slug: 'pub', ownerUserId: publisher.id })).id;
    cTeam = (await f.createTeam({ slug: 'con', ownerUserId: consumer.id })).id;
    sTeam = (await f.createTeam({ slug: 'str', ownerUserId: stranger.id })).id;
    const svc = async (team: string, cookie: string, slug: string) =>
      (await f.api('POST', `/api/teams/${team}/services`, { cookie, body: { name: slug, slug, kind: 'ai' }, expect: 201 })).body.service.id;
    const app = async (team: string, cookie: string) =>
      (await f.api('POST', `/api/teams/${team}/apps`, { cookie, body: { name: 'a' }, expect: 201 })).body.app.id;
    serviceId = await svc(pTeam, publisher.cookie, 'pub-llm');
    promptService = await svc(pTeam, publisher.cookie, 'pub-prompts');
    strangerService = await svc(sTeam, stranger.cookie, 'str-llm');
    appId = await app(cTeam, consumer.cookie);
    secondApp = await app(cTeam, consumer.cookie);
    strangerApp = await app(sTeam, stranger.cookie);
    const chat = { api: '/v1/chat/completions', model: 'gpt-4o-mini' };
    const records: CallRecord[] = [
      callRecord({ id: 'call_chat_ok', appId, serviceId, teamId: cTeam, startedAt: 10_000, ...chat, keyPrefix: 'tg_AbCd_1234', requestId: 'req_chat_ok' }),
      callRecord({ id: 'call_chat_429', appId, serviceId, teamId: cTeam, startedAt: 9_000, ...chat, status: 429, failed: true, keyPrefix: 'tg_AbCd_1234', requestId: 'req_chat_429' }),
      callRecord({ id: 'call_embed_503', appId: secondApp, serviceId, teamId: cTeam, startedAt: 8_000, api: '/v1/embeddings', model: 'text-embed', status: 503, failed: true, keyPrefix: 'tg_zzzz_9999', requestId: 'req_embed' }),
      // A stream cut mid-answer: 200 on the status line, failed all the same.
      callRecord({ id: 'call_prompt_cut', appId: secondApp, serviceId: promptService, teamId: cTeam, startedAt: 7_000, api: 'prompt:prm_x', model: 'gpt-4o', failed: true, keyPrefix: 'tg_AbCe_0000', requestId: 'req_prompt' }),
      // A prompt test run from the portal: no app, the service's team.
      callRecord({ id: 'call_test_run', appId: null, serviceId: promptService, teamId: pTeam, startedAt: 6_000, api: 'prompt:prm_x', model: 'gpt-4o', requestId: 'req_test' }),
      callRecord({ id: 'call_stranger', appId: strangerApp, serviceId: strangerService, teamId: sTeam, startedAt: 5_000, ...chat, requestId: 'req_stranger' }),
      callRecord({ id: 'call_stranger_uses_pub', appId: strangerApp, serviceId, teamId: sTeam, startedAt: 4_000, ...chat, status: 500, failed: true, keyPrefix: 'tg_XyZ_0001', requestId: 'req_x' }),
      // `tgxAbCd_…` would match `tg_AbCd%` in a LIKE: the prefix filter must take `_` literally.
      callRecord({ id: 'call_consumer_only', appId, serviceId: null, teamId: cTeam, startedAt: 3_000, status: 404, failed: true, keyPrefix: 'tgxAbCd_5678', requestId: 'req_404' }),
    ];
    records[0]!.bodies = { request: '{"messages":[{"role":"user","content":"[REDACTED]"}]}', response: '{"id":"chatcmpl-1"}', requestTruncated: false, responseTruncated: true };
    await insertCallRecords(f.db, records);
  });
  afterAll(() => f.close());

  it('shows consumers their apps’ calls and publishers their services’ calls, newest first', async () => {
    expect(await idsFor(publisher.cookie, '')).toEqual(['call_chat_ok', 'call_chat_429', 'call_embed_503', 'call_prompt_cut', 'call_test_run', 'call_stranger_uses_pub']);
    expect(await idsFor(consumer.cookie, '')).toEqual(['call_chat_ok', 'call_chat_429', 'call_embed_503', 'call_prompt_cut', 'call_consumer_only']);
    expect(await idsFor(stranger.cookie, '')).toEqual(['call_stranger', 'call_stranger_uses_pub']);
    expect((await list(loner.cookie)).body).toEqual({ records: [], nextCursor: null });
    expect(await idsFor(f.admin.cookie, '')).toHaveLength(8);
    const record = (await list(consumer.cookie)).body.records[0];
    expect(record).toMatchObject({ id: 'call_chat_ok', appId, serviceId, inputTokens: 10, costMicroUsd: 7, failed: false, keyPrefix: 'tg_AbCd_1234', api: '/v1/chat/completions' });
    // The list carries no bodies: they are read one record at a time.
    expect(record).not.toHaveProperty('bodies');
  });

  it('filters by each field', async () => {
    const p = publisher.cookie;
    // Time: `from` inclusive, `to` exclusive, in epoch ms or ISO 8601.
    expect(await idsFor(p, '?from=7000&to=9001')).toEqual(['call_chat_429', 'call_embed_503', 'call_prompt_cut']);
    expect(await idsFor(p, '?from=1970-01-01T00:00:07Z&to=1970-01-01T00:00:09.001Z')).toEqual(['call_chat_429', 'call_embed_503', 'call_prompt_cut']);
    expect(await idsFor(p, '?from=1970-01-01T01:00:07%2B01:00&to=1970-01-01T00:00:09Z')).toEqual(['call_embed_503', 'call_prompt_cut']);
    expect(await idsFor(p, '?to=1970-01-02')).toHaveLength(6);
    expect(await idsFor(p, '?from=1970-01-02')).toEqual([]);
    // The calling team, the service, the app, the API.
    expect(await idsFor(p, `?teamId=${cTeam}`)).toEqual(['call_chat_ok', 'call_chat_429', 'call_embed_503', 'call_prompt_cut']);
    expect(await idsFor(p, `?teamId=${sTeam}`)).toEqual(['call_stranger_uses_pub']);
    expect(await idsFor(p, `?teamId=${pTeam}`)).toEqual(['call_test_run']);
    expect(await idsFor(p, `?serviceId=${promptService}`)).toEqual(['call_prompt_cut', 'call_test_run']);
    expect(await idsFor(p, `?appId=${secondApp}`)).toEqual(['call_embed_503', 'call_prompt_cut']);
    expect(await idsFor(p, '?api=/v1/embeddings')).toEqual(['call_embed_503']);
    expect(await idsFor(p, '?api=prompt:prm_x')).toEqual(['call_prompt_cut', 'call_test_run']);
    // Key prefix: a case-sensitive start match, wildcards taken literally.
    expect(await idsFor(consumer.cookie, '?keyPrefix=tg_AbCd')).toEqual(['call_chat_ok', 'call_chat_429']);
    expect(await idsFor(consumer.cookie, '?keyPrefix=tg_AbC')).toEqual(['call_chat_ok', 'call_chat_429', 'call_prompt_cut']);
    expect(await idsFor(consumer.cookie, '?keyPrefix=tg_abcd')).toEqual([]);
    expect(await idsFor(consumer.cookie, '?keyPrefix=tg%25')).toEqual([]);
    expect(await idsFor(consumer.cookie, '?keyPrefix=tg_AbCd_1234_and_more')).toEqual([]);
    expect(await idsFor(p, '?model=gpt-4o')).toEqual(['call_prompt_cut', 'call_test_run']);
    // Status: an exact code or a class.
    expect(await idsFor(p, '?status=429')).toEqual(['call_chat_429']);
    expect(await idsFor(p, '?status=5xx')).toEqual(['call_embed_503', 'call_stranger_uses_pub']);
    expect(await idsFor(p, '?status=5XX')).toEqual(['call_embed_503', 'call_stranger_uses_pub']);
    expect(await idsFor(p, '?status=2xx')).toEqual(['call_chat_ok', 'call_prompt_cut', 'call_test_run']);
    expect(await idsFor(p, '?requestId=req_embed')).toEqual(['call_embed_503']);
    expect(await idsFor(p, '?failed=true')).toEqual(['call_chat_429', 'call_embed_503', 'call_prompt_cut', 'call_stranger_uses_pub']);
    expect(await idsFor(p, '?failed=false')).toEqual(['call_chat_ok', 'call_test_run']);
  });

  it('combines filters, and no filter widens what is visible', async () => {
    expect(await idsFor(publisher.cookie, `?status=2xx&failed=true&serviceId=${promptService}`)).toEqual(['call_prompt_cut']);
    expect(await idsFor(publisher.cookie, `?appId=${appId}&status=4xx&from=9000&model=gpt-4o-mini&keyPrefix=tg_`)).toEqual(['call_chat_429']);
    expect(await idsFor(publisher.cookie, `?appId=${appId}&status=5xx`)).toEqual([]);
    // Other teams' records stay hidden however they are asked for.
    expect(await idsFor(consumer.cookie, `?serviceId=${strangerService}`)).toEqual([]);
    expect(await idsFor(consumer.cookie, `?appId=${strangerApp}`)).toEqual([]);
    expect(await idsFor(consumer.cookie, '?requestId=req_x')).toEqual([]);
    expect(await idsFor(consumer.cookie, `?teamId=${sTeam}`)).toEqual([]);
    expect(await idsFor(publisher.cookie, '?requestId=req_stranger')).toEqual([]);
    expect(await idsFor(publisher.cookie, '?requestId=req_404')).toEqual([]);
    expect(await idsFor(stranger.cookie, `?teamId=${cTeam}`)).toEqual([]);
    expect(await idsFor(loner.cookie, '?status=2xx')).toEqual([]);
    // A publisher sees calls of other teams' apps to its service, and only those.
    expect(await idsFor(publisher.cookie, `?appId=${strangerApp}`)).toEqual(['call_stranger_uses_pub']);
  });

  it('pages with an opaque cursor through ties in one millisecond and across pages', async () => {
    // Seven calls in one millisecond and two in the next older one, read three at a time: pages end inside a
    // millisecond, and nothing is skipped or repeated.
    const tied = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((s) => callRecord({ id: `call_tie_${s}`, appId, startedAt: 20_000 }));
    const older = ['h', 'i'].map((s) => callRecord({ id: `call_tie_${s}`, appId, startedAt: 19_999 }));
    await insertCallRecords(f.db, [...tied, ...older]);
    const everything = await idsFor(consumer.cookie, '?limit=500');
    expect(everything.slice(0, 9)).toEqual(['call_tie_g', 'call_tie_f', 'call_tie_e', 'call_tie_d', 'call_tie_c', 'call_tie_b', 'call_tie_a', 'call_tie_i', 'call_tie_h']);
    const first = await list(consumer.cookie, '?limit=3');
    expect(ids(first.body)).toEqual(['call_tie_g', 'call_tie_f', 'call_tie_e']);
    expect(first.body.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    // A call arriving meanwhile is newer than the cursor: it does not shift the pages that follow.
    await insertCallRecords(f.db, [callRecord({ id: 'call_tie_newest', appId, startedAt: 30_000 })]);
    const seen = ids(first.body);
    let cursor = first.body.nextCursor;
    let pages = 1;
    while (cursor) {
      const page = await list(consumer.cookie, `?limit=3&cursor=${cursor}`);
      expect(page.status).toBe(200);
      seen.push(...ids(page.body));
      cursor = page.body.nextCursor;
      pages++;
    }
    expect(seen).toEqual(everything);
    expect(pages).toBe(Math.ceil(everything.length / 3));
    // The cursor carries the position only: filters are sent again with it and still apply.
    const filtered = await list(consumer.cookie, '?limit=1&failed=true');
    const next = await list(consumer.cookie, `?limit=1&failed=true&cursor=${filtered.body.nextCursor}`);
    expect([...ids(filtered.body), ...ids(next.body)]).toEqual(['call_chat_429', 'call_embed_503']);
    // A page that ends exactly at the last record says there is no next one.
    const exact = await list(consumer.cookie, `?limit=${everything.length + 1}`);
    expect(exact.body.nextCursor).toBeNull();
  });

  it('refuses bad parameters with 400 naming the parameter', async () => {
    const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const cases: Array<[string, string]> = [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=many', 'limit'],
      ['cursor=not*a*cursor', 'cursor'],
      [`cursor=${cursorOf('hello')}`, 'cursor'],
      [`cursor=${cursorOf([1])}`, 'cursor'],
      [`cursor=${cursorOf([-1, 'call_x'])}`, 'cursor'],
      [`cursor=${Buffer.from('{').toString('base64url')}`, 'cursor'],
      ['from=yesterday', 'from'],
      // A time of day without a zone would be read in the server's.
      ['from=2025-01-01T10:00', 'from'],
      ['to=2025-13-45', 'to'],
      ['from=10&to=5', 'to'],
      ['from=10&to=10', 'to'],
      ['status=600', 'status'],
      ['status=4x', 'status'],
      ['status=ok', 'status'],
      ['failed=yes', 'failed'],
      ['appId=nope', 'appId'],
      ['serviceId=app_123', 'serviceId'],
      ['teamId=x', 'teamId'],
      ['keyPrefix=', 'keyPrefix'],
      [`model=${'m'.repeat(201)}`, 'model'],
      // The millisecond cursor is gone: asking for it must not silently answer the first page again.
      ['before=1000', 'before'],
      ['format=csv', 'format'],
    ];
    for (const [query, param] of cases) {
      const res = await list(consumer.cookie, `?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'invalid_query' } });
      expect((res.body as unknown as { error: { message: string } }).error.message, query).toMatch(new RegExp(`^${param}:`));
    }
  });

  it('returns one record with its captured bodies to either side, and 404 to everyone else', async () => {
    const expected = {
      id: 'call_chat_ok',
      appId,
      serviceId,
      bodies: { request: '{"messages":[{"role":"user","content":"[REDACTED]"}]}', response: '{"id":"chatcmpl-1"}', requestTruncated: false, responseTruncated: true },
    };
    for (const user of [consumer, publisher, f.admin]) {
      const res = await f.api('GET', '/api/call-records/call_chat_ok', { cookie: user.cookie, expect: 200 });
      expect(res.body.record).toMatchObject(expected);
    }
    // A record with nothing captured says so.
    expect((await f.api('GET', '/api/call-records/call_chat_429', { cookie: consumer.cookie, expect: 200 })).body.record.bodies).toBeNull();
    for (const [user, id] of [[stranger, 'call_chat_ok'], [loner, 'call_chat_ok'], [consumer, 'call_stranger'], [publisher, 'call_consumer_only'], [consumer, 'call_missing']] as const) {
      const res = await f.api('GET', `/api/call-records/${id}`, { cookie: user.cookie });
      expect(res.status, `${id}`).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('REDACTED');
    }
  });

  it('shows a record seen from both sides once, to someone in both teams', async () => {
    const both = await f.createUser();
    await f.addMember(cTeam, both.id, 'member');
    await f.addMember(pTeam, both.id, 'member');
    const seen = await idsFor(both.cookie, '?limit=500');
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(['call_chat_ok', 'call_test_run', 'call_consumer_only', 'call_stranger_uses_pub']));
    // Paged one by one, the union still gives each record once, in order.
    const paged: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { body: Page } = await list(both.cookie, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...ids(page.body));
      cursor = page.body.nextCursor;
    }
    expect(paged).toEqual(seen);
  });

  it('reads the same for a team with more apps than one union takes', async () => {
    const big = await f.createUser();
    const team = (await f.createTeam({ slug: 'many-apps', ownerUserId: big.id })).id;
    const many: AppId[] = [];
    for (let batch = 0; batch < 11; batch++) {
      const made = await Promise.all(
        Array.from({ length: 10 }, () => f.api('POST', `/api/teams/${team}/apps`, { cookie: big.cookie, body: { name: 'many' }, expect: 201 })),
      );
      many.push(...made.map((r) => r.body.app.id));
    }
    await insertCallRecords(f.db, [
      callRecord({ id: 'call_many_1', appId: many[0]!, startedAt: 50_000 }),
      callRecord({ id: 'call_many_2', appId: many[109]!, startedAt: 50_000 }),
      callRecord({ id: 'call_many_3', appId: many[50]!, startedAt: 49_000, status: 500 }),
    ]);
    expect(await idsFor(big.cookie, '')).toEqual(['call_many_2', 'call_many_1', 'call_many_3']);
    const first = await list(big.cookie, '?limit=1');
    expect(ids((await list(big.cookie, `?limit=5&cursor=${first.body.nextCursor}`)).body)).toEqual(['call_many_1', 'call_many_3']);
    expect(await idsFor(big.cookie, '?status=5xx')).toEqual(['call_many_3']);
  });

  it('reads a team with more apps than SQLite takes OR terms (its expression depth is 1,000)', async () => {
    const big = await f.createUser();
    const team = (await f.createTeam({ slug: 'thousand-apps', ownerUserId: big.id })).id;
    // Straight into the table: 1,100 apps through the API would be most of this file's time.
    const many = Array.from({ length: 1_100 }, () => newId('app'));
    await f.db.insert(apps).values(many.map((id) => ({ id, teamId: team, name: 'many' })));
    await insertCallRecords(f.db, [callRecord({ id: 'call_thousand_1', appId: many[1_099]!, startedAt: 60_000 })]);
    expect(await idsFor(big.cookie, '')).toEqual(['call_thousand_1']);
    expect((await f.api('GET', '/api/call-records/call_thousand_1', { cookie: big.cookie })).status).toBe(200);
    const exported = await f.app.request('/api/call-records/export?format=ndjson', { headers: { cookie: big.cookie } });
    expect(exported.status).toBe(200);
    expect(await exported.text()).toContain('call_thousand_1');
  });

  it('needs a session', async () => {
    for (const path of ['/api/call-records', '/api/call-records/call_chat_ok', '/api/call-records/export?format=csv']) {
      expect((await f.api('GET', path)).status, path).toBe(401);
    }
  });
});
