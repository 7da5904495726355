import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, first, invitations, teamMembers, users } from '@tollgate/db';
import type { InvitationId, TeamId, TeamRole, UserId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

const password = 'a long enough password';

describe('invitation links', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let teamId: TeamId;
  let emailCounter = 0;

  const nextEmail = () => `linked${++emailCounter}@example.test`;
  const invite = async (email: string, role: TeamRole = 'member') =>
    (await f.api('POST', `/api/teams/${teamId}/invitations`, { cookie: owner.cookie, body: { email, role }, expect: 201 })).body as {
      invitation: { id: InvitationId };
      token: string;
      acceptPath: string;
    };
  const stateOf = async (id: string) =>
    (await f.api('GET', `/api/teams/${teamId}/invitations`, { cookie: owner.cookie })).body.invitations.find((i: { id: string }) => i.id === id).state;
  const membership = (userId: UserId) =>
    first(f.db.select().from(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId))));
  const sessionCookie = (res: { headers: Headers }) => res.headers.get('set-cookie')?.split(';')[0];

  beforeAll(async () => {
    f = await createPortalFixture();
    owner = await f.createUser({ name: 'Olivia Owner' });
    teamId = (await f.createTeam({ slug: 'payments', name: 'Payments', ownerUserId: owner.id })).id;
  });
  afterAll(() => f.close());

  it('shows an open invitation to anyone holding the token', async () => {
    const email = nextEmail();
    const { token } = await invite(email, 'admin');
    const res = await f.api('GET', `/api/invitations/${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ team: { name: 'Payments', slug: 'payments' }, email, role: 'admin', expiresAt: expect.any(Number), invitedBy: 'Olivia Owner' });
  });

  it('answers 404 to a wrong or malformed token', async () => {
    const wrong = `tgi_${randomBytes(32).toString('base64url')}`;
    for (const token of [wrong, 'tgi_short', 'nonsense', `${wrong}x`]) {
      expect((await f.api('GET', `/api/invitations/${token}`)).status, token).toBe(404);
      expect((await f.api('POST', `/api/invitations/${token}/accept`, { body: { name: 'X', password } })).status, token).toBe(404);
    }
    expect(await first(f.db.select().from(users).where(eq(users.name, 'X')))).toBeUndefined();
  });

  it('creates the account of a new person, adds the membership and signs them in', async () => {
    const email = nextEmail();
    const { token, acceptPath, invitation } = await invite(email, 'admin');
    const res = await f.api('POST', acceptPath, { body: { name: 'New Person', password } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ user: { email, name: 'New Person', role: 'user' }, team: { id: teamId, name: 'Payments', slug: 'payments' }, role: 'admin' });
    const cookie = sessionCookie(res);
    expect(cookie).toMatch(/^tg_session=/);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Strict/i);

    const me = await f.api('GET', '/api/auth/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: res.body.user.id, email });
    expect(me.body.teams).toEqual([{ teamId, role: 'admin' }]);
    const myTeams = await f.api('GET', '/api/teams', { cookie });
    expect(myTeams.body.teams).toEqual([expect.objectContaining({ id: teamId, role: 'admin' })]);
    // The chosen password works for a later sign-in.
    expect(await f.login(email, password)).toMatch(/^tg_session=/);

    const row = (await first(f.db.select().from(invitations).where(eq(invitations.id, invitation.id))))!;
    expect(row.acceptedBy).toBe(res.body.user.id);
    expect(row.acceptedAt).toEqual(expect.any(Number));
    const events = await f.db.select().from(auditEvents).where(eq(auditEvents.actorUserId, res.body.user.id));
    expect(events.map((e) => e.action).sort()).toEqual(['team.invitation_accept', 'user.create']);
    expect(events.find((e) => e.action === 'team.invitation_accept')).toMatchObject({ teamId, targetId: invitation.id, after: { acceptedBy: res.body.user.id } });
    expect(JSON.stringify(events)).not.toContain(password);

    const second = await f.api('POST', acceptPath, { body: { name: 'Second Try', password } });
    expect(second.status).toBe(410);
    expect(second.body.error).toMatchObject({ code: 'invitation_accepted', message: expect.stringMatching(/used already/) });
    expect((await f.api('GET', `/api/invitations/${token}`)).status).toBe(410);
  });

  it('validates the new account, naming the field, and leaves the invitation open', async () => {
    const { acceptPath, invitation } = await invite(nextEmail());
    const cases: [unknown, RegExp][] = [
      [{ name: 'Shorty', password: 'elevenchars' }, /^password:/],
      [{ name: 'Longy', password: 'x'.repeat(201) }, /^password:/],
      [{ password }, /^name:/],
      [{ name: '   ', password }, /^name:/],
    ];
    for (const [body, message] of cases) {
      const res = await f.api('POST', acceptPath, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await f.api('POST', acceptPath)).status).toBe(415);
    expect(await stateOf(invitation.id)).toBe('open');
    expect((await f.api('POST', acceptPath, { body: { name: 'Twelve Chars', password: 'x'.repeat(12) } })).status).toBe(201);
  });

  it('tells someone who has an account to sign in, and then lets them accept', async () => {
    const existing = await f.createUser({ email: nextEmail() });
    const { acceptPath, invitation } = await invite(existing.email, 'member');
    const anonymous = await f.api('POST', acceptPath, { body: { name: 'Impostor', password } });
    expect(anonymous.status).toBe(409);
    expect(anonymous.body.error.message).toMatch(/sign in/);
    expect((await first(f.db.select().from(users).where(eq(users.email, existing.email))))!.name).not.toBe('Impostor');
    expect(await stateOf(invitation.id)).toBe('open');

    const res = await f.api('POST', acceptPath, { cookie: existing.cookie });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { id: existing.id, email: existing.email }, team: { id: teamId }, role: 'member' });
    expect(sessionCookie(res)).toBeUndefined();
    expect((await membership(existing.id))?.role).toBe('member');
    const members = await f.api('GET', `/api/teams/${teamId}/members`, { cookie: existing.cookie });
    expect(members.body.members.map((m: { userId: string }) => m.userId)).toContain(existing.id);
    const [event] = await f.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'team.invitation_accept'), eq(auditEvents.targetId, invitation.id)));
    expect(event).toMatchObject({ actorUserId: existing.id, teamId, before: { acceptedAt: null, acceptedBy: null } });
    expect((await f.api('POST', acceptPath, { cookie: existing.cookie })).status).toBe(410);
  });

  it('refuses a signed-in person whose address is not the invited one', async () => {
    const invitedEmail = nextEmail();
    const someoneElse = await f.createUser({ email: nextEmail() });
    const { acceptPath, invitation } = await invite(invitedEmail, 'admin');
    const res = await f.api('POST', acceptPath, { cookie: someoneElse.cookie });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/another address/);
    expect(await membership(someoneElse.id)).toBeUndefined();
    expect(await stateOf(invitation.id)).toBe('open');
  });

  it('refuses a person who is a member already', async () => {
    const later = await f.createUser({ email: nextEmail() });
    const { acceptPath, invitation } = await invite(later.email, 'admin');
    await f.addMember(teamId, later.id, 'member');
    // The session predates the membership: the actor is loaded per request, so the check sees it anyway.
    const res = await f.api('POST', acceptPath, { cookie: later.cookie });
    expect(res.status).toBe(409);
    expect((await membership(later.id))?.role).toBe('member');
    expect(await stateOf(invitation.id)).toBe('open');
  });

  it('answers 410 to a revoked invitation', async () => {
    const { token, acceptPath, invitation } = await invite(nextEmail());
    await f.api('DELETE', `/api/teams/${teamId}/invitations/${invitation.id}`, { cookie: owner.cookie, expect: 204 });
    for (const res of [await f.api('GET', `/api/invitations/${token}`), await f.api('POST', acceptPath, { body: { name: 'Late', password } })]) {
      expect(res.status).toBe(410);
      expect(res.body.error).toMatchObject({ code: 'invitation_revoked', message: expect.stringMatching(/revoked/) });
    }
  });

  it('answers 410 to an expired invitation', async () => {
    const email = nextEmail();
    const { token, acceptPath, invitation } = await invite(email);
    await f.db.update(invitations).set({ expiresAt: Date.now() - 1 }).where(eq(invitations.id, invitation.id));
    for (const res of [await f.api('GET', `/api/invitations/${token}`), await f.api('POST', acceptPath, { body: { name: 'Late', password } })]) {
      expect(res.status).toBe(410);
      expect(res.body.error).toMatchObject({ code: 'invitation_expired', message: expect.stringMatching(/expired/) });
    }
    expect(await first(f.db.select().from(users).where(eq(users.email, email)))).toBeUndefined();
  });

  it('lets only one of two concurrent accepts succeed; the other gets 410', async () => {
    const email = nextEmail();
    const { acceptPath } = await invite(email);
    // Both pass the checks before the transaction while the other hashes its password; the claim decides.
    const results = await Promise.all([
      f.api('POST', acceptPath, { body: { name: 'First Racer', password } }),
      f.api('POST', acceptPath, { body: { name: 'Second Racer', password } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 410]);
    expect(results.find((r) => r.status === 410)!.body.error.code).toBe('invitation_accepted');
    const created = await f.db.select().from(users).where(eq(users.email, email));
    expect(created).toHaveLength(1);
    expect((await membership(created[0]!.id))?.role).toBe('member');
    expect(results.filter((r) => sessionCookie(r))).toHaveLength(1);
  });
});
