import { Hono } from 'hono';
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { changedRows, first, invitations, teamMembers, users } from '@tollgate/db';
import { isId, newId, teamRoles } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { requireSignedIn, requireTeamRole } from '../access/policy';
import { loadTeam } from '../access/load';
import { conflict, notFound } from '../http/errors';
import { readJson, readNoBody } from '../http/validate';
import { requireOwnerFor } from '../teams/members';
import { invitationLinkRoutes } from './link-routes';
import {
  acceptPath,
  defaultExpiryHours,
  invitationState,
  invitationView,
  isOpen,
  maxExpiryHours,
  newInvitationToken,
} from './model';

export const createInvitationSchema = z.strictObject({
  // Lowercased like user emails, so the invitation matches the account it ends up in.
  email: z.string().trim().toLowerCase().max(254).pipe(z.email()),
  role: z.enum(teamRoles),
  expiresInHours: z.number().int().min(1).max(maxExpiryHours).default(defaultExpiryHours),
});

const hourMs = 3600_000;

/**
 * Team admins invite people by email. The response carries the one-time token (only its SHA-256 is stored);
 * the portal sends no mail, so the admin passes the link on. The link routes themselves are in link-routes.ts.
 */
export function invitationRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.post('/teams/:teamId/invitations', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'admin');
    const { email, role, expiresInHours } = await readJson(c, createInvitationSchema);
    if (role === 'owner') requireOwnerFor(actor, team.id, 'invite an owner');
    const now = Date.now();
    const expiresAt = now + expiresInHours * hourMs;
    const { token, tokenHash } = newInvitationToken();
    const id = newId('invitation');
    const row = await ctx.commitChange(
      actor.id,
      { action: 'team.invitation_create', targetType: 'invitation', targetId: id, teamId: team.id, summary: { email, role }, after: { email, role, expiresAt }, affectsGateway: false },
      async (tx) => {
        // Both checks inside the transaction, so two admins inviting the same address at once make one invitation.
        const member = await first(
          tx
            .select({ role: teamMembers.role })
            .from(teamMembers)
            .innerJoin(users, eq(users.id, teamMembers.userId))
            .where(and(eq(teamMembers.teamId, team.id), eq(users.email, email))),
        );
        if (member) throw conflict(`${email} is already a member of this team (role ${member.role}).`);
        const open = await first(
          tx
            .select({ id: invitations.id })
            .from(invitations)
            .where(and(eq(invitations.teamId, team.id), eq(invitations.email, email), isOpen(now)))
            .limit(1),
        );
        if (open) throw conflict(`An open invitation for ${email} exists (${open.id}); revoke it first to send a new one.`);
        return (await tx.insert(invitations).values({ id, teamId: team.id, email, role, tokenHash, invitedBy: actor.id, expiresAt }).returning())[0]!;
      },
    );
    return c.json({ invitation: invitationView(row, now), token, acceptPath: acceptPath(token) }, 201);
  });

  app.get('/teams/:teamId/invitations', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'admin');
    const rows = await ctx.db.select().from(invitations).where(eq(invitations.teamId, team.id)).orderBy(desc(invitations.createdAt));
    const now = Date.now();
    return c.json({ invitations: rows.map((row) => invitationView(row, now)) });
  });

  app.delete('/teams/:teamId/invitations/:invitationId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'admin');
    await readNoBody(c);
    const invitationId = c.req.param('invitationId');
    // Scoped to the team in the path: another team's invitation id is as unknown here as a made-up one.
    const row = isId('invitation', invitationId)
      ? await first(ctx.db.select().from(invitations).where(and(eq(invitations.id, invitationId), eq(invitations.teamId, team.id))))
      : undefined;
    if (!row) throw notFound('Invitation');
    const now = Date.now();
    const state = invitationState(row, now);
    if (state !== 'open') throw conflict(`The invitation is ${state}; only an open invitation can be revoked.`);
    await ctx.commitChange(
      actor.id,
      { action: 'team.invitation_revoke', targetType: 'invitation', targetId: row.id, teamId: team.id, summary: { email: row.email, role: row.role }, before: { revokedAt: null }, after: { revokedAt: now }, affectsGateway: false },
      async (tx) => {
        // Conditional, so a revoke racing an accept cannot mark an already used invitation revoked as well.
        const changes = changedRows(await tx.update(invitations).set({ revokedAt: now }).where(and(eq(invitations.id, row.id), isOpen(now))));
        if (changes === 0) throw conflict('The invitation was accepted or revoked meanwhile.');
      },
    );
    return c.body(null, 204);
  });

  app.route('/', invitationLinkRoutes(ctx));
  return app;
}
