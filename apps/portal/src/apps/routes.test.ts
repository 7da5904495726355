import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { apiKeys, auditEvents, first } from '@tollgate/db';
import { newId, type TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

describe('apps API', () => {
  let f: PortalFixture;
  let teamAdmin: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let teamId: TeamId;

  beforeAll(async () => {
    f = await createPortalFixture();
    [teamAdmin, member, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser()]);
    teamId = (await f.createTeam({ slug: 'shop' })).id;
    await f.addMember(teamId, teamAdmin.id, 'admin');
    await f.addMember(teamId, member.id, 'member');
  });
  afterAll(() => f.close());

  it('lets any member create, read and edit an app', async () => {
    const revision = await f.revision();
    const res = await f.api('POST', `/api/teams/${teamId}/apps`, { cookie: member.cookie, body: { name: 'Checkout', description: 'Web shop backend' } });
    expect(res.status).toBe(201);
    expect(res.body.app).toMatchObject({ teamId, name: 'Checkout', description: 'Web shop backend' });
    expect(await f.revision()).toBe(revision + 1);
    const id = res.body.app.id;
    expect(await first(f.db.select().from(auditEvents).where(eq(auditEvents.targetId, id)))).toMatchObject({ action: 'app.create', teamId, actorUserId: member.id });

    expect((await f.api('GET', `/api/apps/${id}`, { cookie: member.cookie })).body.app.name).toBe('Checkout');
    expect((await f.api('GET', `/api/teams/${teamId}/apps`, { cookie: member.cookie })).body.apps).toEqual([expect.objectContaining({ id })]);
    const patched = await f.api('PATCH', `/api/apps/${id}`, { cookie: member.cookie, body: { name: 'Checkout v2' } });
    expect(patched.body.app).toMatchObject({ name: 'Checkout v2', description: 'Web shop backend' });
  });

  it('validates bodies and hides apps from other teams', async () => {
    expect((await f.api('POST', `/api/teams/${teamId}/apps`, { cookie: member.cookie, body: { name: '' } })).body.error.message).toMatch(/^name:/);
    expect((await f.api('POST', `/api/teams/${teamId}/apps`, { cookie: member.cookie, body: '{"name":"x"}', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await f.api('POST', `/api/teams/${teamId}/apps`, { cookie: member.cookie, body: '{"name":', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    const id = (await f.api('POST', `/api/teams/${teamId}/apps`, { cookie: member.cookie, body: { name: 'Secret app' }, expect: 201 })).body.app.id;
    expect((await f.api('PATCH', `/api/apps/${id}`, { cookie: member.cookie, body: { description: 'x'.repeat(2001) } })).body.error.message).toMatch(/^description:/);
    expect((await f.api('GET', `/api/apps/${id}`, { cookie: outsider.cookie })).status).toBe(404);
    expect((await f.api('GET', `/api/teams/${teamId}/apps`, { cookie: outsider.cookie })).status).toBe(404);
    expect((await f.api('POST', `/api/teams/${teamId}/apps`, { cookie: outsider.cookie, body: { name: 'x' } })).status).toBe(404);
    expect((await f.api('GET', '/api/apps/app_nope!', { cookie: f.admin.cookie })).status).toBe(404);
    expect((await f.api('GET', `/api/apps/${newId('app')}`, { cookie: f.admin.cookie })).status).toBe(404);
  });

  it('deletes an app with its keys, for team admins only', async () => {
    const id = (await f.api('POST', `/api/teams/${teamId}/apps`, { cookie: member.cookie, body: { name: 'Doomed' }, expect: 201 })).body.app.id;
    await f.api('POST', `/api/apps/${id}/keys`, { cookie: member.cookie, body: { name: 'k' }, expect: 201 });
    expect((await f.api('DELETE', `/api/apps/${id}`, { cookie: member.cookie })).status).toBe(403);
    expect((await f.api('DELETE', `/api/apps/${id}`, { cookie: outsider.cookie })).status).toBe(404);
    const revision = await f.revision();
    expect((await f.api('DELETE', `/api/apps/${id}`, { cookie: teamAdmin.cookie })).status).toBe(204);
    expect(await f.revision()).toBe(revision + 1);
    expect(await f.db.select().from(apiKeys).where(eq(apiKeys.appId, id))).toEqual([]);
    expect((await f.api('GET', `/api/apps/${id}`, { cookie: teamAdmin.cookie })).status).toBe(404);
  });
});
