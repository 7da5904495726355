import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { first, users } from '@tollgate/db';
import type { UserId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { ApiError } from '../http/errors';
import { readJson, readNoBody } from '../http/validate';
import { requireSignedIn } from '../access/policy';
import { chosenPasswordSchema, hashPassword, verifyPassword } from './passwords';
import { admitSignIn, clientAddress, tooManyAttempts } from './login-throttle';
import { recordFailedSignIn } from './sign-in-audit';
import { createSession, deleteOtherSessions, deleteSession, sessionCookieName, type Actor } from './sessions';

// No email format check: the installer's first admin is admin@localhost, which strict validators reject, and
// an unknown address is a 401 anyway.
const loginSchema = z.strictObject({ email: z.string().trim().toLowerCase().min(1).max(254), password: z.string().min(1).max(200) });

export const changePasswordSchema = z.strictObject({ currentPassword: z.string().min(1).max(200), newPassword: chosenPasswordSchema });

// A fixed hash to verify against when the email is unknown, so the answer takes as long either way.
const decoyHash = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

const loopbackHosts = ['localhost', '127.0.0.1', '[::1]'];

/**
 * With `auto`, the cookie is Secure whenever the browser will keep it: over HTTPS, on loopback (which browsers
 * treat as secure), or behind a TLS-terminating proxy that says `x-forwarded-proto: https`. Believing that
 * header without a trusted-proxy list is safe: a forged one only makes the sender's own cookie stricter.
 */
function secureCookie(setting: 'auto' | boolean, request: Request): boolean {
  if (setting !== 'auto') return setting;
  const url = new URL(request.url);
  const forwarded = (request.headers.get('x-forwarded-proto') ?? '').split(',').map((p) => p.trim().toLowerCase());
  return url.protocol === 'https:' || loopbackHosts.includes(url.hostname) || forwarded.includes('https');
}

/** Signs `userId` in on this response: a new session and its cookie. Accepting an invitation as a new user does the same. */
export async function startSession(c: Context<PortalEnv>, ctx: PortalContext, userId: UserId): Promise<void> {
  const session = await createSession(ctx.db, userId, ctx.settings.sessionTtlMs);
  setCookie(c, sessionCookieName, session.token, {
    httpOnly: true,
    secure: secureCookie(ctx.settings.cookieSecure, c.req.raw),
    sameSite: 'Strict',
    path: '/',
    expires: new Date(session.expiresAt),
  });
}

/** Who is signed in, and their role in each of their teams. */
export const meView = (actor: Actor) => ({
  user: { id: actor.id, email: actor.email, name: actor.name, role: actor.role },
  teams: [...actor.teams].map(([teamId, role]) => ({ teamId, role })),
});

export function authRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.post('/login', async (c) => {
    const { email, password } = await readJson(c, loginSchema);
    const address = clientAddress(c);
    const findUser = () => first(ctx.db.select().from(users).where(eq(users.email, email)));
    const attempt = await admitSignIn(ctx.loginLimiter, email, address);
    if (!attempt.admitted) {
      const { refusal } = attempt;
      if (refusal.firstInWindow) await recordFailedSignIn(ctx, { email, address, userId: (await findUser())?.id, reason: 'throttled', limit: refusal.limit });
      throw tooManyAttempts(c, refusal);
    }
    const user = await findUser();
    const ok = await verifyPassword(password, user?.passwordHash ?? decoyHash);
    if (!user || !ok) {
      await recordFailedSignIn(ctx, { email, address, userId: user?.id, reason: user ? 'wrong_password' : 'unknown_account' });
      throw new ApiError(401, 'invalid_credentials', 'The email or password is wrong.');
    }
    attempt.succeeded();
    await startSession(c, ctx, user.id);
    return c.json({ user: { id: user.id, email: user.email, name: user.name, role: user.role } });
  });

  app.post('/logout', async (c) => {
    await readNoBody(c);
    const token = getCookie(c, sessionCookieName);
    if (token) await deleteSession(ctx.db, token);
    deleteCookie(c, sessionCookieName, { path: '/' });
    return c.body(null, 204);
  });

  /**
   * A person changes their own password. The current one is checked (a session left open on a shared machine
   * must not be enough) and a wrong one counts as a failed sign-in, so the route is no faster way to guess it. The session
   * making the change stays; every other one ends, so a stolen cookie stops working with the old password.
   */
  app.post('/password', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { currentPassword, newPassword } = await readJson(c, changePasswordSchema);
    const attempt = await admitSignIn(ctx.loginLimiter, actor.email, clientAddress(c));
    if (!attempt.admitted) throw tooManyAttempts(c, attempt.refusal);
    const user = (await first(ctx.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, actor.id))))!;
    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      throw new ApiError(400, 'wrong_password', 'currentPassword: this is not your current password', [{ path: 'currentPassword', message: 'this is not your current password' }]);
    }
    attempt.succeeded();
    if (newPassword === currentPassword) {
      throw new ApiError(400, 'invalid_request', 'newPassword: choose a password other than the current one', [{ path: 'newPassword', message: 'choose a password other than the current one' }]);
    }
    const passwordHash = await hashPassword(newPassword);
    const token = getCookie(c, sessionCookieName)!;
    // The audit event says that the password changed and how many sessions ended; never the password.
    const ended = await ctx.commitChange(
      actor.id,
      { action: 'user.password_change', targetType: 'user', targetId: actor.id, summary: { email: actor.email }, affectsGateway: false },
      async (tx) => {
        await tx.update(users).set({ passwordHash }).where(eq(users.id, actor.id));
        return deleteOtherSessions(tx, actor.id, token);
      },
    );
    return c.json({ changed: true, otherSessionsEnded: ended });
  });

  app.get('/me', (c) => c.json(meView(requireSignedIn(c.get('actor')))));

  return app;
}
