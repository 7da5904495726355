import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { selectRaw } from '@tollgate/db';
import type { AppId, ServiceId } from '@tollgate/domain';
import { callRecord } from '../testing/call-record-factory';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

/** REST calls (ADR 0018) carry the matched route template, the upstream and the node that answered. */
describe('call records of REST calls', () => {
  const token = 'internal-token-for-rest-fields'.padEnd(40, 'x');
  let f: PortalFixture;
  let owner: TestUser;
  let appId: AppId;
  let serviceId: ServiceId;

  const push = (records: unknown[]) => f.api('POST', '/api/internal/call-records', { headers: { authorization: `Bearer ${token}` }, body: { records }, expect: 200 });
  const list = async (query = '') => (await f.api('GET', `/api/call-records${query}`, { cookie: owner.cookie, expect: 200 })).body.records as Array<Record<string, unknown>>;

  beforeAll(async () => {
    f = await createPortalFixture({ settings: { internalToken: token } });
    owner = await f.createUser();
    const team = (await f.createTeam({ slug: 'rest-calls', ownerUserId: owner.id })).id;
    appId = (await f.api('POST', `/api/teams/${team}/apps`, { cookie: owner.cookie, body: { name: 'a' }, expect: 201 })).body.app.id;
    serviceId = (await f.api('POST', `/api/teams/${team}/services`, { cookie: owner.cookie, body: { name: 'Pets', slug: 'pets', kind: 'rest' }, expect: 201 })).body.service.id;
    const rest = { appId, serviceId, method: 'GET', model: null, upstreamModel: null, inputTokens: 0, outputTokens: 0, costMicroUsd: 0 };
    const { route: _r, upstream: _u, upstreamNode: _n, ...olderGateway } = callRecord({ id: 'call_older_gateway', appId, serviceId, startedAt: 1_000 });
    const res = await push([
      callRecord({ ...rest, id: 'call_rest_default', startedAt: 3_000, path: '/pets/pets/7', api: 'rest:api_x', route: '/pets/{id}', upstream: 'default', upstreamNode: 'http://10.0.0.1:8080' }),
      callRecord({ ...rest, id: 'call_rest_canary', startedAt: 2_000, path: '/pets/pets/8', api: 'rest:api_x', route: '/pets/{id}', upstream: 'canary', upstreamNode: 'http://10.0.0.9:8080', status: 502, failed: true }),
      // A gateway from before REST calls sends none of the three fields: the record is kept, with them null.
      olderGateway,
    ]);
    expect(res.body).toEqual({ accepted: 3, rejected: 0, problems: [] });
  });
  afterAll(() => f.close());

  it('stores them and shows them in the list and in one record', async () => {
    const records = await list();
    expect(records.map((r) => [r.id, r.route, r.upstream, r.upstreamNode])).toEqual([
      ['call_rest_default', '/pets/{id}', 'default', 'http://10.0.0.1:8080'],
      ['call_rest_canary', '/pets/{id}', 'canary', 'http://10.0.0.9:8080'],
      ['call_older_gateway', null, null, null],
    ]);
    const [raw] = await selectRaw(f.db, sql`select route, upstream, upstream_node from call_records where id = ${'call_rest_canary'}`);
    expect(raw).toEqual({ route: '/pets/{id}', upstream: 'canary', upstream_node: 'http://10.0.0.9:8080' });
    const one = await f.api('GET', '/api/call-records/call_rest_canary', { cookie: owner.cookie, expect: 200 });
    expect(one.body.record).toMatchObject({ route: '/pets/{id}', upstream: 'canary', upstreamNode: 'http://10.0.0.9:8080' });
  });

  it('filters the log explorer by route and by upstream, as narrowing filters', async () => {
    expect((await list('?upstream=canary')).map((r) => r.id)).toEqual(['call_rest_canary']);
    expect((await list(`?route=${encodeURIComponent('/pets/{id}')}&upstream=default`)).map((r) => r.id)).toEqual(['call_rest_default']);
    expect(await list('?route=%2Fother')).toEqual([]);
    const bad = await f.api('GET', `/api/call-records?upstream=${'x'.repeat(65)}`, { cookie: owner.cookie });
    expect([bad.status, bad.body.error.message]).toEqual([400, expect.stringMatching(/^upstream:/)]);
  });

  it('exports them in CSV and NDJSON', async () => {
    const csv = await f.app.request('/api/call-records/export?format=csv&upstream=canary', { headers: { cookie: owner.cookie } });
    const rows = parse(await csv.text(), { columns: true, record_delimiter: '\r\n' }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.id, r.route, r.upstream, r.upstreamNode])).toEqual([['call_rest_canary', '/pets/{id}', 'canary', 'http://10.0.0.9:8080']]);
    const ndjson = await f.app.request('/api/call-records/export?format=ndjson', { headers: { cookie: owner.cookie } });
    const lines = (await ndjson.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((r) => [r.id, r.upstream])).toEqual([['call_rest_default', 'default'], ['call_rest_canary', 'canary'], ['call_older_gateway', null]]);
    expect(lines[0]).toMatchObject({ route: '/pets/{id}', upstreamNode: 'http://10.0.0.1:8080' });
  });
});
