import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, first } from '@tollgate/db';
import type { TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { defaultApiRest } from './api-settings';

describe('REST settings of an API', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let member: TestUser;
  let teamId: TeamId;
  let serviceId: string;
  let aiServiceId: string;

  const create = (body: Record<string, unknown>, id = serviceId, cookie = owner.cookie) => f.api('POST', `/api/services/${id}/apis`, { cookie, body });
  const patch = (apiId: string, body: unknown, id = serviceId, cookie = owner.cookie) => f.api('PATCH', `/api/services/${id}/apis/${apiId}`, { cookie, body });

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, member] = await Promise.all([f.createUser(), f.createUser()]);
    teamId = (await f.createTeam({ slug: 'api-settings', ownerUserId: owner.id })).id;
    await f.addMember(teamId, member.id, 'member');
    serviceId = (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: 'Pets', slug: 'pets', kind: 'rest' }, expect: 201 })).body.service.id;
    aiServiceId = (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: 'LLM', slug: 'llm', kind: 'ai' }, expect: 201 })).body.service.id;
  });
  afterAll(() => f.close());

  it('creates a REST API with its settings, normalised, and the defaults for the rest', async () => {
    const res = await create({
      name: 'Get pet',
      methods: ['get'],
      path: '/pets/{id}',
      headers: { 'X-Version': '2' },
      rewrite: { template: '/v2/animals/{id}' },
      requestHeaders: { set: { 'X-Source': 'tollgate' }, remove: ['Cookie'] },
      responseHeaders: { add: { 'Cache-Control': 'no-store' } },
      addQuery: { format: 'json' },
      limits: { requestsPerMinute: 30 },
      retryAll: true,
    });
    expect(res.status).toBe(201);
    expect(res.body.api).toMatchObject({
      name: 'Get pet',
      methods: ['GET'],
      path: '/pets/{id}',
      pathType: 'exact',
      headers: { 'x-version': '2' },
      query: {},
      rewrite: { template: '/v2/animals/{id}' },
      requestHeaders: { set: { 'x-source': 'tollgate' }, add: {}, remove: ['cookie'] },
      responseHeaders: { set: {}, add: { 'cache-control': 'no-store' }, remove: [] },
      addQuery: { format: 'json' },
      limits: { requestsPerMinute: 30 },
      retryAll: true,
      websocket: false,
    });
    const plain = await create({ name: 'List pets', methods: ['GET'], path: '/pets' });
    expect(plain.body.api).toMatchObject(defaultApiRest());
    const listed = await f.api('GET', `/api/services/${serviceId}/apis`, { cookie: member.cookie, expect: 200 });
    expect(listed.body.apis.find((a: { id: string }) => a.id === res.body.api.id)).toEqual(res.body.api);
  });

  it('refuses bad settings with a 400 naming the field', async () => {
    const base = { name: 'X', methods: ['GET'], path: '/things/{thingId}' };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ pathType: 'regex' }, /^pathType:/],
      [{ rewrite: { template: '/v2/{id}' } }, /^rewrite\.template: \{id\} is not a parameter of the path \/things\/\{thingId\}/],
      [{ rewrite: { stripPrefix: false } }, /^rewrite: use \{"stripPrefix": true\}/],
      [{ rewrite: { template: 'v2' } }, /^rewrite\.template: must start with \//],
      [{ headers: { 'bad header': 'x' } }, /^headers\.bad header: not an HTTP header name/],
      [{ headers: { 'X-A': '1', 'x-a': '2' } }, /^headers\.x-a: given twice/],
      [{ requestHeaders: { set: { Host: 'x' } } }, /^requestHeaders\.set\.Host: host is managed by the gateway \(use hostHeader on the upstream\)/],
      [{ requestHeaders: { set: { 'X-Tollgate-App': 'forged' } } }, /^requestHeaders\.set\.X-Tollgate-App: x-tollgate-\* headers/],
      [{ requestHeaders: { add: { 'x-a': 'line\nbreak' } } }, /^requestHeaders\.add\.x-a: a header value cannot hold line breaks/],
      [{ responseHeaders: { set: { 'Transfer-Encoding': 'chunked' } } }, /^responseHeaders\.set\.Transfer-Encoding: managed by the gateway/],
      [{ addQuery: { 'a b': 'c' } }, /^addQuery\.a b:/],
      [{ limits: { tokensPerMinute: 5 } }, /^limits: REST calls carry no tokens/],
      [{ limits: { requestsPerMinute: 0 } }, /^limits\.requestsPerMinute:/],
      [{ retryAll: 'yes' }, /^retryAll:/],
    ];
    for (const [extra, message] of cases) {
      const res = await create({ ...base, ...extra });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.error.message, JSON.stringify(extra)).toMatch(message);
    }
  });

  it('tells APIs on one path apart by their header and query conditions, and refuses true duplicates', async () => {
    await create({ name: 'Search v1', methods: ['GET'], path: '/search' });
    expect((await create({ name: 'Search v2', methods: ['GET'], path: '/search', headers: { 'x-version': '2' } })).status).toBe(201);
    expect((await create({ name: 'Search everything', methods: ['GET'], path: '/search', pathType: 'prefix' })).status).toBe(201);
    const twice = await create({ name: 'Search again', methods: ['GET', 'POST'], path: '/search', headers: { 'X-Version': '2' } });
    expect([twice.status, twice.body.error.message]).toEqual([409, 'The service already has an API for GET /search.']);
  });

  it('changes an API with PATCH: the sent fields only, checked against the resulting path, audited', async () => {
    const api = (await create({ name: 'Owner', methods: ['GET'], path: '/owners/{id}', rewrite: { template: '/people/{id}' } })).body.api;
    const moved = await patch(api.id, { path: '/owners/{ownerId}' });
    expect([moved.status, moved.body.error.message]).toEqual([400, 'rewrite.template: {id} is not a parameter of the path /owners/{ownerId}']);
    const res = await patch(api.id, { path: '/owners/{ownerId}', rewrite: { template: '/people/{ownerId}' }, websocket: true, description: 'One owner' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ api: { id: api.id, name: 'Owner', path: '/owners/{ownerId}', description: 'One owner', rewrite: { template: '/people/{ownerId}' }, websocket: true, retryAll: false }, live: false, takesEffect: 'first publish' });
    const event = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, serviceId), eq(auditEvents.action, 'service.api_update'))));
    expect(event).toMatchObject({
      summary: { apiId: api.id, api: 'GET /owners/{ownerId}', fields: ['path', 'description', 'rewrite', 'websocket'] },
      before: { api: { path: '/owners/{id}', rest: { websocket: false } } },
      after: { api: { path: '/owners/{ownerId}', rest: { websocket: true } } },
    });
    expect((await patch(api.id, {})).body.error.message).toBe('body: send at least one field to change');
    expect((await patch(api.id, { name: 'x' }, serviceId, member.cookie)).status).toBe(403);
    expect((await patch('api_missing000000', { name: 'x' })).status).toBe(404);
    expect((await patch(api.id, { path: '/pets' })).body.error.message).toMatch(/^rewrite\.template: \{ownerId\} is not a parameter/);
    const clash = await patch(api.id, { path: '/pets', rewrite: null });
    expect([clash.status, clash.body.error.message]).toEqual([409, 'The service already has an API for GET /pets.']);
  });

  it('keeps REST settings off AI services, and the chat endpoint where it is', async () => {
    const refused = await create({ name: 'Embeddings', methods: ['POST'], path: '/v1/embeddings', retryAll: true }, aiServiceId);
    expect([refused.status, refused.body.error.message]).toEqual([400, 'retryAll: REST settings belong to REST services; this service is of kind ai']);
    const apis = (await f.api('GET', `/api/services/${aiServiceId}/apis`, { cookie: owner.cookie })).body.apis;
    expect(apis[0]).not.toHaveProperty('pathType');
    const chat = apis.find((a: { path: string }) => a.path === '/v1/chat/completions');
    expect((await patch(chat.id, { path: '/v1/other' }, aiServiceId)).status).toBe(409);
    const renamed = await patch(chat.id, { name: 'Chat', description: 'Talk' }, aiServiceId);
    expect(renamed.status).toBe(200);
    expect(renamed.body.api).toMatchObject({ name: 'Chat', path: '/v1/chat/completions' });
    expect(renamed.body.api).not.toHaveProperty('rewrite');
  });
});
