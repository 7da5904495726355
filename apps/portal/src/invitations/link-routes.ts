import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { first, invitations, teamMembers, teams, users } from '@tollgate/db';
import { newId, type PlatformRole, type TeamId, type TeamRole, type UserId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import type { Actor } from '../auth/sessions';
import type { ChangeDescription } from '../changes/commit-change';
import { chosenPasswordSchema, hashPassword } from '../auth/passwords';
import { startSession } from '../auth/routes';
import { conflict, forbidden } from '../http/errors';
import { withUniqueAsConflict } from '../http/unique';
import { nameSchema, readJson, readNoBody } from '../http/validate';
import { userView } from '../users/routes';
import { claimInvitation, requireOpenInvitation, type InvitationRow } from './model';

const newAccountSchema = z.strictObject({
  name: nameSchema,
  password: chosenPasswordSchema,
});

const accountExists = 'An account with this email exists: sign in (POST /api/auth/login) and accept the invitation again.';

const acceptChange = (invitation: InvitationRow, userId: UserId, now: number): ChangeDescription => ({
  action: 'team.invitation_accept',
  targetType: 'invitation',
  targetId: invitation.id,
  teamId: invitation.teamId,
  summary: { email: invitation.email, role: invitation.role, userId },
  before: { acceptedAt: null, acceptedBy: null },
  after: { acceptedAt: now, acceptedBy: userId },
  affectsGateway: false,
});

const teamOf = async (ctx: PortalContext, invitation: InvitationRow) =>
  (await first(ctx.db.select({ id: teams.id, name: teams.name, slug: teams.slug }).from(teams).where(eq(teams.id, invitation.teamId))))!;

/** What the holder of a link may read: the team, the invited address and role, who invited, until when. */
export async function invitationLinkView(ctx: PortalContext, invitation: InvitationRow) {
  const team = await teamOf(ctx, invitation);
  const inviter = invitation.invitedBy ? await first(ctx.db.select({ name: users.name }).from(users).where(eq(users.id, invitation.invitedBy))) : undefined;
  return { team: { name: team.name, slug: team.slug }, email: invitation.email, role: invitation.role, expiresAt: invitation.expiresAt, invitedBy: inviter?.name ?? null };
}

/** The answer to an accept: the account (new or existing), the team joined and the role in it. */
export const acceptedView = (user: { id: UserId; email: string; name: string; role: PlatformRole }, team: { id: TeamId; name: string; slug: string }, role: TeamRole) => ({ user, team, role });

/**
 * The invitation link. No session is needed: the token is the credential, so these routes are outside the
 * team policy (and outside security.test.ts's table); invitations.test.ts covers them instead. An unknown token
 * is 404; a used, revoked or expired one is 410 saying which.
 */
export function invitationLinkRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.get('/invitations/:token', async (c) => {
    return c.json(await invitationLinkView(ctx, await requireOpenInvitation(ctx.db, c.req.param('token'))));
  });

  app.post('/invitations/:token/accept', async (c) => {
    const invitation = await requireOpenInvitation(ctx.db, c.req.param('token'));
    const actor = c.get('actor');
    if (actor) {
      // Signed in, the account exists: a name or password sent along would be dropped unseen.
      await readNoBody(c);
      return c.json(await acceptSignedIn(ctx, invitation, actor));
    }
    // Before reading the body: someone who has an account is told to sign in, not asked for a password.
    if (await first(ctx.db.select({ id: users.id }).from(users).where(eq(users.email, invitation.email)))) throw conflict(accountExists);
    const { name, password } = await readJson(c, newAccountSchema);
    const passwordHash = await hashPassword(password);
    const userId = newId('user');
    const now = Date.now();
    const user = await withUniqueAsConflict(
      () =>
        ctx.commitChange(userId, acceptChange(invitation, userId, now), async (tx, record) => {
          // Claimed first: of two racing accepts the loser gets 410 here, before its user insert could collide.
          await claimInvitation(tx, invitation, now, null);
          const row = (await tx.insert(users).values({ id: userId, email: invitation.email, name, role: 'user', passwordHash }).returning())[0]!;
          await tx.update(invitations).set({ acceptedBy: userId }).where(eq(invitations.id, invitation.id));
          await tx.insert(teamMembers).values({ teamId: invitation.teamId, userId, role: invitation.role });
          record({ action: 'user.create', targetType: 'user', targetId: userId, summary: { email: row.email, role: row.role, invitationId: invitation.id }, after: { email: row.email, name: row.name, role: row.role }, affectsGateway: false });
          return row;
        }),
      accountExists,
    );
    await startSession(c, ctx, user.id);
    return c.json(acceptedView(userView(user), await teamOf(ctx, invitation), invitation.role), 201);
  });

  return app;
}

/**
 * The invitation names an address, so only the account with that address may take it: a forwarded link must
 * not let someone else join. The 403 names the invited address: whoever holds the token can read it from
 * GET /api/invitations/:token anyway, and it tells the person which account to sign in with.
 */
async function acceptSignedIn(ctx: PortalContext, invitation: InvitationRow, actor: Actor) {
  if (actor.email.toLowerCase() !== invitation.email) {
    throw forbidden(`This invitation is for another address (${invitation.email}); you are signed in as ${actor.email}. Sign in as the invited address to accept it.`);
  }
  const role = actor.teams.get(invitation.teamId);
  if (role) throw conflict(`You are already a member of this team (role ${role}).`);
  const now = Date.now();
  await withUniqueAsConflict(
    () =>
      ctx.commitChange(actor.id, acceptChange(invitation, actor.id, now), async (tx) => {
        await claimInvitation(tx, invitation, now, actor.id);
        await tx.insert(teamMembers).values({ teamId: invitation.teamId, userId: actor.id, role: invitation.role });
      }),
    'You are already a member of this team.',
  );
  return acceptedView({ id: actor.id, email: actor.email, name: actor.name, role: actor.role }, await teamOf(ctx, invitation), invitation.role);
}
