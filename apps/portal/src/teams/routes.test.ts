import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '@tollgate/db';
import { newId, type TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

describe('teams API', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let teamAdmin: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let teamId: TeamId;

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, teamAdmin, member, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser(), f.createUser()]);
    teamId = (await f.createTeam({ slug: 'payments', name: 'Payments', ownerUserId: owner.id })).id;
    await f.addMember(teamId, teamAdmin.id, 'admin');
    await f.addMember(teamId, member.id, 'member');
  });
  afterAll(() => f.close());

  it('creates a team with the creator as owner by default', async () => {
    const revision = await f.revision();
    const res = await f.api('POST', '/api/teams', { cookie: f.admin.cookie, body: { name: 'Search', slug: 'search' } });
    expect(res.status).toBe(201);
    expect(res.body.team).toMatchObject({ name: 'Search', slug: 'search', role: 'owner' });
    const members = await f.api('GET', `/api/teams/${res.body.team.id}/members`, { cookie: f.admin.cookie });
    expect(members.body.members).toEqual([expect.objectContaining({ userId: f.admin.id, role: 'owner' })]);
    expect(await f.revision()).toBe(revision);
  });

  it('validates the team body', async () => {
    const slug = await f.api('POST', '/api/teams', { cookie: f.admin.cookie, body: { name: 'X', slug: 'Not A Slug' } });
    expect(slug.status).toBe(400);
    expect(slug.body.error.message).toMatch(/^slug:/);
    const unknownOwner = await f.api('POST', '/api/teams', { cookie: f.admin.cookie, body: { name: 'X', slug: 'x-team', ownerUserId: newId('user') } });
    expect(unknownOwner.status).toBe(400);
    expect(unknownOwner.body.error.message).toMatch(/^ownerUserId:/);
    const malformed = await f.api('POST', '/api/teams', { cookie: f.admin.cookie, body: { name: 'X', slug: 'x-team', ownerUserId: 'bob' } });
    expect(malformed.body.error.message).toMatch(/^ownerUserId:/);
    const dup = await f.api('POST', '/api/teams', { cookie: f.admin.cookie, body: { name: 'Other', slug: 'payments' } });
    expect(dup.status).toBe(409);
    expect((await f.api('POST', '/api/teams', { cookie: owner.cookie, body: { name: 'Mine', slug: 'mine' } })).status).toBe(403);
  });

  it('lists my teams with my role; a platform admin sees all', async () => {
    const mine = await f.api('GET', '/api/teams', { cookie: member.cookie });
    expect(mine.body.teams).toEqual([expect.objectContaining({ id: teamId, role: 'member' })]);
    expect((await f.api('GET', '/api/teams', { cookie: outsider.cookie })).body.teams).toEqual([]);
    const all = await f.api('GET', '/api/teams', { cookie: f.admin.cookie });
    expect(all.body.teams.map((t: { slug: string }) => t.slug)).toEqual(expect.arrayContaining(['payments', 'search']));
  });

  it('shows a team to its members only; malformed and unknown ids are 404', async () => {
    expect((await f.api('GET', `/api/teams/${teamId}`, { cookie: member.cookie })).body.team).toMatchObject({ slug: 'payments' });
    const hidden = await f.api('GET', `/api/teams/${teamId}`, { cookie: outsider.cookie });
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain('payments');
    expect((await f.api('GET', '/api/teams/nope', { cookie: f.admin.cookie })).status).toBe(404);
    expect((await f.api('GET', `/api/teams/${newId('team')}`, { cookie: f.admin.cookie })).status).toBe(404);
    expect((await f.api('GET', `/api/teams/${teamId}/members`, { cookie: outsider.cookie })).status).toBe(404);
  });

  it('lets team admins add members, but only owners add owners', async () => {
    const newcomer = await f.createUser();
    const byMember = await f.api('POST', `/api/teams/${teamId}/members`, { cookie: member.cookie, body: { userId: newcomer.id, role: 'member' } });
    expect(byMember.status).toBe(403);
    const ownerByAdmin = await f.api('POST', `/api/teams/${teamId}/members`, { cookie: teamAdmin.cookie, body: { userId: newcomer.id, role: 'owner' } });
    expect(ownerByAdmin.status).toBe(403);
    const added = await f.api('POST', `/api/teams/${teamId}/members`, { cookie: teamAdmin.cookie, body: { userId: newcomer.id, role: 'member' } });
    expect(added.status).toBe(201);
    expect(added.body.member).toMatchObject({ userId: newcomer.id, email: newcomer.email, role: 'member' });
    const again = await f.api('POST', `/api/teams/${teamId}/members`, { cookie: owner.cookie, body: { userId: newcomer.id, role: 'admin' } });
    expect(again.status).toBe(409);
    const unknown = await f.api('POST', `/api/teams/${teamId}/members`, { cookie: owner.cookie, body: { userId: newId('user'), role: 'member' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/^userId:/);
    const role = await f.api('POST', `/api/teams/${teamId}/members`, { cookie: owner.cookie, body: { userId: newcomer.id, role: 'boss' } });
    expect(role.body.error.message).toMatch(/^role:/);
    // The new member's next request sees the team: roles are read per request, not cached in the session.
    expect((await f.api('GET', `/api/teams/${teamId}`, { cookie: newcomer.cookie })).status).toBe(200);
  });

  it('removes members, protects owners from admins and never removes the last owner', async () => {
    const leaving = await f.createUser();
    await f.addMember(teamId, leaving.id, 'member');
    expect((await f.api('DELETE', `/api/teams/${teamId}/members/${leaving.id}`, { cookie: member.cookie })).status).toBe(403);
    expect((await f.api('DELETE', `/api/teams/${teamId}/members/${leaving.id}`, { cookie: teamAdmin.cookie })).status).toBe(204);
    expect((await f.api('GET', `/api/teams/${teamId}`, { cookie: leaving.cookie })).status).toBe(404);
    expect((await f.api('DELETE', `/api/teams/${teamId}/members/${leaving.id}`, { cookie: teamAdmin.cookie })).status).toBe(404);
    expect((await f.api('DELETE', `/api/teams/${teamId}/members/garbage`, { cookie: teamAdmin.cookie })).status).toBe(404);

    expect((await f.api('DELETE', `/api/teams/${teamId}/members/${owner.id}`, { cookie: teamAdmin.cookie })).status).toBe(403);
    const last = await f.api('DELETE', `/api/teams/${teamId}/members/${owner.id}`, { cookie: owner.cookie });
    expect(last.status).toBe(409);
    expect(last.body.error.message).toMatch(/last owner/);

    const second = await f.createUser();
    await f.api('POST', `/api/teams/${teamId}/members`, { cookie: owner.cookie, body: { userId: second.id, role: 'owner' }, expect: 201 });
    expect((await f.api('DELETE', `/api/teams/${teamId}/members/${second.id}`, { cookie: owner.cookie })).status).toBe(204);
  });

  it('shows team admins the audit trail, newest first, with a bounded limit', async () => {
    const res = await f.api('GET', `/api/teams/${teamId}/audit-events?limit=3`, { cookie: teamAdmin.cookie });
    expect(res.status).toBe(200);
    expect(res.body.events).toHaveLength(3);
    const times = res.body.events.map((e: { at: number }) => e.at);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(res.body.events[0]).toMatchObject({ action: 'team.member_remove', teamId, actorEmail: owner.email });
    const all = await f.api('GET', `/api/teams/${teamId}/audit-events`, { cookie: owner.cookie });
    const stored = (await f.db.select().from(auditEvents)).filter((e) => e.teamId === teamId);
    expect(all.body.events).toHaveLength(stored.length);
    expect(all.body.events.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['team.create', 'team.member_add', 'team.member_remove']),
    );
    const older = await f.api('GET', `/api/teams/${teamId}/audit-events?before=${times[2]}`, { cookie: owner.cookie });
    expect(older.body.events.every((e: { at: number }) => e.at < times[2])).toBe(true);

    expect((await f.api('GET', `/api/teams/${teamId}/audit-events?limit=201`, { cookie: owner.cookie })).status).toBe(400);
    expect((await f.api('GET', `/api/teams/${teamId}/audit-events`, { cookie: member.cookie })).status).toBe(403);
    expect((await f.api('GET', `/api/teams/${teamId}/audit-events`, { cookie: outsider.cookie })).status).toBe(404);
  });
});
