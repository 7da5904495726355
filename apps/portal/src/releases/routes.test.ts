import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, first, releases } from '@tollgate/db';
import { newId, type ServiceId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { compileSnapshot } from '../snapshot/compile';
import { readReleaseConfig } from './config';
import { releasedServiceFields } from './takes-effect';

describe('releases API', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let serviceId: ServiceId;
  let providerId: string;
  let teamId: string;

  const api = (method: string, path: string, cookie = owner.cookie, body?: unknown) => f.api(method, `/api/services/${serviceId}${path}`, { cookie, body });

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, member, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser()]);
    teamId = (await f.createTeam({ slug: 'rel', ownerUserId: owner.id })).id;
    await f.addMember(teamId as never, member.id, 'member');
    providerId = (await f.api('POST', '/api/providers', { cookie: f.admin.cookie, body: { name: 'P', type: 'openai', baseUrl: 'https://example.test', apiKey: 'k' }, expect: 201 })).body.provider.id;
    serviceId = (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: 'Chat', slug: 'chat', kind: 'ai' }, expect: 201 })).body.service.id;
    await api('POST', '/models', owner.cookie, { name: 'fast', targets: [{ providerId, model: 'gpt-4o-mini' }] });
  });
  afterAll(() => f.close());

  it('refuses releases of a draft, names what to do, and serves the draft no models', async () => {
    const res = await api('POST', '/releases');
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/draft: publish it/);
    expect((await api('GET', '/releases/diff')).body.error.message).toMatch(/no live release yet/);
    expect((await compileSnapshot(f.db, f.secrets)).modelRoutes).toEqual([]);
    expect((await api('GET', '/releases')).body.releases).toEqual([]);
  });

  it('publishes the working copy as numbered releases, refusing an empty one', async () => {
    await api('POST', '/lifecycle', owner.cookie, { state: 'published' });
    const again = await api('POST', '/releases');
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('Nothing to release: the working copy equals the live release 1.');

    await api('PATCH', '', owner.cookie, { description: 'Fast chat' });
    await api('POST', '/models', owner.cookie, { name: 'smart', targets: [{ providerId, model: 'gpt-4o' }] });
    const diff = await api('GET', '/releases/diff');
    expect(diff.status).toBe(200);
    expect(diff.body).toMatchObject({ from: 'live', to: 'working' });
    expect(diff.body.changes).toEqual([
      { path: 'service.description', change: 'changed', before: '', after: 'Fast chat' },
      { path: 'models[smart]', change: 'added', after: [{ providerId, model: 'gpt-4o' }] },
    ]);
    expect((await compileSnapshot(f.db, f.secrets)).modelRoutes.map((m) => m.name)).toEqual(['fast']);

    expect((await api('POST', '/releases', member.cookie)).status).toBe(403);
    const created = await api('POST', '/releases');
    expect(created.status).toBe(201);
    expect(created.body.release).toMatchObject({ version: 2, live: true, createdBy: owner.id });
    expect(created.body.changes).toHaveLength(2);
    const snapshot = await compileSnapshot(f.db, f.secrets);
    expect(snapshot.modelRoutes.map((m) => m.name).sort()).toEqual(['fast', 'smart']);
    expect(snapshot.services.find((s) => s.id === serviceId)).toMatchObject({ release: 2 });

    const event = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, serviceId), eq(auditEvents.action, 'service.release'))));
    expect(event).toMatchObject({ actorUserId: owner.id, before: { liveVersion: 1 }, after: { liveVersion: 2 } });
    expect(event!.summary).toEqual({ changes: ['changed service.description', 'added models[smart]'] });
  });

  it('diffs any two releases and shows each one, to team members only', async () => {
    const diff = await api('GET', '/releases/diff?from=2&to=1', member.cookie);
    expect(diff.body.changes).toEqual([
      { path: 'service.description', change: 'changed', before: 'Fast chat', after: '' },
      { path: 'models[smart]', change: 'removed', before: [{ providerId, model: 'gpt-4o' }] },
    ]);
    const one = await api('GET', '/releases/1', member.cookie);
    expect(one.body.release).toMatchObject({ version: 1, live: false, config: { models: [{ name: 'fast' }], service: { name: 'Chat' } } });
    for (const path of ['/releases', '/releases/1', '/releases/diff']) expect((await api('GET', path, outsider.cookie)).status, path).toBe(404);
    expect((await api('GET', '/releases/9')).status).toBe(404);
    expect((await api('GET', '/releases/latest')).status).toBe(404);
    const bad = await api('GET', '/releases/diff?from=first');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^from:/);
    expect((await api('GET', '/releases/diff?from=9')).status).toBe(404);
  });

  it('rolls back by publishing an older release, and forward again', async () => {
    expect((await api('POST', '/releases/1/publish', member.cookie)).status).toBe(403);
    expect((await api('POST', '/releases/1/publish', outsider.cookie)).status).toBe(404);
    const back = await api('POST', '/releases/1/publish');
    expect(back.status).toBe(200);
    expect(back.body.release).toMatchObject({ version: 1, live: true });
    expect((await compileSnapshot(f.db, f.secrets)).modelRoutes.map((m) => m.name)).toEqual(['fast']);
    const twice = await api('POST', '/releases/1/publish');
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toBe('Release 1 is already live.');
    expect((await api('POST', '/releases/7/publish')).status).toBe(404);
    // A new release after a rollback is numbered on: numbers are never reused.
    await api('PATCH', '', owner.cookie, { name: 'Chat v3' });
    expect((await api('POST', '/releases')).body.release.version).toBe(3);
    const rollback = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, serviceId), eq(auditEvents.action, 'service.rollback'))));
    expect(rollback).toMatchObject({ before: { liveVersion: 2 }, after: { liveVersion: 1 } });
  });

  it('reads releases frozen in the earlier shape (with plans and the whole service row)', async () => {
    const legacy = newId('release');
    await f.db.insert(releases).values({
      id: legacy,
      serviceId,
      version: 40,
      config: { service: { id: serviceId, name: 'Old', slug: 'chat', kind: 'ai', directModels: true, lifecycle: 'published' }, models: [{ name: 'fast', targets: [{ providerId, model: 'old' }] }], plans: [] },
    });
    const shown = await api('GET', '/releases/40');
    expect(shown.body.release.config).toEqual({ service: { name: 'Old', description: '', kind: 'ai', directModels: true }, apis: [], models: [{ name: 'fast', targets: [{ providerId, model: 'old' }] }], openapi: null, prompts: [], rest: null });
    expect((await api('POST', '/releases/40/publish')).status).toBe(200);
    expect((await compileSnapshot(f.db, f.secrets)).modelRoutes).toEqual([{ serviceId, name: 'fast', targets: [{ providerId, model: 'old' }] }]);
  });

  it('takes no releases once the service is retired', async () => {
    await api('POST', '/lifecycle', owner.cookie, { state: 'deprecated' });
    await api('POST', '/lifecycle', owner.cookie, { state: 'retired' });
    expect((await api('POST', '/releases')).body.error.message).toMatch(/retired/);
    expect((await api('POST', '/releases/1/publish')).status).toBe(409);
  });
});

