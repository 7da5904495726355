import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { apis, auditEvents, first } from '@tollgate/db';
import { newId, type TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

describe('manual APIs', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let teamId: TeamId;
  let serviceId: string;

  const create = (body: Record<string, unknown>, cookie = owner.cookie, id = serviceId) =>
    f.api('POST', `/api/services/${id}/apis`, { cookie, body });
  const remove = (apiId: string, cookie = owner.cookie, id = serviceId) => f.api('DELETE', `/api/services/${id}/apis/${apiId}`, { cookie });

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, member, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser()]);
    teamId = (await f.createTeam({ slug: 'geo', ownerUserId: owner.id })).id;
    await f.addMember(teamId, member.id, 'member');
    await f.createTeam({ slug: 'elsewhere', ownerUserId: outsider.id });
    serviceId = (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: 'Geo', slug: 'geo', kind: 'rest' }, expect: 201 })).body.service.id;
  });
  afterAll(() => f.close());

  it('creates an API with normalised methods and tags, audited and bumping the config revision', async () => {
    const revision = await f.revision();
    const res = await create({ name: ' Lookup ', methods: ['get', 'HEAD', 'GET'], path: '/places/{id}', description: 'One place', tags: ['places', 'places'] });
    expect(res.status).toBe(201);
    expect(res.body.api).toMatchObject({ serviceId, name: 'Lookup', methods: ['GET', 'HEAD'], path: '/places/{id}', description: 'One place', tags: ['places'] });
    expect(await f.revision()).toBe(revision + 1);
    const event = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, serviceId), eq(auditEvents.action, 'service.api_create'))));
    expect(event).toMatchObject({ actorUserId: owner.id, teamId, before: null, after: { api: { id: res.body.api.id, path: '/places/{id}', methods: ['GET', 'HEAD'] } } });
    const list = await f.api('GET', `/api/services/${serviceId}/apis`, { cookie: member.cookie });
    expect(list.body.apis).toEqual([res.body.api]);
  });

  it('validates the body, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: '', methods: ['GET'], path: '/a' }, /^name:/],
      [{ name: 'A', methods: [], path: '/a' }, /^methods:/],
      [{ name: 'A', methods: ['FETCH'], path: '/a' }, /^methods\.0:/],
      [{ name: 'A', methods: 'GET', path: '/a' }, /^methods:/],
      [{ name: 'A', methods: ['GET'], path: 'a' }, /^path:/],
      [{ name: 'A', methods: ['GET'], path: '/a b' }, /^path:/],
      [{ name: 'A', methods: ['GET'] }, /^path:/],
      [{ name: 'A', methods: ['GET'], path: '/a', tags: [''] }, /^tags\.0:/],
      [{ name: 'A', methods: ['GET'], path: '/a', description: 5 }, /^description:/],
    ];
    for (const [body, message] of cases) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await f.api('POST', `/api/services/${serviceId}/apis`, { cookie: owner.cookie, body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
  });

  it('refuses a second API for a method and path that already have one', async () => {
    await create({ name: 'Search', methods: ['GET'], path: '/search' }).then((r) => expect(r.status).toBe(201));
    const clash = await create({ name: 'Search again', methods: ['POST', 'GET'], path: '/search' });
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toContain('GET /search');
    expect((await create({ name: 'Search by post', methods: ['POST'], path: '/search' })).status).toBe(201);
  });

  it('deletes an API; a wrong, foreign or malformed id is 404', async () => {
    const id = (await create({ name: 'Temp', methods: ['DELETE'], path: '/temp' })).body.api.id;
    const otherService = (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: 'Other', slug: 'geo-other', kind: 'rest' }, expect: 201 })).body.service.id;
    expect((await remove(id, owner.cookie, otherService)).status).toBe(404);
    expect((await remove(newId('api'))).status).toBe(404);
    expect((await remove('api_nope')).status).toBe(404);
    const res = await remove(id);
    expect(res.status).toBe(200);
    expect(await first(f.db.select().from(apis).where(eq(apis.id, id)))).toBeUndefined();
    const event = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, serviceId), eq(auditEvents.action, 'service.api_delete'))));
    expect(event).toMatchObject({ actorUserId: owner.id, before: { api: { id, path: '/temp', methods: ['DELETE'] } }, after: null });
    expect((await remove(id)).status).toBe(404);
  });

  it('never deletes an AI service’s chat completions API', async () => {
    const ai = (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: 'LLM', slug: 'geo-llm', kind: 'ai' }, expect: 201 })).body.service.id;
    const [chat] = (await f.api('GET', `/api/services/${ai}/apis`, { cookie: owner.cookie })).body.apis;
    const res = await remove(chat.id, owner.cookie, ai);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/chat completions/);
    expect((await f.api('GET', `/api/services/${ai}/apis`, { cookie: owner.cookie })).body.apis).toEqual([chat]);
    // Other APIs of an AI service are ordinary.
    const extra = (await create({ name: 'Embeddings', methods: ['POST'], path: '/v1/embeddings' }, owner.cookie, ai)).body.api.id;
    expect((await remove(extra, owner.cookie, ai)).status).toBe(200);
  });

  it('lets only the owning team’s admins change APIs', async () => {
    const id = (await create({ name: 'Guarded', methods: ['GET'], path: '/guarded' })).body.api.id;
    const body = { name: 'Nope', methods: ['GET'], path: '/nope' };
    expect((await create(body, member.cookie)).status).toBe(403);
    expect((await create(body, outsider.cookie)).status).toBe(404);
    expect((await remove(id, member.cookie)).status).toBe(403);
    expect((await remove(id, outsider.cookie)).status).toBe(404);
    expect((await create(body, f.admin.cookie)).status).toBe(201);
    expect(await first(f.db.select().from(apis).where(eq(apis.id, id)))).toBeDefined();
  });
});
