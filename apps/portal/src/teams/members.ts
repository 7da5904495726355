import { Hono, type Context } from 'hono';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { changedRows, first, teamMembers, users } from '@tollgate/db';
import { isId, teamRoles, type TeamId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import type { Reader, Tx } from '../changes/tx';
import type { Actor } from '../auth/sessions';
import { isPlatformAdmin, requireSignedIn, requireTeamRole } from '../access/policy';
import { loadTeam } from '../access/load';
import { badRequest, conflict, forbidden, notFound } from '../http/errors';
import { idSchema } from '../http/ids';
import { withUniqueAsConflict } from '../http/unique';
import { readJson, readNoBody } from '../http/validate';

export const addMemberSchema = z.strictObject({
  userId: idSchema('user'),
  role: z.enum(teamRoles),
});

export const changeRoleSchema = z.strictObject({ role: z.enum(teamRoles) });

// Owners can hand out or take away ownership; a team admin cannot promote themselves past their own role.
export function requireOwnerFor(actor: Actor, teamId: TeamId, what: string) {
  if (!isPlatformAdmin(actor) && actor.teams.get(teamId) !== 'owner') throw forbidden(`Only a team owner may ${what}.`);
}

/**
 * Owners of a team, counted inside the transaction that would remove or demote one, so two owners doing it to
 * each other at once cannot orphan the team.
 */
const ownerCount = async (tx: Tx, teamId: TeamId) =>
  (await tx.select({ userId: teamMembers.userId }).from(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.role, 'owner')))).length;

/** A team's members with their accounts' email and name, by email. */
export const listMembers = (db: Reader, teamId: TeamId) =>
  db
    .select({ userId: users.id, email: users.email, name: users.name, role: teamMembers.role, createdAt: teamMembers.createdAt })
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(eq(teamMembers.teamId, teamId))
    .orderBy(asc(users.email));

export function memberRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  /** A member route's caller (a team admin), team and member id; a malformed id is the same 404 as a missing one. */
  const memberParams = async (c: Context<PortalEnv>) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId') ?? '');
    requireTeamRole(actor, team.id, 'admin');
    const userId = c.req.param('userId') ?? '';
    if (!isId('user', userId)) throw notFound('Member');
    return { actor, team, userId, isMember: and(eq(teamMembers.teamId, team.id), eq(teamMembers.userId, userId)) };
  };

  app.get('/teams/:teamId/members', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'member');
    return c.json({ members: await listMembers(ctx.db, team.id) });
  });

  app.post('/teams/:teamId/members', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'admin');
    const { userId, role } = await readJson(c, addMemberSchema);
    if (role === 'owner') requireOwnerFor(actor, team.id, 'add an owner');
    const user = await first(ctx.db.select().from(users).where(eq(users.id, userId)));
    if (!user) throw badRequest('userId: no such user');
    const existing = await first(
      ctx.db
        .select({ role: teamMembers.role })
        .from(teamMembers)
        .where(and(eq(teamMembers.teamId, team.id), eq(teamMembers.userId, userId))),
    );
    if (existing) throw conflict(`The user is already a member of this team (role ${existing.role}).`);
    const member = await withUniqueAsConflict(
      () =>
        ctx.commitChange(
          actor.id,
          { action: 'team.member_add', targetType: 'user', targetId: userId, teamId: team.id, summary: { email: user.email, role }, affectsGateway: false },
          async (tx) => (await tx.insert(teamMembers).values({ teamId: team.id, userId, role }).returning())[0]!,
        ),
      'The user is already a member of this team.',
    );
    return c.json({ member: { userId, email: user.email, name: user.name, role: member.role, createdAt: member.createdAt } }, 201);
  });

  app.patch('/teams/:teamId/members/:userId', async (c) => {
    const { actor, team, userId, isMember } = await memberParams(c);
    const member = await first(
      ctx.db
        .select({ role: teamMembers.role, createdAt: teamMembers.createdAt, email: users.email, name: users.name })
        .from(teamMembers)
        .innerJoin(users, eq(users.id, teamMembers.userId))
        .where(isMember),
    );
    if (!member) throw notFound('Member');
    const { role } = await readJson(c, changeRoleSchema);
    if (role === 'owner' && member.role !== 'owner') requireOwnerFor(actor, team.id, 'make someone an owner');
    if (member.role === 'owner' && role !== 'owner') requireOwnerFor(actor, team.id, 'demote an owner');
    const view = { userId, email: member.email, name: member.name, role, createdAt: member.createdAt };
    // Setting the role a member already has changes nothing, so it writes nothing (and no audit event).
    if (role === member.role) return c.json({ member: view });
    await ctx.commitChange(
      actor.id,
      { action: 'team.member_role', targetType: 'user', targetId: userId, teamId: team.id, summary: { email: member.email }, before: { role: member.role }, after: { role }, affectsGateway: false },
      async (tx) => {
        if (member.role === 'owner' && (await ownerCount(tx, team.id)) <= 1) throw conflict('This is the last owner of the team; make another member owner first.');
        // Conditional on the role read above, so a concurrent change is not silently overwritten.
        const changes = changedRows(await tx.update(teamMembers).set({ role }).where(and(isMember, eq(teamMembers.role, member.role))));
        if (changes === 0) throw conflict('The member was changed or removed meanwhile; reload and try again.');
      },
    );
    return c.json({ member: view });
  });

  app.delete('/teams/:teamId/members/:userId', async (c) => {
    const { actor, team, isMember } = await memberParams(c);
    await readNoBody(c);
    const member = await first(ctx.db.select().from(teamMembers).where(isMember));
    if (!member) throw notFound('Member');
    if (member.role === 'owner') requireOwnerFor(actor, team.id, 'remove an owner');
    await ctx.commitChange(
      actor.id,
      { action: 'team.member_remove', targetType: 'user', targetId: member.userId, teamId: team.id, summary: { role: member.role }, affectsGateway: false },
      async (tx) => {
        if (member.role === 'owner' && (await ownerCount(tx, team.id)) <= 1) {
          throw conflict('This is the last owner of the team; add another owner first.');
        }
        await tx.delete(teamMembers).where(isMember);
      },
    );
    return c.body(null, 204);
  });

  return app;
}
