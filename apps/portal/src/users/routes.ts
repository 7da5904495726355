import { Hono } from 'hono';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { first, users } from '@tollgate/db';
import { newId, platformRoles } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { requirePlatformAdmin, requireSignedIn } from '../access/policy';
import { chosenPasswordSchema, generatePassword, hashPassword } from '../auth/passwords';
import { conflict } from '../http/errors';
import { withUniqueAsConflict } from '../http/unique';
import { nameSchema, readJson } from '../http/validate';

export const createUserSchema = z.strictObject({
  email: z.string().trim().toLowerCase().max(254).pipe(z.email()),
  name: nameSchema,
  role: z.enum(platformRoles).default('user'),
  password: chosenPasswordSchema.optional(),
});

type UserRow = typeof users.$inferSelect;

/** The public face of a user: never the password hash. */
export const userView = (u: Pick<UserRow, 'id' | 'email' | 'name' | 'role' | 'createdAt'>) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  createdAt: u.createdAt,
});

export function userRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.post('/users', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    requirePlatformAdmin(actor);
    const input = await readJson(c, createUserSchema);
    if (await first(ctx.db.select({ id: users.id }).from(users).where(eq(users.email, input.email)))) {
      throw conflict('A user with this email exists.');
    }
    // The initial password is shown in this response only; the person changes it after signing in.
    const password = input.password ?? generatePassword();
    const passwordHash = await hashPassword(password);
    const id = newId('user');
    const user = await withUniqueAsConflict(
      () =>
        ctx.commitChange(
          actor.id,
          { action: 'user.create', targetType: 'user', targetId: id, summary: { email: input.email, role: input.role }, after: { email: input.email, name: input.name, role: input.role }, affectsGateway: false },
          async (tx) => (await tx.insert(users).values({ id, email: input.email, name: input.name, role: input.role, passwordHash }).returning())[0]!,
        ),
      'A user with this email exists.',
    );
    return c.json({ user: userView(user), password }, 201);
  });

  app.get('/users', async (c) => {
    requirePlatformAdmin(requireSignedIn(c.get('actor')));
    const rows = await ctx.db.select().from(users).orderBy(asc(users.email));
    return c.json({ users: rows.map(userView) });
  });

  return app;
}
