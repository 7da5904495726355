import { Hono } from 'hono';
import { asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { first, teamMembers, teams, users } from '@tollgate/db';
import { newId, type TeamId, type TeamRole } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import type { Actor } from '../auth/sessions';
import { readableTeams, requirePlatformAdmin, requireSignedIn, requireTeamRole } from '../access/policy';
import { loadTeam, type TeamRow } from '../access/load';
import { badRequest, conflict } from '../http/errors';
import { idSchema } from '../http/ids';
import { withUniqueAsConflict } from '../http/unique';
import { nameSchema, readJson, slugSchema } from '../http/validate';
import { fieldsOf } from '../changes/commit-change';
import { monthlyBudgetSchema } from '../plans/limits-schema';
import { memberRoutes } from './members';

const updateTeamSchema = z
  .strictObject({ name: nameSchema, costBudgetMicroUsdPerMonth: monthlyBudgetSchema })
  .partial()
  .refine((o) => Object.keys(o).length > 0, 'send at least one field to change');

export const createTeamSchema = z.strictObject({
  name: nameSchema,
  slug: slugSchema,
  ownerUserId: idSchema('user').optional(),
});

/** A team as its members see it; `role` is the caller's own role in it (null for a platform admin outside it). */
export const teamView = (team: TeamRow, role: TeamRole | null) => ({
  id: team.id,
  name: team.name,
  slug: team.slug,
  costBudgetMicroUsdPerMonth: team.costBudgetMicroUsdPerMonth,
  createdAt: team.createdAt,
  role,
});

const myRole = (actor: Actor, teamId: TeamId) => actor.teams.get(teamId) ?? null;

export function teamRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.post('/teams', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    requirePlatformAdmin(actor);
    const input = await readJson(c, createTeamSchema);
    const ownerId = input.ownerUserId ?? actor.id;
    if (!(await first(ctx.db.select({ id: users.id }).from(users).where(eq(users.id, ownerId))))) {
      throw badRequest('ownerUserId: no such user');
    }
    if (await first(ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.slug, input.slug)))) {
      throw conflict(`The team slug ${input.slug} is taken.`);
    }
    const id = newId('team');
    const team = await withUniqueAsConflict(
      () =>
        ctx.commitChange(
          actor.id,
          { action: 'team.create', targetType: 'team', targetId: id, teamId: id, summary: { name: input.name, slug: input.slug, ownerUserId: ownerId }, after: { name: input.name, slug: input.slug, ownerUserId: ownerId }, affectsGateway: false },
          async (tx) => {
            const row = (await tx.insert(teams).values({ id, name: input.name, slug: input.slug }).returning())[0]!;
            await tx.insert(teamMembers).values({ teamId: id, userId: ownerId, role: 'owner' });
            return row;
          },
        ),
      `The team slug ${input.slug} is taken.`,
    );
    return c.json({ team: teamView(team, ownerId === actor.id ? 'owner' : myRole(actor, id)) }, 201);
  });

  app.get('/teams', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const readable = readableTeams(actor);
    const query = ctx.db.select().from(teams).orderBy(asc(teams.name));
    const rows = readable === null ? await query : readable.length ? await query.where(inArray(teams.id, readable)) : [];
    return c.json({ teams: rows.map((t) => teamView(t, myRole(actor, t.id))) });
  });

  app.get('/teams/:teamId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'member');
    return c.json({ team: teamView(team, myRole(actor, team.id)) });
  });

  /** Team admins rename the team and set its monthly spend cap across all its apps (enforced by the gateway). */
  app.patch('/teams/:teamId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'admin');
    const changes = await readJson(c, updateTeamSchema);
    const current = await loadTeam(ctx.db, team.id);
    const row = await ctx.commitChange(
      actor.id,
      // The budget reaches the gateway's snapshot; a rename alone does not, but one revision bump costs little.
      { action: 'team.update', targetType: 'team', targetId: team.id, teamId: team.id, summary: changes, before: fieldsOf(current, Object.keys(changes)), after: changes },
      async (tx) => (await tx.update(teams).set(changes).where(eq(teams.id, team.id)).returning())[0]!,
    );
    return c.json({ team: teamView(row, myRole(actor, team.id)) });
  });

  app.route('/', memberRoutes(ctx));
  return app;
}
