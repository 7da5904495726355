import type { Context } from 'hono';
import type { LimitRule, Limiter } from '@tollgate/limiter';
import type { PortalEnv } from '../context';
import { ApiError } from '../http/errors';

const windowMs = 15 * 60_000;
/**
 * Failed passwords for one account from one address: slows guessing to a crawl while a person mistyping a few
 * times is fine. Per address, not per account alone: otherwise anyone could lock the admin out by failing on
 * purpose, and the admin's email is well known.
 */
export const failuresPerAccountAndAddress = 10;
/** Failed passwords from one address over all accounts: stops spraying guesses; high enough for an office behind one NAT. */
export const failuresPerAddress = 100;
/**
 * Failures on one account from all addresses together at which it counts as under attack: each address then
 * gets fewer failures at it, which slows an attacker with many addresses without locking anyone out (a clean
 * address is never refused, and a person may still mistype twice).
 */
export const accountFailuresUnderAttack = 100;
export const failuresPerAccountAndAddressUnderAttack = 3;

const policies = {
  pair: 'failures per account and address',
  address: 'failures per address',
  account: 'failures per account',
} as const;

const refusals: Record<string, string> = {
  [policies.pair]: 'Too many failed sign-ins for this email address from your network address',
  [policies.address]: 'Too many failed sign-ins from your network address',
};

/**
 * The socket peer. `x-forwarded-for` is not believed: the portal has no trusted-proxy list, and a header the
 * client writes itself would let it pick a fresh address per guess. Tests through `app.request()` have no
 * socket and all count as one client.
 */
export const clientAddress = (c: Context<PortalEnv>): string =>
  c.env?.incoming?.socket.remoteAddress ?? 'local';

export interface SignInRefusal {
  /** The limit that refused, as `policies` names it (for the audit event). */
  limit: string;
  retryAfterSeconds: number;
  /** The first refusal by this limit's counter in a window: audit this one, not each of a flood after it. */
  firstInWindow: boolean;
}

export type SignInAdmission = { admitted: true; succeeded(): void } | { admitted: false; refusal: SignInRefusal };

/**
 * Checks one attempt against the limits before the password is checked, so a refused guess costs no scrypt.
 * An admitted attempt is counted as a failure at once (so a burst of concurrent guesses cannot all slip in
 * before any is known to fail) and given back with `succeeded()`: only failures count, so the right password
 * from an address that has not failed for the account always gets in, whatever others did.
 */
export async function admitSignIn(limiter: Limiter, email: string, address: string, now = Date.now()): Promise<SignInAdmission> {
  const account: LimitRule = { key: `login:account:${email}`, limit: accountFailuresUnderAttack, windowMs, policy: policies.account };
  // Cost 0 counts nothing: a look at the account's failures, to pick how many this address may have.
  const look = await limiter.hit([{ ...account, cost: 0 }], now);
  const underAttack = look.states[0]!.remaining === 0;
  const rules: LimitRule[] = [
    {
      // JSON, so no email can be written to collide with another address's pair (IPv6 addresses hold colons).
      key: `login:pair:${JSON.stringify([address, email])}`,
      limit: underAttack ? failuresPerAccountAndAddressUnderAttack : failuresPerAccountAndAddress,
      windowMs,
      policy: policies.pair,
    },
    { key: `login:address:${address}`, limit: failuresPerAddress, windowMs, policy: policies.address },
    // Only counted, never refusing: a ceiling per account would be the lockout this design exists to prevent.
    { ...account, limit: Number.MAX_SAFE_INTEGER },
  ];
  const decision = await limiter.hit(rules, now);
  if (decision.allowed) {
    const given = Object.fromEntries(rules.map((r) => [r.key, 0]));
    return { admitted: true, succeeded: () => limiter.settle(decision.reservation!, given) };
  }
  const refusedBy = decision.refusedBy ?? rules[0]!;
  const audit: LimitRule = { key: `login:refusal-audited:${refusedBy.key}`, limit: 1, windowMs, policy: 'refusal audit' };
  const firstInWindow = (await limiter.hit([audit], now)).allowed;
  return {
    admitted: false,
    refusal: { limit: refusedBy.policy, retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)), firstInWindow },
  };
}

/** The 429 for a refused attempt, with `Retry-After`; the same whether or not the account exists. */
export function tooManyAttempts(c: Context<PortalEnv>, refusal: SignInRefusal): ApiError {
  const seconds = refusal.retryAfterSeconds;
  c.header('retry-after', String(seconds));
  return new ApiError(429, 'too_many_attempts', `${refusals[refusal.limit] ?? 'Too many failed sign-ins'}; try again in ${seconds} seconds.`);
}