describe('releases and prompts', () => {
  it('freeze the published prompt version, diff it by path, and roll back with the release', async () => {
    const f = await createPortalFixture();
    try {
      const owner = await f.createUser();
      const team = await f.createTeam({ slug: 'prm', ownerUserId: owner.id });
      const as = (method: string, path: string, body?: unknown, expect = method === 'POST' ? 201 : 200) => f.api(method, path, { cookie: owner.cookie, body, expect });
      const providerId = (await f.api('POST', '/api/providers', { cookie: f.admin.cookie, body: { name: 'P', type: 'openai', baseUrl: 'https://example.test', apiKey: 'k' }, expect: 201 })).body.provider.id;
      const svc = (await as('POST', `/api/teams/${team.id}/services`, { name: 'Writer', slug: 'writer', kind: 'ai' })).body.service.id;
      await as('POST', `/api/services/${svc}/models`, { name: 'fast', targets: [{ providerId, model: 'x' }] });
      await as('POST', `/api/services/${svc}/lifecycle`, { state: 'published' }, 200);
      const spec = { messages: [{ role: 'user', content: 'Hi' }], variables: { type: 'object', properties: {} }, model: 'fast' };
      const prompt = (await as('POST', `/api/services/${svc}/prompts`, { name: 'Hello', path: '/hello', draft: spec })).body.prompt;
      await as('POST', `/api/prompts/${prompt.id}/versions`);
      await as('POST', `/api/prompts/${prompt.id}/publish`, { version: 1 }, 200);
      const created = (await as('POST', `/api/services/${svc}/releases`)).body;
      expect(created.changes.map((c: { path: string; change: string }) => `${c.change} ${c.path}`)).toEqual(['added prompts[/hello]']);
      const frozen = (await as('GET', `/api/services/${svc}/releases/2`)).body.release.config.prompts;
      expect(frozen).toEqual([{ id: prompt.id, name: 'Hello', path: '/hello', description: '', version: 1, spec }]);
      expect((await compileSnapshot(f.db, f.secrets)).prompts.map((p) => [p.path, p.version])).toEqual([['/hello', 1]]);
      await as('POST', `/api/services/${svc}/releases/1/publish`, undefined, 200);
      expect((await compileSnapshot(f.db, f.secrets)).prompts).toEqual([]);
    } finally {
      await f.close();
    }
  });
});

