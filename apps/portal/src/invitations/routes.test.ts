import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, first, invitations } from '@tollgate/db';
import { newId, type InvitationId, type TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

describe('team invitations API', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let teamAdmin: TestUser;
  let member: TestUser;
  let ownerB: TestUser;
  let teamId: TeamId;
  let teamB: TeamId;
  let emailCounter = 0;

  const path = (team: string = teamId) => `/api/teams/${team}/invitations`;
  const nextEmail = () => `invitee${++emailCounter}@example.test`;
  const invite = (as: TestUser, body: Record<string, unknown>) => f.api('POST', path(), { cookie: as.cookie, body });
  const auditOf = async (action: string, targetId: string) =>
    f.db.select().from(auditEvents).where(and(eq(auditEvents.action, action), eq(auditEvents.targetId, targetId)));
  const expire = async (id: InvitationId) => {
    await f.db.update(invitations).set({ expiresAt: Date.now() - 1 }).where(eq(invitations.id, id));
  };

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, teamAdmin, member, ownerB] = await Promise.all([f.createUser(), f.createUser(), f.createUser(), f.createUser()]);
    teamId = (await f.createTeam({ slug: 'payments', name: 'Payments', ownerUserId: owner.id })).id;
    teamB = (await f.createTeam({ slug: 'bravo', name: 'Bravo', ownerUserId: ownerB.id })).id;
    await f.addMember(teamId, teamAdmin.id, 'admin');
    await f.addMember(teamId, member.id, 'member');
  });
  afterAll(() => f.close());

  it('creates an invitation, shows the token once and stores only its SHA-256', async () => {
    const revision = await f.revision();
    const before = Date.now();
    const res = await invite(teamAdmin, { email: '  New.Person@Example.TEST ', role: 'member' });
    expect(res.status).toBe(201);
    const { invitation, token, acceptPath } = res.body;
    expect(token).toMatch(/^tgi_[A-Za-z0-9_-]{43}$/);
    expect(acceptPath).toBe(`/api/invitations/${token}/accept`);
    expect(invitation).toMatchObject({ teamId, email: 'new.person@example.test', role: 'member', state: 'open', invitedBy: teamAdmin.id, acceptedAt: null, revokedAt: null });
    expect(invitation.expiresAt).toBeGreaterThanOrEqual(before + 168 * 3600_000);
    expect(invitation.expiresAt).toBeLessThanOrEqual(Date.now() + 168 * 3600_000);
    expect(Object.keys(invitation)).not.toContain('tokenHash');
    const row = (await first(f.db.select().from(invitations).where(eq(invitations.id, invitation.id))))!;
    expect(row.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);
    const [event] = await auditOf('team.invitation_create', invitation.id);
    expect(event).toMatchObject({ teamId, actorUserId: teamAdmin.id, after: { email: 'new.person@example.test', role: 'member', expiresAt: invitation.expiresAt } });
    expect(JSON.stringify(event)).not.toContain(token);
    // Invitations are not part of the gateway's config.
    expect(await f.revision()).toBe(revision);
  });

  it('validates the body, naming the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ email: 'not-an-email', role: 'member' }, /^email:/],
      [{ email: nextEmail(), role: 'boss' }, /^role:/],
      [{ email: nextEmail() }, /^role:/],
      [{ email: nextEmail(), role: 'member', expiresInHours: 0 }, /^expiresInHours:/],
      [{ email: nextEmail(), role: 'member', expiresInHours: 721 }, /^expiresInHours:/],
      [{ email: nextEmail(), role: 'member', expiresInHours: 1.5 }, /^expiresInHours:/],
    ];
    for (const [body, message] of cases) {
      const res = await invite(owner, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    const longest = await invite(owner, { email: nextEmail(), role: 'member', expiresInHours: 720 });
    expect(longest.status).toBe(201);
    expect(longest.body.invitation.expiresAt - longest.body.invitation.createdAt).toBeGreaterThanOrEqual(720 * 3600_000 - 1000);
  });

  it('lets team admins invite, but only owners invite owners; members may not invite', async () => {
    const asAdmin = await invite(teamAdmin, { email: nextEmail(), role: 'owner' });
    expect(asAdmin.status).toBe(403);
    expect(asAdmin.body.error.message).toMatch(/owner/);
    expect((await invite(teamAdmin, { email: nextEmail(), role: 'admin' })).status).toBe(201);
    expect((await invite(owner, { email: nextEmail(), role: 'owner' })).status).toBe(201);
    expect((await invite(member, { email: nextEmail(), role: 'member' })).status).toBe(403);
    expect((await invite(f.admin, { email: nextEmail(), role: 'owner' })).status).toBe(201);
  });

  it('refuses to invite a member, or an address with an open invitation; closed ones do not block', async () => {
    const asMember = await invite(owner, { email: member.email.toUpperCase(), role: 'admin' });
    expect(asMember.status).toBe(409);
    expect(asMember.body.error.message).toMatch(/already a member/);

    const email = nextEmail();
    const first = await invite(owner, { email, role: 'member' });
    expect(first.status).toBe(201);
    const duplicate = await invite(teamAdmin, { email, role: 'admin' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.message).toMatch(/open invitation/);
    // The same address may be invited by another team.
    expect((await f.api('POST', path(teamB), { cookie: ownerB.cookie, body: { email, role: 'member' } })).status).toBe(201);

    await f.api('DELETE', `${path()}/${first.body.invitation.id}`, { cookie: owner.cookie, expect: 204 });
    const second = await invite(owner, { email, role: 'member' });
    expect(second.status).toBe(201);
    await expire(second.body.invitation.id);
    expect((await invite(owner, { email, role: 'member' })).status).toBe(201);
  });

  it('lists the team’s invitations with their state and never a token', async () => {
    const open = await invite(owner, { email: nextEmail(), role: 'member' });
    const revoked = await invite(owner, { email: nextEmail(), role: 'member' });
    const expired = await invite(owner, { email: nextEmail(), role: 'member' });
    await f.api('DELETE', `${path()}/${revoked.body.invitation.id}`, { cookie: owner.cookie, expect: 204 });
    await expire(expired.body.invitation.id);

    const res = await f.api('GET', path(), { cookie: teamAdmin.cookie });
    expect(res.status).toBe(200);
    const states = new Map(res.body.invitations.map((i: { id: string; state: string }) => [i.id, i.state]));
    expect(states.get(open.body.invitation.id)).toBe('open');
    expect(states.get(revoked.body.invitation.id)).toBe('revoked');
    expect(states.get(expired.body.invitation.id)).toBe('expired');
    expect(res.body.invitations.every((i: { teamId: string }) => i.teamId === teamId)).toBe(true);
    const text = JSON.stringify(res.body);
    for (const r of [open, revoked, expired]) expect(text).not.toContain(r.body.token);
    expect(text).not.toMatch(/tokenHash|tgi_/);
    for (const row of await f.db.select().from(invitations)) expect(text).not.toContain(row.tokenHash);

    expect((await f.api('GET', path(), { cookie: member.cookie })).status).toBe(403);
  });

  it('revokes an open invitation once; closed, unknown and other teams’ ones are refused', async () => {
    const created = await invite(teamAdmin, { email: nextEmail(), role: 'member' });
    const id = created.body.invitation.id;
    expect((await f.api('DELETE', `${path()}/${id}`, { cookie: member.cookie })).status).toBe(403);
    const res = await f.api('DELETE', `${path()}/${id}`, { cookie: teamAdmin.cookie });
    expect(res.status).toBe(204);
    const [event] = await auditOf('team.invitation_revoke', id);
    expect(event).toMatchObject({ teamId, actorUserId: teamAdmin.id, before: { revokedAt: null } });
    expect(event!.after).toEqual({ revokedAt: expect.any(Number) });
    const again = await f.api('DELETE', `${path()}/${id}`, { cookie: teamAdmin.cookie });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/revoked/);

    const expired = await invite(owner, { email: nextEmail(), role: 'member' });
    await expire(expired.body.invitation.id);
    const expiredRes = await f.api('DELETE', `${path()}/${expired.body.invitation.id}`, { cookie: owner.cookie });
    expect(expiredRes.status).toBe(409);
    expect(expiredRes.body.error.message).toMatch(/expired/);

    expect((await f.api('DELETE', `${path()}/${newId('invitation')}`, { cookie: owner.cookie })).status).toBe(404);
    expect((await f.api('DELETE', `${path()}/not-an-id`, { cookie: owner.cookie })).status).toBe(404);
  });

  it('refuses accepted invitations a revoke, naming the state', async () => {
    const email = nextEmail();
    const created = await invite(owner, { email, role: 'member' });
    await f.api('POST', created.body.acceptPath, { body: { name: 'Accepting Person', password: 'correct horse battery' }, expect: 201 });
    const res = await f.api('DELETE', `${path()}/${created.body.invitation.id}`, { cookie: owner.cookie });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/accepted/);
  });

  it('shows another team’s owner nothing of this team’s invitations', async () => {
    const created = await invite(owner, { email: nextEmail(), role: 'admin' });
    const id = created.body.invitation.id;
    const list = await f.api('GET', path(), { cookie: ownerB.cookie });
    expect(list.status).toBe(404);
    const create = await f.api('POST', path(), { cookie: ownerB.cookie, body: { email: nextEmail(), role: 'owner' } });
    expect(create.status).toBe(404);
    expect((await f.api('DELETE', `${path()}/${id}`, { cookie: ownerB.cookie })).status).toBe(404);
    // Through their own team's path the id is unknown too.
    expect((await f.api('DELETE', `${path(teamB)}/${id}`, { cookie: ownerB.cookie })).status).toBe(404);
    const own = await f.api('GET', path(teamB), { cookie: ownerB.cookie });
    expect(own.status).toBe(200);
    expect(own.body.invitations.map((i: { teamId: string }) => i.teamId)).not.toContain(teamId);
    for (const res of [list, create, own]) expect(JSON.stringify(res.body)).not.toContain(id);
    expect((await first(f.db.select().from(invitations).where(eq(invitations.id, id))))!.revokedAt).toBeNull();
  });

  it('needs a session', async () => {
    expect((await f.api('GET', path())).status).toBe(401);
    expect((await f.api('POST', path(), { body: { email: nextEmail(), role: 'member' } })).status).toBe(401);
  });
});
