import { afterEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents } from '@tollgate/db';
import { newId, type TeamId } from '@tollgate/domain';
import { fixturePerTest, type PortalFixture, type TestUser } from '../testing/portal-fixture';

const fixture = fixturePerTest(afterEach);

/** A team with one of each role, an outsider, and a fresh database per test so the owner count starts at one. */
async function world() {
  const f = await fixture();
  const [owner, teamAdmin, member, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser(), f.createUser()]);
  const teamId = (await f.createTeam({ slug: 'payments', ownerUserId: owner.id })).id;
  await f.addMember(teamId, teamAdmin.id, 'admin');
  await f.addMember(teamId, member.id, 'member');
  return { f, owner, teamAdmin, member, outsider, teamId };
}

const setRole = (f: PortalFixture, teamId: TeamId, as: TestUser, userId: string, role: unknown) =>
  f.api('PATCH', `/api/teams/${teamId}/members/${userId}`, { cookie: as.cookie, body: { role } });

const roleEvents = (f: PortalFixture, userId: string) =>
  f.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'team.member_role'), eq(auditEvents.targetId, userId)));

describe('changing a member’s role', () => {
  it('lets a team admin set member and admin, with an audit event of before and after', async () => {
    const { f, teamAdmin, member, teamId } = await world();
    const revision = await f.revision();
    const res = await setRole(f, teamId, teamAdmin, member.id, 'admin');
    expect(res.status).toBe(200);
    expect(res.body.member).toMatchObject({ userId: member.id, email: member.email, role: 'admin' });
    expect(await roleEvents(f, member.id)).toEqual([expect.objectContaining({ teamId, actorUserId: teamAdmin.id, before: { role: 'member' }, after: { role: 'admin' } })]);
    expect((await setRole(f, teamId, teamAdmin, member.id, 'member')).body.member.role).toBe('member');
    expect(await f.revision()).toBe(revision);
    // The new role is what the policy sees on the next request.
    await setRole(f, teamId, teamAdmin, teamAdmin.id, 'member');
    expect((await f.api('GET', `/api/teams/${teamId}/invitations`, { cookie: teamAdmin.cookie })).status).toBe(403);
  });

  it('needs an owner to grant or take away ownership', async () => {
    const { f, owner, teamAdmin, member, teamId } = await world();
    const promote = await setRole(f, teamId, teamAdmin, member.id, 'owner');
    expect(promote.status).toBe(403);
    expect(promote.body.error.message).toMatch(/owner/);
    expect((await setRole(f, teamId, teamAdmin, teamAdmin.id, 'owner')).status).toBe(403);
    expect((await setRole(f, teamId, teamAdmin, owner.id, 'admin')).status).toBe(403);
    expect((await setRole(f, teamId, owner, member.id, 'owner')).status).toBe(200);
    // With two owners, one owner may demote the other.
    expect((await setRole(f, teamId, owner, member.id, 'admin')).status).toBe(200);
    const members = (await f.api('GET', `/api/teams/${teamId}/members`, { cookie: owner.cookie })).body.members;
    expect(members.find((m: { userId: string }) => m.userId === member.id).role).toBe('admin');
    expect((await roleEvents(f, member.id)).map((e) => e.after)).toEqual([{ role: 'owner' }, { role: 'admin' }]);
  });

  it('never demotes the last owner, not even for a platform admin', async () => {
    const { f, owner, member, teamId } = await world();
    for (const as of [owner, f.admin]) {
      const res = await setRole(f, teamId, as, owner.id, 'admin');
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/last owner/);
    }
    expect(await roleEvents(f, owner.id)).toEqual([]);
    await setRole(f, teamId, owner, member.id, 'owner');
    expect((await setRole(f, teamId, owner, owner.id, 'member')).status).toBe(200);
    // Now the former member is the last owner.
    expect((await setRole(f, teamId, member, member.id, 'admin')).status).toBe(409);
  });

  it('refuses plain members, outsiders, unknown members and bad roles', async () => {
    const { f, owner, teamAdmin, member, outsider, teamId } = await world();
    expect((await setRole(f, teamId, member, teamAdmin.id, 'member')).status).toBe(403);
    expect((await setRole(f, teamId, member, member.id, 'admin')).status).toBe(403);
    expect((await setRole(f, teamId, outsider, member.id, 'admin')).status).toBe(404);
    expect((await setRole(f, teamId, owner, outsider.id, 'admin')).status).toBe(404);
    expect((await setRole(f, teamId, owner, newId('user'), 'admin')).status).toBe(404);
    expect((await setRole(f, teamId, owner, 'not-an-id', 'admin')).status).toBe(404);
    expect((await setRole(f, newId('team'), owner, member.id, 'admin')).status).toBe(404);
    const bad = await setRole(f, teamId, owner, member.id, 'superuser');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^role:/);
    expect((await f.api('PATCH', `/api/teams/${teamId}/members/${member.id}`, { body: { role: 'admin' } })).status).toBe(401);
    expect(await roleEvents(f, member.id)).toEqual([]);
  });

  it('writes nothing when the role is unchanged', async () => {
    const { f, owner, member, teamId } = await world();
    const res = await setRole(f, teamId, owner, member.id, 'member');
    expect(res.status).toBe(200);
    expect(res.body.member.role).toBe('member');
    expect(await roleEvents(f, member.id)).toEqual([]);
  });
});