describe('releases and providers', () => {
  it('keeps a provider the live release routes to, and refuses to roll back to a release whose provider is gone', async () => {
    const f = await createPortalFixture();
    try {
      const owner = await f.createUser();
      const team = await f.createTeam({ slug: 'prov', ownerUserId: owner.id });
      const provider = async (name: string) =>
        (await f.api('POST', '/api/providers', { cookie: f.admin.cookie, body: { name, type: 'openai', baseUrl: 'https://example.test', apiKey: 'k' }, expect: 201 })).body.provider.id as string;
      const [old, replacement] = [await provider('Old'), await provider('New')];
      const svc = (await f.api('POST', `/api/teams/${team.id}/services`, { cookie: owner.cookie, body: { name: 'S', slug: 'ss', kind: 'ai' }, expect: 201 })).body.service.id;
      const model = (await f.api('POST', `/api/services/${svc}/models`, { cookie: owner.cookie, body: { name: 'm', targets: [{ providerId: old, model: 'x' }] }, expect: 201 })).body.model.id;
      await f.api('POST', `/api/services/${svc}/lifecycle`, { cookie: owner.cookie, body: { state: 'published' }, expect: 200 });
      // The working copy moves to the new provider; release 1, still live, routes to the old one.
      await f.api('DELETE', `/api/services/${svc}/models/${model}`, { cookie: owner.cookie, expect: 200 });
      await f.api('POST', `/api/services/${svc}/models`, { cookie: owner.cookie, body: { name: 'm', targets: [{ providerId: replacement, model: 'x' }] }, expect: 201 });
      const refused = await f.api('DELETE', `/api/providers/${old}`, { cookie: f.admin.cookie });
      expect([refused.status, refused.body.error.message]).toEqual([409, 'The provider is used by the live releases ss@1; release the services without it first.']);

      await f.api('POST', `/api/services/${svc}/releases`, { cookie: owner.cookie, expect: 201 });
      expect((await f.api('DELETE', `/api/providers/${old}`, { cookie: f.admin.cookie })).status).toBe(204);
      const rollback = await f.api('POST', `/api/services/${svc}/releases/1/publish`, { cookie: owner.cookie });
      expect(rollback.status).toBe(409);
      expect(rollback.body.error.message).toBe(`Release 1 routes to providers that were deleted (${old}); it cannot go live again.`);
    } finally {
      await f.close();
    }
  });
});

describe('what other teams see of a service', () => {
  it('is its live release: unreleased names, descriptions, APIs and models stay inside the team', async () => {
    const f = await createPortalFixture();
    try {
      const [owner, outsider] = [await f.createUser(), await f.createUser()];
      const team = await f.createTeam({ slug: 'face', ownerUserId: owner.id });
      const svc = (await f.api('POST', `/api/teams/${team.id}/services`, { cookie: owner.cookie, body: { name: 'Maps', slug: 'maps', kind: 'rest', description: 'v1 maps' }, expect: 201 })).body.service.id;
      await f.api('POST', `/api/services/${svc}/apis`, { cookie: owner.cookie, body: { name: 'Tiles', methods: ['GET'], path: '/tiles' }, expect: 201 });
      await f.api('POST', `/api/services/${svc}/lifecycle`, { cookie: owner.cookie, body: { state: 'published' }, expect: 200 });
      await f.api('PATCH', `/api/services/${svc}`, { cookie: owner.cookie, body: { name: 'Maps Secret Rename', description: 'internal plans' }, expect: 200 });
      await f.api('POST', `/api/services/${svc}/apis`, { cookie: owner.cookie, body: { name: 'Internal admin', methods: ['POST'], path: '/internal-admin' }, expect: 201 });

      const theirs = async () => ({
        one: (await f.api('GET', `/api/services/${svc}`, { cookie: outsider.cookie })).body.service,
        list: (await f.api('GET', '/api/services', { cookie: outsider.cookie })).body.services,
        apis: (await f.api('GET', `/api/services/${svc}/apis`, { cookie: outsider.cookie })).body.apis,
      });
      const before = await theirs();
      expect(before.one).toMatchObject({ name: 'Maps', description: 'v1 maps' });
      expect(before.list.map((s: { name: string }) => s.name)).toEqual(['Maps']);
      expect(before.apis.map((a: { path: string }) => a.path)).toEqual(['/tiles']);
      expect(JSON.stringify(before)).not.toMatch(/Secret Rename|internal plans|internal-admin/);
      const mine = (await f.api('GET', `/api/services/${svc}/apis`, { cookie: owner.cookie })).body.apis.map((a: { path: string }) => a.path);
      expect(mine).toEqual(['/internal-admin', '/tiles']);

      await f.api('POST', `/api/services/${svc}/releases`, { cookie: owner.cookie, expect: 201 });
      const after = await theirs();
      expect(after.one).toMatchObject({ name: 'Maps Secret Rename', description: 'internal plans' });
      expect(after.apis.map((a: { path: string }) => a.path)).toEqual(['/internal-admin', '/tiles']);
    } finally {
      await f.close();
    }
  });
});

