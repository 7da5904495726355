import type { Context } from 'hono';
import type { LimitRule, Limiter } from '@tollgate/limiter';
import type { PortalEnv } from '../context';
import { ApiError } from '../http/errors';

const windowMs = 15 * 60_000;
/** Slows password guessing against one account to a crawl, while a person mistyping a few times is fine. */
export const attemptsPerEmail = 10;
/** Stops one client from spraying guesses over many accounts; high enough for an office behind one NAT. */
export const attemptsPerAddress = 100;

const refusals: Record<string, string> = {
  'login per email': 'Too many sign-in attempts for this email address',
  'login per address': 'Too many sign-in attempts from your network address',
};

/**
 * The socket peer. `x-forwarded-for` is not believed: the portal has no trusted-proxy list, and a header the
 * client writes itself would let it pick a fresh address per guess. Tests through `app.request()` have no
 * socket and all count as one client.
 */
export const clientAddress = (c: Context<PortalEnv>): string =>
  c.env?.incoming?.socket.remoteAddress ?? 'local';

/**
 * Counts one sign-in attempt, before the password is checked (so a refused guess costs no scrypt either), and
 * throws 429 with `Retry-After` once either limit is reached. Successful sign-ins count too: the limit is on
 * attempts, and the right password is exactly what a guesser is looking for.
 */
export async function throttleLogin(c: Context<PortalEnv>, limiter: Limiter, email: string): Promise<void> {
  const rules: LimitRule[] = [
    { key: `login:email:${email}`, limit: attemptsPerEmail, windowMs, policy: 'login per email' },
    { key: `login:address:${clientAddress(c)}`, limit: attemptsPerAddress, windowMs, policy: 'login per address' },
  ];
  const decision = await limiter.hit(rules);
  if (decision.allowed) return;
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  c.header('retry-after', String(seconds));
  const policy = decision.refusedBy?.policy ?? '';
  throw new ApiError(429, 'too_many_attempts', `${refusals[policy] ?? 'Too many sign-in attempts'}; try again in ${seconds} seconds.`);
}
