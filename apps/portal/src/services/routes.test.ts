import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { apis, auditEvents, first } from '@tollgate/db';
import { newId, type TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { compileSnapshot } from '../snapshot/compile';

describe('services API', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let teamId: TeamId;
  let otherTeamId: TeamId;

  const createService = (body: Record<string, unknown>, cookie = owner.cookie, team = teamId) =>
    f.api('POST', `/api/teams/${team}/services`, { cookie, body });
  const publish = (serviceId: string) =>
    f.api('POST', `/api/services/${serviceId}/lifecycle`, { cookie: f.admin.cookie, body: { state: 'published' }, expect: 200 });
  const slugs = (body: { services: Array<{ slug: string }> }) => body.services.map((s) => s.slug).sort();

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, member, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser()]);
    teamId = (await f.createTeam({ slug: 'maps', ownerUserId: owner.id })).id;
    await f.addMember(teamId, member.id, 'member');
    otherTeamId = (await f.createTeam({ slug: 'other', ownerUserId: outsider.id })).id;
  });
  afterAll(() => f.close());

  it('creates a REST service as a draft', async () => {
    const revision = await f.revision();
    const res = await createService({ name: 'Geocoding', slug: 'geocoding', kind: 'rest', description: 'Addresses to points' });
    expect(res.status).toBe(201);
    expect(res.body.service).toMatchObject({ teamId, name: 'Geocoding', slug: 'geocoding', kind: 'rest', lifecycle: 'draft', visibility: 'public' });
    expect(await f.db.select().from(apis).where(eq(apis.serviceId, res.body.service.id))).toEqual([]);
    expect(await f.revision()).toBe(revision + 1);
    const event = await first(f.db.select().from(auditEvents).where(eq(auditEvents.targetId, res.body.service.id)));
    expect(event).toMatchObject({ action: 'service.create', teamId, actorUserId: owner.id });
  });

  it('gives an AI service its chat completions API', async () => {
    const res = await createService({ name: 'Assistant', slug: 'assistant', kind: 'ai', visibility: 'team' });
    expect(res.status).toBe(201);
    const list = await f.api('GET', `/api/services/${res.body.service.id}/apis`, { cookie: member.cookie });
    expect(list.body.apis).toEqual([expect.objectContaining({ name: 'Chat completions', methods: ['POST'], path: '/v1/chat/completions' })]);
  });

  it('validates the body and guards the team', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: 'X', slug: 'x-svc', kind: 'soap' }, /^kind:/],
      [{ name: 'X', slug: '-bad', kind: 'rest' }, /^slug:/],
      [{ name: 'X', slug: 'v1', kind: 'ai' }, /^slug: reserved by the gateway \(v1, internal, healthz, readyz, metrics\)/],
      [{ name: 'X', slug: 'internal', kind: 'ai' }, /^slug: reserved/],
      [{ name: '', slug: 'x-svc', kind: 'rest' }, /^name:/],
      [{ name: 'X', slug: 'x-svc', kind: 'rest', visibility: 'secret' }, /^visibility:/],
    ];
    for (const [body, message] of cases) {
      const res = await createService(body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await createService({ name: 'Again', slug: 'geocoding', kind: 'rest' })).status).toBe(409);
    // Slugs are global across teams: the gateway routes on them.
    expect((await createService({ name: 'Again', slug: 'geocoding', kind: 'rest' }, outsider.cookie, otherTeamId)).status).toBe(409);
    expect((await createService({ name: 'M', slug: 'by-member', kind: 'rest' }, member.cookie)).status).toBe(403);
    expect((await createService({ name: 'O', slug: 'by-outsider', kind: 'rest' }, outsider.cookie)).status).toBe(404);
    expect((await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await createService({ name: 'X', slug: 'ghost', kind: 'rest' }, f.admin.cookie, newId('team'))).status).toBe(404);
  });

  it('lists the catalogue: listed public services for everyone, everything of my teams', async () => {
    const listed = (await createService({ name: 'Tiles', slug: 'tiles', kind: 'rest' })).body.service.id;
    await publish(listed);
    const teamOnly = (await createService({ name: 'Internal', slug: 'internal-tools', kind: 'rest', visibility: 'team' })).body.service.id;
    await publish(teamOnly);

    expect(slugs((await f.api('GET', '/api/services', { cookie: member.cookie })).body)).toEqual(['assistant', 'geocoding', 'internal-tools', 'tiles']);
    expect(slugs((await f.api('GET', '/api/services', { cookie: outsider.cookie })).body)).toEqual(['tiles']);
    expect(slugs((await f.api('GET', '/api/services', { cookie: f.admin.cookie })).body)).toEqual(['assistant', 'geocoding', 'internal-tools', 'tiles']);
    expect(slugs((await f.api('GET', `/api/services?teamId=${otherTeamId}`, { cookie: member.cookie })).body)).toEqual([]);
    expect(slugs((await f.api('GET', `/api/services?teamId=${teamId}`, { cookie: outsider.cookie })).body)).toEqual(['tiles']);
    const bad = await f.api('GET', '/api/services?teamId=maps', { cookie: member.cookie });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^teamId:/);

    // Deprecated public services stay listed (existing consumers need them); retired ones leave.
    await f.api('POST', `/api/services/${listed}/lifecycle`, { cookie: owner.cookie, body: { state: 'deprecated' }, expect: 200 });
    expect(slugs((await f.api('GET', '/api/services', { cookie: outsider.cookie })).body)).toEqual(['tiles']);
    await f.api('POST', `/api/services/${listed}/lifecycle`, { cookie: owner.cookie, body: { state: 'retired' }, expect: 200 });
    expect(slugs((await f.api('GET', '/api/services', { cookie: outsider.cookie })).body)).toEqual([]);
    expect((await f.api('GET', `/api/services/${listed}`, { cookie: outsider.cookie })).status).toBe(404);
    expect((await f.api('GET', `/api/services/${listed}`, { cookie: member.cookie })).status).toBe(200);
  });

  it('shows one service by the same rule; malformed ids are 404', async () => {
    const draft = (await createService({ name: 'Draft', slug: 'draft-one', kind: 'rest' })).body.service.id;
    expect((await f.api('GET', `/api/services/${draft}`, { cookie: member.cookie })).body.service.slug).toBe('draft-one');
    const hidden = await f.api('GET', `/api/services/${draft}`, { cookie: outsider.cookie });
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain('draft-one');
    expect((await f.api('GET', `/api/services/${draft}/apis`, { cookie: outsider.cookie })).status).toBe(404);
    expect((await f.api('GET', '/api/services/svc_', { cookie: f.admin.cookie })).status).toBe(404);
    expect((await f.api('GET', "/api/services/' or 1=1 --", { cookie: f.admin.cookie })).status).toBe(404);
  });

  it('lets team admins edit name, description and visibility', async () => {
    const id = (await createService({ name: 'Routing', slug: 'routing', kind: 'rest' })).body.service.id;
    const res = await f.api('PATCH', `/api/services/${id}`, { cookie: owner.cookie, body: { name: 'Routing v2', visibility: 'team', description: 'Directions' } });
    expect(res.status).toBe(200);
    expect(res.body.service).toMatchObject({ name: 'Routing v2', visibility: 'team', description: 'Directions', slug: 'routing' });
    expect((await f.api('PATCH', `/api/services/${id}`, { cookie: owner.cookie, body: { slug: 'renamed' } })).status).toBe(400);
    expect((await f.api('PATCH', `/api/services/${id}`, { cookie: owner.cookie, body: { visibility: 'all' } })).body.error.message).toMatch(/^visibility:/);
    expect((await f.api('PATCH', `/api/services/${id}`, { cookie: member.cookie, body: { name: 'Nope' } })).status).toBe(403);
    expect((await f.api('PATCH', `/api/services/${id}`, { cookie: outsider.cookie, body: { name: 'Nope' } })).status).toBe(404);
  });

  it('lets an AI service offer direct provider models, refuses the flag on REST services, and compiles it', async () => {
    const ai = await createService({ name: 'Direct', slug: 'direct-ai', kind: 'ai', directModels: true });
    expect(ai.status).toBe(201);
    expect(ai.body.service.directModels).toBe(true);
    expect((await compileSnapshot(f.db, f.secrets)).services.find((s) => s.id === ai.body.service.id)?.directModels).toBe(true);
    const rest = await createService({ name: 'Rest', slug: 'rest-direct', kind: 'rest', directModels: true });
    expect(rest.status).toBe(400);
    expect(rest.body.error.message).toMatch(/^directModels:/);
  });

  it('takes tags on create and edit: lowercase, deduplicated, at most 20, audited before and after', async () => {
    const res = await createService({ name: 'Tagged', slug: 'tagged', kind: 'rest', tags: ['maps', 'geo-2', 'maps'] });
    expect(res.status).toBe(201);
    expect(res.body.service.tags).toEqual(['maps', 'geo-2']);
    const cases: Array<[unknown, RegExp]> = [
      [['ok', 'Upper'], /^tags\.1:/],
      [['-dash'], /^tags\.0:/],
      [['a'.repeat(41)], /^tags\.0:/],
      [[''], /^tags\.0:/],
      [['has space'], /^tags\.0:/],
      ['maps', /^tags:/],
      [Array.from({ length: 21 }, (_, i) => `t${i}`), /^tags: at most 20 tags/],
    ];
    for (const [tags, message] of cases) {
      const created = await createService({ name: 'Bad tags', slug: 'bad-tags', kind: 'rest', tags });
      expect(created.status, JSON.stringify(tags)).toBe(400);
      expect(created.body.error.message).toMatch(message);
      const patched = await f.api('PATCH', `/api/services/${res.body.service.id}`, { cookie: owner.cookie, body: { tags } });
      expect(patched.status, JSON.stringify(tags)).toBe(400);
      expect(patched.body.error.message).toMatch(message);
    }
    // Twenty distinct tags are fine even when sent with duplicates.
    const twenty = Array.from({ length: 20 }, (_, i) => `t${i}`);
    expect((await f.api('PATCH', `/api/services/${res.body.service.id}`, { cookie: owner.cookie, body: { tags: [...twenty, 't0'] } })).body.service.tags).toEqual(twenty);
    const patched = await f.api('PATCH', `/api/services/${res.body.service.id}`, { cookie: owner.cookie, body: { tags: ['cartography'], description: 'Now with maps' } });
    expect(patched.body.service).toMatchObject({ tags: ['cartography'], description: 'Now with maps' });
    const events = (await f.db.select().from(auditEvents).where(eq(auditEvents.targetId, res.body.service.id))).filter((e) => e.action === 'service.update');
    expect(events.at(-1)).toMatchObject({
      before: { tags: twenty, description: '' },
      after: { tags: ['cartography'], description: 'Now with maps' },
    });
  });

  it('filters the catalogue by tag and by search text, never beyond what the caller may see', async () => {
    const make = async (body: Record<string, unknown>, publishIt = true) => {
      const id = (await createService({ kind: 'rest', ...body })).body.service.id;
      if (publishIt) await publish(id);
      return id;
    };
    await make({ name: 'Ferry Times', slug: 'ferry-times', description: 'Boats between islands', tags: ['transport', 'sea'] });
    await make({ name: 'Bus Times', slug: 'bus-times', description: '100% punctual_ish', tags: ['transport'] });
    await make({ name: 'Ferry Secrets', slug: 'ferry-secrets', visibility: 'team', tags: ['transport', 'secret-cargo'] });
    await make({ name: 'Ferry Draft', slug: 'ferry-draft', tags: ['transport'] }, false);
    const list = async (query: string, cookie: string) => {
      const res = await f.api('GET', `/api/services?${query}`, { cookie });
      expect(res.status, query).toBe(200);
      return slugs(res.body);
    };

    expect(await list('tag=transport', member.cookie)).toEqual(['bus-times', 'ferry-draft', 'ferry-secrets', 'ferry-times']);
    expect(await list('tag=transport', outsider.cookie)).toEqual(['bus-times', 'ferry-times']);
    expect(await list('tag=sea', outsider.cookie)).toEqual(['ferry-times']);
    expect(await list('tag=secret-cargo', outsider.cookie)).toEqual([]);
    expect(await list('tag=secret-cargo', member.cookie)).toEqual(['ferry-secrets']);
    expect(await list('tag=trans', member.cookie)).toEqual([]); // tags match whole, unlike q

    // q: case-insensitive substring of name, slug, description or a tag.
    expect(await list('q=FERRY', member.cookie)).toEqual(['ferry-draft', 'ferry-secrets', 'ferry-times']);
    expect(await list('q=ferry', outsider.cookie)).toEqual(['ferry-times']);
    expect(await list('q=islands', outsider.cookie)).toEqual(['ferry-times']);
    expect(await list('q=bus-t', outsider.cookie)).toEqual(['bus-times']);
    expect(await list('q=spor', outsider.cookie)).toEqual(['bus-times', 'ferry-times']);
    expect(await list('q=cargo', outsider.cookie)).toEqual([]);
    expect(await list('q=Secrets', outsider.cookie)).toEqual([]);
    expect(await list('q=ferry&tag=sea', member.cookie)).toEqual(['ferry-times']);
    expect(await list(`q=ferry&teamId=${otherTeamId}`, member.cookie)).toEqual([]);
    // LIKE wildcards in q are literal characters.
    expect(await list(`q=${encodeURIComponent('%')}`, outsider.cookie)).toEqual(['bus-times']);
    expect(await list('q=_', outsider.cookie)).toEqual(['bus-times']);
    expect(await list(`q=${encodeURIComponent('0%_p')}`, outsider.cookie)).toEqual([]);
    expect(await list(`q=${encodeURIComponent('% p')}`, outsider.cookie)).toEqual(['bus-times']);
    expect(await list('q=', outsider.cookie)).toEqual(await list('', outsider.cookie));

    for (const [query, field] of [['tag=Transport', 'tag'], [`q=${'x'.repeat(101)}`, 'q']]) {
      const bad = await f.api('GET', `/api/services?${query}`, { cookie: member.cookie });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(new RegExp(`^${field}:`));
    }
  });
});