describe('when writes to a service take effect', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let teamId: string;

  beforeAll(async () => {
    f = await createPortalFixture();
    owner = await f.createUser();
    teamId = (await f.createTeam({ slug: 'timing-team', ownerUserId: owner.id })).id;
  });
  afterAll(() => f.close());

  it('says in each answer when a write to the service takes effect, and the gateway agrees (ADR 0016)', async () => {
    const created = await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: 'Timing', slug: 'timing', kind: 'ai' }, expect: 201 });
    expect(created.body).toMatchObject({ live: false, takesEffect: 'first publish' });
    const id = created.body.service.id;
    const at = (method: string, path: string, body?: unknown) => f.api(method, `/api/services/${id}${path}`, { cookie: owner.cookie, body });
    const served = async () => (await compileSnapshot(f.db, f.secrets)).services.find((s) => s.id === id)!;
    expect((await at('PATCH', '', { description: 'early' })).body).toMatchObject({ live: false, takesEffect: 'first publish', deferredFields: ['description'] });
    await at('POST', '/lifecycle', { state: 'published' });

    // Standing settings are served from the next snapshot.
    const standing = await at('PATCH', '', { capture: { bodies: true }, tags: ['timing'] });
    expect(standing.body).toMatchObject({ live: true, takesEffect: 'now' });
    expect(standing.body).not.toHaveProperty('deferredFields');
    expect((await served()).capture).toEqual({ redact: [] });
    // What a release freezes waits for the next one, also when sent with a standing setting.
    const renamed = await at('PATCH', '', { name: 'Timing v2', visibility: 'team' });
    expect(renamed.body).toMatchObject({ live: false, takesEffect: 'next release', deferredFields: ['name'] });
    expect((await served()).name).toBe('Timing');
    const extra = await at('POST', '/apis', { name: 'Extra', methods: ['GET'], path: '/extra' });
    expect(extra.body).toMatchObject({ live: false, takesEffect: 'next release' });
    expect((await at('DELETE', `/apis/${extra.body.api.id}`)).body).toEqual({ live: false, takesEffect: 'next release' });
    const imported = await at('PUT', '/openapi', { openapi: '3.1.0', info: { title: 'Timing', version: '1' }, paths: {} });
    expect(imported.body).toMatchObject({ imported: 0, live: false, takesEffect: 'next release' });
    await at('POST', '/releases');
    expect((await served()).name).toBe('Timing v2');

    // Writes that always apply at once carry neither field.
    for (const res of [await at('POST', '/plans', { name: 'Free', approval: 'auto' }), await at('POST', '/lifecycle', { state: 'deprecated' })]) {
      expect(res.status).toBeLessThan(300);
      expect(res.body).not.toHaveProperty('live');
      expect(res.body).not.toHaveProperty('takesEffect');
    }
    await at('POST', '/lifecycle', { state: 'retired' });
    expect((await at('PATCH', '', { description: 'too late' })).body).toMatchObject({ live: false, takesEffect: 'never' });
  });

  it('lists as released service fields exactly those the release config freezes, less the kind', () => {
    // The REST settings sent with the service itself; upstreams and traffic have their own routes.
    const config = readReleaseConfig({ service: { kind: 'rest' } }, newId('service'));
    const restFields = Object.keys(config.rest!).filter((k) => k !== 'upstreams' && k !== 'traffic');
    expect([...releasedServiceFields, 'kind'].sort()).toEqual([...Object.keys(config.service), ...restFields].sort());
  });
});
