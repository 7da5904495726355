import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, first } from '@tollgate/db';
import { newId, type ServiceId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

describe('model routes API', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let serviceId: ServiceId;
  let restServiceId: ServiceId;
  let providerA: string;
  let providerB: string;

  const addModel = (body: unknown, cookie = owner.cookie, service: string = serviceId) =>
    f.api('POST', `/api/services/${service}/models`, { cookie, body });

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, member, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser()]);
    const team = await f.createTeam({ slug: 'ml', ownerUserId: owner.id });
    await f.addMember(team.id, member.id, 'member');
    const provider = (name: string) =>
      f.api('POST', '/api/providers', { cookie: f.admin.cookie, body: { name, type: 'openai', baseUrl: 'https://example.test/v1', apiKey: 'k' }, expect: 201 });
    providerA = (await provider('A')).body.provider.id;
    providerB = (await provider('B')).body.provider.id;
    const svc = (slug: string, kind: string) =>
      f.api('POST', `/api/teams/${team.id}/services`, { cookie: owner.cookie, body: { name: slug, slug, kind }, expect: 201 });
    serviceId = (await svc('chat', 'ai')).body.service.id;
    restServiceId = (await svc('rest-thing', 'rest')).body.service.id;
    await f.api('POST', `/api/services/${serviceId}/lifecycle`, { cookie: owner.cookie, body: { state: 'published' }, expect: 200 });
  });
  afterAll(() => f.close());

  it('adds a model route with fallback targets, which the gateway serves once it is released', async () => {
    const revision = await f.revision();
    const res = await addModel({ name: 'gpt-4o-mini', targets: [{ providerId: providerA, model: 'gpt-4o-mini' }, { providerId: providerB, model: 'gpt-4o-mini-2024-07-18' }] });
    expect(res.status).toBe(201);
    expect(res.body.model).toMatchObject({ serviceId, name: 'gpt-4o-mini', targets: [{ providerId: providerA, model: 'gpt-4o-mini' }, { providerId: providerB, model: 'gpt-4o-mini-2024-07-18' }] });
    expect(await f.revision()).toBe(revision + 1);
    expect((await first(f.db.select().from(auditEvents).where(eq(auditEvents.targetId, res.body.model.id))))?.action).toBe('model_route.create');
    await f.publisher.settled();
    // The service is live with release 1, which had no models: the edit waits in the working copy.
    expect(f.publisher.current().modelRoutes).toEqual([]);
    await f.api('POST', `/api/services/${serviceId}/releases`, { cookie: owner.cookie, expect: 201 });
    await f.publisher.settled();
    expect(f.publisher.current().modelRoutes).toEqual([{ serviceId, name: 'gpt-4o-mini', targets: res.body.model.targets }]);
  });

  it('says in the answer when a model-route change takes effect (ADR 0016)', async () => {
    const target = { providerId: providerA, model: 'x' };
    const added = await addModel({ name: 'pending', targets: [target] });
    expect(added.body).toMatchObject({ live: false, takesEffect: 'next release' });
    const removed = await f.api('DELETE', `/api/services/${serviceId}/models/${added.body.model.id}`, { cookie: owner.cookie, expect: 200 });
    expect(removed.body).toEqual({ live: false, takesEffect: 'next release' });
    // A draft serves nothing until its first publish; a retired service never again.
    const team = (await f.api('GET', `/api/services/${serviceId}`, { cookie: owner.cookie })).body.service.teamId;
    const other = (await f.api('POST', `/api/teams/${team}/services`, { cookie: owner.cookie, body: { name: 'Later', slug: 'later-chat', kind: 'ai' }, expect: 201 })).body.service.id;
    expect((await addModel({ name: 'early', targets: [target] }, owner.cookie, other)).body).toMatchObject({ live: false, takesEffect: 'first publish' });
    for (const state of ['published', 'deprecated', 'retired']) {
      await f.api('POST', `/api/services/${other}/lifecycle`, { cookie: owner.cookie, body: { state }, expect: 200 });
    }
    expect((await addModel({ name: 'late', targets: [target] }, owner.cookie, other)).body).toMatchObject({ live: false, takesEffect: 'never' });
  });

  it('validates names and targets, naming the field', async () => {
    const missing = await addModel({ name: 'm1', targets: [{ providerId: providerA, model: 'x' }, { providerId: newId('provider'), model: 'y' }] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^targets\.1\.providerId: no such provider/);
    const malformed = await addModel({ name: 'm1', targets: [{ providerId: 'openai', model: 'x' }] });
    expect(malformed.body.error.message).toMatch(/^targets\.0\.providerId:/);
    expect((await addModel({ name: 'm1', targets: [] })).body.error.message).toMatch(/^targets:/);
    const eleven = Array.from({ length: 11 }, () => ({ providerId: providerA, model: 'x' }));
    expect((await addModel({ name: 'm1', targets: eleven })).body.error.message).toMatch(/^targets:/);
    expect((await addModel({ name: 'has space', targets: [{ providerId: providerA, model: 'x' }] })).body.error.message).toMatch(/^name:/);
    expect((await addModel({ name: 'm1', targets: [{ providerId: providerA, model: '' }] })).body.error.message).toMatch(/^targets\.0\.model:/);
    const dup = await addModel({ name: 'gpt-4o-mini', targets: [{ providerId: providerA, model: 'x' }] });
    expect(dup.status).toBe(409);
    const rest = await addModel({ name: 'm1', targets: [{ providerId: providerA, model: 'x' }] }, owner.cookie, restServiceId);
    expect(rest.status).toBe(400);
    expect(rest.body.error.message).toMatch(/kind rest/);
    expect((await addModel({ name: 'm2', targets: [{ providerId: providerA, model: 'x' }] }, member.cookie)).status).toBe(403);
    expect((await addModel({ name: 'm2', targets: [{ providerId: providerA, model: 'x' }] }, outsider.cookie)).status).toBe(404);
  });

  it('lists models: the team sees its working copy with targets, others the released names only', async () => {
    await addModel({ name: 'unreleased', targets: [{ providerId: providerA, model: 'x' }] });
    const mine = await f.api('GET', `/api/services/${serviceId}/models`, { cookie: member.cookie });
    expect(mine.body.models).toEqual([
      expect.objectContaining({ name: 'gpt-4o-mini', targets: expect.any(Array) }),
      expect.objectContaining({ name: 'unreleased', targets: expect.any(Array) }),
    ]);
    const theirs = await f.api('GET', `/api/services/${serviceId}/models`, { cookie: outsider.cookie });
    expect(theirs.status).toBe(200);
    expect(theirs.body.models).toEqual([{ serviceId, name: 'gpt-4o-mini' }]);
    expect(JSON.stringify(theirs.body)).not.toContain(providerA);
    const route = mine.body.models.find((m: { name: string }) => m.name === 'unreleased');
    await f.api('DELETE', `/api/services/${serviceId}/models/${route.id}`, { cookie: owner.cookie, expect: 200 });
  });

  it('deletes a model route of the service only', async () => {
    const id = (await addModel({ name: 'temp', targets: [{ providerId: providerA, model: 'x' }] })).body.model.id;
    expect((await f.api('DELETE', `/api/services/${serviceId}/models/${id}`, { cookie: member.cookie })).status).toBe(403);
    expect((await f.api('DELETE', `/api/services/${restServiceId}/models/${id}`, { cookie: owner.cookie })).status).toBe(404);
    expect((await f.api('DELETE', `/api/services/${serviceId}/models/not-an-id`, { cookie: owner.cookie })).status).toBe(404);
    const revision = await f.revision();
    expect((await f.api('DELETE', `/api/services/${serviceId}/models/${id}`, { cookie: owner.cookie })).status).toBe(200);
    expect(await f.revision()).toBe(revision + 1);
    expect((await f.api('DELETE', `/api/services/${serviceId}/models/${id}`, { cookie: owner.cookie })).status).toBe(404);
  });
});
