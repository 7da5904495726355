import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import YAML from 'yaml';
import { auditEvents, first, services } from '@tollgate/db';
import type { ServiceId, TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

const petStoreYaml = `openapi: 3.1.0
info:
  title: Pet Store
  version: 1.2.0
  description: Pets as a service
paths:
  /pets:
    get:
      summary: List pets
      operationId: listPets
      tags: [pets]
      responses:
        '200':
          description: A list of pets
    post:
      operationId: createPet
      description: Adds a pet
      tags: [pets, Admin area]
      requestBody:
        content:
          application/json:
            schema: { type: object, properties: { name: { type: string } } }
      responses:
        '201': { description: Created }
  /pets/{petId}:
    parameters:
      - { name: petId, in: path, required: true, schema: { type: string } }
    get:
      responses:
        '200': { description: One pet }
    x-internal: true
components:
  schemas:
    Pet: { type: object, required: [name], properties: { name: { type: string } } }
`;

const minimal = (paths: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  openapi: '3.0.3',
  info: { title: 'Minimal', version: '1' },
  paths,
  ...extra,
});

interface ApiJson {
  id: string;
  name: string;
  methods: string[];
  path: string;
  description: string;
  tags: string[];
}

describe('OpenAPI import and export', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let teamId: TeamId;
  let restId: ServiceId;

  const put = (serviceId: string, body: unknown, contentType = 'application/json', cookie = owner.cookie) =>
    f.api('PUT', `/api/services/${serviceId}/openapi`, {
      cookie,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': contentType },
    });
  const get = (serviceId: string, query = '', headers: Record<string, string> = {}, cookie = owner.cookie) =>
    f.api('GET', `/api/services/${serviceId}/openapi${query}`, { cookie, headers });
  const apisOf = async (serviceId: string) =>
    (await f.api('GET', `/api/services/${serviceId}/apis`, { cookie: owner.cookie, expect: 200 })).body.apis as ApiJson[];
  const labels = (list: Array<{ methods: string[]; path: string }>) => list.map((a) => `${a.methods.join(',')} ${a.path}`).sort();
  const newService = async (slug: string, kind = 'rest') =>
    (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: `Svc ${slug}`, slug, kind }, expect: 201 })).body.service.id as ServiceId;

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, member, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser()]);
    teamId = (await f.createTeam({ slug: 'pets', ownerUserId: owner.id })).id;
    await f.addMember(teamId, member.id, 'member');
    await f.createTeam({ slug: 'strangers', ownerUserId: outsider.id });
    restId = await newService('pet-store');
  });
  afterAll(() => f.close());

  it('imports a YAML document: one API per operation, the document stored, one audited change', async () => {
    const revision = await f.revision();
    const res = await put(restId, petStoreYaml, 'application/yaml');
    expect(res.status).toBe(200);
    expect(res.body.imported).toBe(3);
    expect(res.body.apis.map((a: any) => ({ name: a.name, methods: a.methods, path: a.path, description: a.description, tags: a.tags }))).toEqual([
      { name: 'List pets', methods: ['GET'], path: '/pets', description: '', tags: ['pets'] },
      { name: 'createPet', methods: ['POST'], path: '/pets', description: 'Adds a pet', tags: ['pets', 'Admin area'] },
      { name: 'GET /pets/{petId}', methods: ['GET'], path: '/pets/{petId}', description: '', tags: [] },
    ]);
    expect(labels(await apisOf(restId))).toEqual(['GET /pets', 'GET /pets/{petId}', 'POST /pets']);
    expect((await first(f.db.select().from(services).where(eq(services.id, restId))))!.openapi).toEqual(YAML.parse(petStoreYaml));
    expect(await f.revision()).toBe(revision + 1);
    const event = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, restId), eq(auditEvents.action, 'service.openapi_import'))));
    expect(event).toMatchObject({ actorUserId: owner.id, teamId, summary: { operations: 3, title: 'Pet Store' }, before: { apis: [] } });
    expect((event!.after as { apis: string[] }).apis.sort()).toEqual(['GET /pets', 'GET /pets/{petId}', 'POST /pets']);
  });

  it('exports the stored document as JSON and as YAML, equal to what was imported', async () => {
    const original = YAML.parse(petStoreYaml);
    const json = await get(restId);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json.body).toEqual(original);
    expect(JSON.stringify(json.body), 'key order is kept too').toBe(JSON.stringify(original));
    for (const [query, headers] of [['?format=yaml', {}], ['', { accept: 'application/yaml' }], ['', { accept: 'application/json;q=0.5, text/yaml' }]] as const) {
      const yaml = await get(restId, query, headers);
      expect(yaml.status).toBe(200);
      expect(yaml.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
      expect(YAML.parse(yaml.body)).toEqual(original);
    }
    // JSON stays the default when YAML is acceptable but not preferred, and `?format=` beats Accept.
    expect((await get(restId, '', { accept: 'application/json, application/yaml;q=0.5' })).headers.get('content-type')).toMatch(/^application\/json/);
    expect((await get(restId, '', { accept: '*/*' })).headers.get('content-type')).toMatch(/^application\/json/);
    expect((await get(restId, '?format=json', { accept: 'application/yaml' })).body).toEqual(original);
    const bad = await get(restId, '?format=xml');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^format:/);
  });

  it('imports JSON and replaces the previous APIs, including manually added ones', async () => {
    await f.api('POST', `/api/services/${restId}/apis`, { cookie: owner.cookie, body: { name: 'Manual', methods: ['DELETE'], path: '/manual' }, expect: 201 });
    const doc = minimal({ '/v2/pets': { get: { operationId: 'listPetsV2', responses: {} }, delete: { summary: 'x'.repeat(200) } } });
    const res = await put(restId, doc);
    expect(res.status).toBe(200);
    expect(res.body.imported).toBe(2);
    const list = await apisOf(restId);
    expect(labels(list)).toEqual(['DELETE /v2/pets', 'GET /v2/pets']);
    expect(list.find((a) => a.methods[0] === 'DELETE')!.name).toBe('x'.repeat(120));
    expect((await get(restId)).body).toEqual(doc);
    const events = await f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, restId), eq(auditEvents.action, 'service.openapi_import')));
    expect((events.at(-1)!.before as { apis: string[] }).apis.sort()).toEqual(['DELETE /manual', 'GET /pets', 'GET /pets/{petId}', 'POST /pets']);
  });

  it('keeps an AI service’s chat completions API through every import', async () => {
    const aiId = await newService('pet-llm', 'ai');
    const [chat] = await apisOf(aiId);
    const doc = minimal({
      '/v1/chat/completions': { post: { summary: 'Chat (documented)' } },
      '/v1/prompts/summarise': { post: { summary: 'Summarise' } },
    });
    const first = await put(aiId, doc);
    expect(first.status).toBe(200);
    expect(first.body.imported).toBe(1);
    expect(labels(first.body.apis)).toEqual(['POST /v1/chat/completions', 'POST /v1/prompts/summarise']);
    const second = await put(aiId, minimal({ '/v1/prompts/translate': { post: {} } }));
    expect(labels(second.body.apis)).toEqual(['POST /v1/chat/completions', 'POST /v1/prompts/translate']);
    expect((await apisOf(aiId)).find((a) => a.path === '/v1/chat/completions')).toEqual(chat);
  });

  it('imports up to 500 operations in one go', async () => {
    const id = await newService('five-hundred');
    const paths = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`/op${i}`, { get: {}, post: {} }]));
    const res = await put(id, minimal(paths));
    expect(res.status).toBe(200);
    expect(res.body.imported).toBe(500);
    expect(await apisOf(id)).toHaveLength(500);
  });

  it('ignores keys of a path item that are not HTTP methods', async () => {
    const id = await newService('ignores-unknown');
    const res = await put(id, minimal({ '/things': { summary: 'Things', fetch: { summary: 'nope' }, query: { summary: 'OpenAPI 3.2' }, 'x-rate': 5, get: {} } }));
    expect(res.status).toBe(200);
    expect(labels(res.body.apis)).toEqual(['GET /things']);
  });

  it('refuses bad documents with a message that says where, and changes nothing', async () => {
    const id = await newService('refusals');
    await put(id, minimal({ '/keep': { get: { summary: 'Keep me' } } }));
    const revision = await f.revision();
    const auditCount = async () => (await f.db.select().from(auditEvents).where(eq(auditEvents.targetId, id))).length;
    const audits = await auditCount();
    const tooMany = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`/op${i}`, { get: {} }]));
    const cases: Array<[body: unknown, type: string, status: number, code: string, message: RegExp]> = [
      ['openapi: 3.1.0', 'text/plain', 415, 'unsupported_media_type', /application\/json, application\/yaml, application\/x-yaml, text\/yaml/],
      ['{"openapi": "3.1.0"}', '', 415, 'unsupported_media_type', /application\/json/],
      ['{"openapi": ', 'application/json', 400, 'invalid_json', /not valid JSON/],
      ['openapi: 3.1.0\ninfo:\n  title: x\n  version: [1\npaths: {}\n', 'application/x-yaml', 400, 'invalid_yaml', /at line 5, column 1/],
      ['openapi: 3.1.0\nopenapi: 3.0.0\n', 'text/yaml', 400, 'invalid_yaml', /line 2/],
      [{ swagger: '2.0', info: { title: 'Old', version: '1' }, paths: {} }, 'application/json', 400, 'unsupported_openapi_version', /only OpenAPI 3\.x/],
      [{ ...minimal({}), openapi: '3.2.0' }, 'application/json', 400, 'invalid_openapi', /^openapi: only OpenAPI 3\.0\.x and 3\.1\.x/],
      [{ ...minimal({}), openapi: '3.10.0' }, 'application/json', 400, 'invalid_openapi', /^openapi:/],
      [{ openapi: '3.1.0', info: { version: '1' }, paths: {} }, 'application/json', 400, 'invalid_openapi', /^info\.title:/],
      [{ openapi: '3.1.0', info: { title: 'T' }, paths: {} }, 'application/json', 400, 'invalid_openapi', /^info\.version:/],
      [{ openapi: '3.1.0', info: { title: 'T', version: '1' } }, 'application/json', 400, 'invalid_openapi', /^paths:/],
      [[1, 2], 'application/json', 400, 'invalid_openapi', /^document:/],
      [minimal({ pets: { get: {} } }), 'application/json', 400, 'invalid_openapi', /^paths\.pets: a path must start with \//],
      [minimal({ '/pets': { get: { tags: 'pets' } } }), 'application/json', 400, 'invalid_openapi', /^paths\.\/pets\.get\.tags:/],
      [minimal({ '/pets': { get: { tags: ['ok', ''] } } }), 'application/json', 400, 'invalid_openapi', /^paths\.\/pets\.get\.tags\.1:/],
      [minimal({ '/pets': { post: 'not an operation' } }), 'application/json', 400, 'invalid_openapi', /^paths\.\/pets\.post:/],
      [minimal({ '/my pets': { get: {} } }), 'application/json', 400, 'invalid_openapi', /^paths\.\/my pets:/],
      [minimal(tooMany), 'application/json', 400, 'invalid_openapi', /more than 500 operations/],
    ];
    for (const [body, type, status, code, message] of cases) {
      const res = await f.api('PUT', `/api/services/${id}/openapi`, {
        cookie: owner.cookie,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: type ? { 'content-type': type } : {},
      });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toMatch(message);
    }
    expect(labels(await apisOf(id))).toEqual(['GET /keep']);
    expect((await get(id)).body.info.title).toBe('Minimal');
    expect(await f.revision()).toBe(revision);
    expect(await auditCount()).toBe(audits);
  });

  it('lists every problem of a refused document with its place in it, for an editor to show one by one', async () => {
    const id = await newService('problem-list');
    const res = await put(id, { openapi: '2.9', info: { title: '', version: '1' }, paths: { '/ok': { get: { tags: 'x' } } } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_openapi');
    expect(res.body.error.fields).toEqual([
      { path: 'openapi', message: 'only OpenAPI 3.0.x and 3.1.x are supported' },
      { path: 'info.title', message: expect.any(String) },
      { path: 'paths./ok.get.tags', message: expect.any(String) },
    ]);
    // An operation that fails the API rules names its operation too.
    const op = await put(id, minimal({ '/my pets': { get: {} } }));
    expect(op.body.error.fields).toEqual([{ path: 'paths./my pets', message: 'must start with / and contain no whitespace' }]);
    // Outside the team nothing is said about the document at all.
    const hidden = await put(id, { openapi: '2.9' }, 'application/json', outsider.cookie);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.fields).toBeUndefined();
  });

  it('lets only the owning team’s admins import; export follows the catalogue rule', async () => {
    const id = await newService('guarded');
    const doc = minimal({ '/x': { get: {} } });
    expect((await put(id, doc, 'application/json', member.cookie)).status).toBe(403);
    expect((await put(id, doc, 'application/json', outsider.cookie)).status).toBe(404);
    // Access is decided before the body is even read: an outsider learns nothing from a bad body either.
    expect((await put(id, 'x', 'text/plain', outsider.cookie)).status).toBe(404);
    expect((await put(id, doc, 'application/json', f.admin.cookie)).status).toBe(200);
    expect((await get(id, '', {}, member.cookie)).status).toBe(200);
    const hidden = await get(id, '', {}, outsider.cookie);
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain('Minimal');
    await f.api('POST', `/api/services/${id}/lifecycle`, { cookie: f.admin.cookie, body: { state: 'published' }, expect: 200 });
    expect((await get(id, '', {}, outsider.cookie)).body.paths).toEqual({ '/x': { get: {} } });
  });

  it('shows consumers the live release’s document and the owning team its working copy', async () => {
    const id = await newService('released-docs');
    await put(id, minimal({ '/v1': { get: {} } }, { info: { title: 'Docs', version: '1.0.0' } }));
    await f.api('POST', `/api/services/${id}/lifecycle`, { cookie: owner.cookie, body: { state: 'published' }, expect: 200 });
    await put(id, minimal({ '/v2': { get: {} } }, { info: { title: 'Docs', version: '2.0.0' } }));
    const version = async (cookie: string) => (await get(id, '', {}, cookie)).body.info.version;
    expect(await version(outsider.cookie)).toBe('1.0.0');
    expect(await version(member.cookie)).toBe('2.0.0');
    await f.api('POST', `/api/services/${id}/releases`, { cookie: owner.cookie, expect: 201 });
    expect(await version(outsider.cookie)).toBe('2.0.0');
  });

  it('generates a 3.1.0 document for a service that never imported one', async () => {
    const id = (
      await f.api('POST', `/api/teams/${teamId}/services`, {
        cookie: owner.cookie,
        body: { name: 'Weather', slug: 'weather', kind: 'rest', description: 'Forecasts' },
        expect: 201,
      })
    ).body.service.id;
    const add = (body: Record<string, unknown>) => f.api('POST', `/api/services/${id}/apis`, { cookie: owner.cookie, body, expect: 201 });
    await add({ name: 'Forecast', methods: ['GET', 'HEAD'], path: '/forecast/{city}', description: 'Five days', tags: ['forecasts'] });
    await add({ name: 'Forecast', methods: ['POST'], path: '/forecast' });
    const res = await get(id);
    expect(res.body).toEqual({
      openapi: '3.1.0',
      info: { title: 'Weather', version: '1', description: 'Forecasts' },
      paths: {
        '/forecast': { post: { summary: 'Forecast', operationId: 'forecast', responses: { '200': { description: 'Successful response' } } } },
        '/forecast/{city}': {
          get: { summary: 'Forecast', description: 'Five days', tags: ['forecasts'], operationId: 'forecast-get', responses: { '200': { description: 'Successful response' } } },
          head: { summary: 'Forecast', description: 'Five days', tags: ['forecasts'], operationId: 'forecast-head', responses: { '200': { description: 'Successful response' } } },
        },
      },
    });
    // The generated document is itself importable: the round trip gives the same APIs.
    const before = labels(await apisOf(id));
    expect((await put(id, (await get(id, '?format=yaml')).body, 'application/yaml')).status).toBe(200);
    expect(labels(await apisOf(id))).toEqual(['GET /forecast/{city}', 'HEAD /forecast/{city}', 'POST /forecast']);
    expect(before).toEqual(['GET,HEAD /forecast/{city}', 'POST /forecast']);
  });
});
