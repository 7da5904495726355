import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, first } from '@tollgate/db';
import type { TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

describe('hosts, key locations and CORS of a REST service', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let other: TestUser;
  let teamId: TeamId;
  let otherTeam: TeamId;

  const create = (body: Record<string, unknown>, cookie = owner.cookie, team = teamId) => f.api('POST', `/api/teams/${team}/services`, { cookie, body });
  const patch = (id: string, body: unknown, cookie = owner.cookie) => f.api('PATCH', `/api/services/${id}`, { cookie, body });

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, other] = await Promise.all([f.createUser(), f.createUser()]);
    teamId = (await f.createTeam({ slug: 'hosts-team', ownerUserId: owner.id })).id;
    otherTeam = (await f.createTeam({ slug: 'other-team', ownerUserId: other.id })).id;
  });
  afterAll(() => f.close());

  it('takes hosts, key locations and CORS on create, normalised, with the rest filled by defaults', async () => {
    const res = await create({
      name: 'Pets',
      slug: 'pets',
      kind: 'rest',
      hosts: ['API.Pets.Example.test', '*.pets.example.test'],
      keyLocations: { header: 'X-Pets-Key' },
      cors: { allowOrigins: ['https://app.example.test', 'https://*.example.test'], allowCredentials: true },
    });
    expect(res.status).toBe(201);
    expect(res.body.service).toMatchObject({
      hosts: ['api.pets.example.test', '*.pets.example.test'],
      keyLocations: { header: 'x-pets-key', query: null },
      cors: {
        allowOrigins: ['https://app.example.test', 'https://*.example.test'],
        allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowHeaders: ['authorization', 'content-type'],
        exposeHeaders: [],
        allowCredentials: true,
        maxAgeSeconds: 600,
      },
    });
    expect(res.body).toMatchObject({ live: false, takesEffect: 'first publish' });
    // A REST service without any of them still says so, so clients need not guess.
    const bare = await create({ name: 'Bare', slug: 'bare', kind: 'rest' });
    expect(bare.body.service).toMatchObject({ hosts: [], keyLocations: { header: null, query: null }, cors: null });
    const ai = await create({ name: 'AI', slug: 'ai-svc', kind: 'ai' });
    expect(ai.body.service).not.toHaveProperty('hosts');
  });

  it('refuses bad settings with a 400 naming the field', async () => {
    const svc = (await create({ name: 'Bad', slug: 'bad-settings', kind: 'rest' })).body.service.id;
    const cases: Array<[unknown, RegExp]> = [
      [{ hosts: ['api.example.test:8080'] }, /^hosts\.0: a hostname/],
      [{ hosts: ['https://api.example.test'] }, /^hosts\.0: a hostname/],
      [{ hosts: ['*.test'] }, /^hosts\.0: a hostname/],
      [{ hosts: ['a..b'] }, /^hosts\.0:/],
      [{ hosts: ['a.example.test', 'A.example.test'] }, /^hosts\.1: a\.example\.test is listed twice/],
      [{ keyLocations: { header: 'bad header' } }, /^keyLocations\.header: not an HTTP header name/],
      [{ keyLocations: { header: 'Authorization' } }, /^keyLocations\.header: authorization and x-api-key are always read/],
      [{ keyLocations: { query: 'a b' } }, /^keyLocations\.query:/],
      [{ cors: { allowOrigins: [] } }, /^cors\.allowOrigins:/],
      [{ cors: { allowOrigins: ['https://app.example.test/path'] } }, /^cors\.allowOrigins\.0: an origin/],
      [{ cors: { allowOrigins: ['*'], allowCredentials: true } }, /^cors\.allowOrigins: an origin of \* cannot be combined with allowCredentials/],
      [{ cors: { allowOrigins: ['*'], allowMethods: ['FETCH'] } }, /^cors\.allowMethods\.0:/],
      [{ cors: { allowOrigins: ['*'], maxAgeSeconds: -1 } }, /^cors\.maxAgeSeconds:/],
    ];
    for (const [body, message] of cases) {
      const res = await patch(svc, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    const ai = (await create({ name: 'AI two', slug: 'ai-two', kind: 'ai' })).body.service.id;
    for (const field of [{ hosts: ['ai.example.test'] }, { keyLocations: { query: 'key' } }, { cors: null }]) {
      const res = await patch(ai, field);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(`${Object.keys(field)[0]}: REST settings belong to REST services; this service is of kind ai`);
    }
    expect((await create({ name: 'AI three', slug: 'ai-three', kind: 'ai', hosts: ['x.example.test'] })).body.error.message).toMatch(/^hosts: REST settings belong to REST services/);
  });

  it('keeps hosts unique across services, naming the other service only to those who may know it', async () => {
    const mine = (await create({ name: 'Mine', slug: 'mine', kind: 'rest', hosts: ['mine.example.test'] })).body.service.id;
    const second = (await create({ name: 'Second', slug: 'second', kind: 'rest' })).body.service.id;
    const clash = await patch(second, { hosts: ['Mine.example.test'] });
    expect([clash.status, clash.body.error.message]).toEqual([409, 'hosts: mine.example.test is already a host of service mine.']);
    expect((await create({ name: 'Third', slug: 'third', kind: 'rest', hosts: ['mine.example.test'] })).status).toBe(409);
    // Another team learns that the host is taken, not by which of this team's (draft) services.
    const theirs = await create({ name: 'Theirs', slug: 'theirs', kind: 'rest', hosts: ['mine.example.test'] }, other.cookie, otherTeam);
    expect([theirs.status, theirs.body.error.message]).toEqual([409, 'hosts: mine.example.test is already a host of a service of another team.']);

    // A host taken out of a working copy is still served by the live release: free only after the next release.
    await f.api('POST', `/api/services/${mine}/lifecycle`, { cookie: owner.cookie, body: { state: 'published' }, expect: 200 });
    const moved = await patch(mine, { hosts: [] });
    expect(moved.body).toMatchObject({ live: false, takesEffect: 'next release', deferredFields: ['hosts'] });
    expect((await patch(second, { hosts: ['mine.example.test'] })).body.error.message).toBe(
      'hosts: mine.example.test is already a host of service mine (its live release serves it; it is free once that service releases without it).',
    );
    await f.api('POST', `/api/services/${mine}/releases`, { cookie: owner.cookie, expect: 201 });
    expect((await patch(second, { hosts: ['mine.example.test'] })).status).toBe(200);
    // Rolling back to the release that served it would serve the host twice once the other service is live.
    await f.api('POST', `/api/services/${second}/lifecycle`, { cookie: owner.cookie, body: { state: 'published' }, expect: 200 });
    const rollback = await f.api('POST', `/api/services/${mine}/releases/1/publish`, { cookie: owner.cookie });
    expect([rollback.status, rollback.body.error.message]).toEqual([409, 'hosts: mine.example.test is already a host of service second (its live release serves it; it is free once that service releases without it).']);
  });

  it('audits the settings before and after, and says that they wait for a release', async () => {
    const svc = (await create({ name: 'Audited', slug: 'audited', kind: 'rest' })).body.service.id;
    await f.api('POST', `/api/services/${svc}/lifecycle`, { cookie: owner.cookie, body: { state: 'published' }, expect: 200 });
    const res = await patch(svc, { cors: { allowOrigins: ['https://a.example.test'] }, keyLocations: { query: 'api_key' }, tags: ['pets'] });
    expect(res.body).toMatchObject({ live: false, takesEffect: 'next release', deferredFields: ['keyLocations', 'cors'] });
    const event = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, svc), eq(auditEvents.action, 'service.update'))));
    expect(event!.before).toEqual({ tags: [], keyLocations: { header: null, query: null }, cors: null });
    expect(event!.after).toMatchObject({ keyLocations: { header: null, query: 'api_key' }, cors: { allowOrigins: ['https://a.example.test'] } });
    // Outside the team, the service shows the live release's settings until the next release.
    const outside = await f.api('GET', `/api/services/${svc}`, { cookie: other.cookie, expect: 200 });
    expect(outside.body.service).toMatchObject({ keyLocations: { query: null }, cors: null });
    await f.api('POST', `/api/services/${svc}/releases`, { cookie: owner.cookie, expect: 201 });
    expect((await f.api('GET', `/api/services/${svc}`, { cookie: other.cookie })).body.service).toMatchObject({ keyLocations: { query: 'api_key' }, cors: { maxAgeSeconds: 600 } });
    expect((await patch(svc, { cors: null })).body.service.cors).toBeNull();
  });
});
