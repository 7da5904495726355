import { MemoryLimiter } from '@tollgate/limiter';
import { afterEach, describe, expect, it } from 'vitest';
import {
  accountFailuresUnderAttack,
  admitSignIn,
  failuresPerAccountAndAddress,
  failuresPerAccountAndAddressUnderAttack,
  failuresPerAddress,
  type SignInAdmission,
} from './login-throttle';

// The real limiter the portal uses, on a fixed clock: these are the rules without HTTP or scrypt around them.
const limiters: MemoryLimiter[] = [];
afterEach(() => limiters.splice(0).forEach((l) => l.close()));
const newLimiter = () => {
  const limiter = new MemoryLimiter();
  limiters.push(limiter);
  return limiter;
};
const now = 1_000 * 15 * 60_000;
const admin = 'admin@localhost';

/** `n` attempts that all fail (none calls `succeeded`); the admissions in order. */
async function fail(limiter: MemoryLimiter, email: string, address: string, n: number): Promise<SignInAdmission[]> {
  const out: SignInAdmission[] = [];
  for (let i = 0; i < n; i++) out.push(await admitSignIn(limiter, email, address, now));
  return out;
}
const admittedCount = (xs: SignInAdmission[]) => xs.filter((x) => x.admitted).length;

describe('admitSignIn', () => {
  it('counts failures per account and address: other addresses and other accounts are untouched', async () => {
    const limiter = newLimiter();
    const guesses = await fail(limiter, admin, '10.0.0.9', failuresPerAccountAndAddress + 1);
    expect(admittedCount(guesses)).toBe(failuresPerAccountAndAddress);
    expect(guesses.at(-1)).toMatchObject({ admitted: false, refusal: { limit: 'failures per account and address', firstInWindow: true } });
    expect((await admitSignIn(limiter, admin, '10.0.0.1', now)).admitted).toBe(true);
    expect((await admitSignIn(limiter, 'someone@example.test', '10.0.0.9', now)).admitted).toBe(true);
  });

  it('gives a successful attempt back, so the right password never uses the budget up', async () => {
    const limiter = newLimiter();
    for (let i = 0; i < failuresPerAddress * 2; i++) {
      const attempt = await admitSignIn(limiter, admin, '10.0.0.1', now);
      expect(attempt.admitted, `attempt ${i + 1}`).toBe(true);
      if (attempt.admitted) attempt.succeeded();
    }
    expect(admittedCount(await fail(limiter, admin, '10.0.0.1', failuresPerAccountAndAddress + 1))).toBe(failuresPerAccountAndAddress);
  });

  it('counts attempts in flight as failures, so a burst cannot slip past before any has failed', async () => {
    const limiter = newLimiter();
    const burst = await Promise.all(Array.from({ length: 50 }, () => admitSignIn(limiter, admin, '10.0.0.9', now)));
    expect(admittedCount(burst)).toBe(failuresPerAccountAndAddress);
  });

  it(`refuses an address after ${failuresPerAddress} failures over any accounts, and no other address`, async () => {
    const limiter = newLimiter();
    for (let i = 0; i < failuresPerAddress; i++) expect((await admitSignIn(limiter, `nobody${i}@example.test`, '10.0.0.9', now)).admitted).toBe(true);
    expect(await admitSignIn(limiter, admin, '10.0.0.9', now)).toMatchObject({ admitted: false, refusal: { limit: 'failures per address' } });
    expect((await admitSignIn(limiter, admin, '10.0.0.1', now)).admitted).toBe(true);
  });

  it('slows an attacker with many addresses once the account is under attack, and still never refuses a clean address', async () => {
    const limiter = newLimiter();
    const botnet = Array.from({ length: accountFailuresUnderAttack / failuresPerAccountAndAddress }, (_, i) => `10.1.0.${i}`);
    for (const address of botnet) expect(admittedCount(await fail(limiter, admin, address, failuresPerAccountAndAddress))).toBe(failuresPerAccountAndAddress);
    // A fresh bot now gets the tighter allowance, not the full one.
    const fresh = await fail(limiter, admin, '10.2.0.1', failuresPerAccountAndAddress);
    expect(admittedCount(fresh)).toBe(failuresPerAccountAndAddressUnderAttack);
    // The admin's own address has no failures: let through, as many times as the admin signs in.
    for (let i = 0; i < 5; i++) {
      const attempt = await admitSignIn(limiter, admin, '192.168.7.7', now);
      expect(attempt.admitted).toBe(true);
      if (attempt.admitted) attempt.succeeded();
    }
    // Another account is not under attack.
    expect(admittedCount(await fail(limiter, 'other@example.test', '10.2.0.1', failuresPerAccountAndAddress))).toBe(failuresPerAccountAndAddress);
  });

  it('says a refusal is the first of its window once, so a flood of refused guesses is audited once', async () => {
    const limiter = newLimiter();
    await fail(limiter, admin, '10.0.0.9', failuresPerAccountAndAddress);
    const refusals = await fail(limiter, admin, '10.0.0.9', 20);
    expect(refusals.map((r) => !r.admitted && r.refusal.firstInWindow)).toEqual([true, ...Array(19).fill(false)]);
    const retry = refusals[0]!.admitted ? 0 : refusals[0]!.refusal.retryAfterSeconds;
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(30 * 60);
    // A different counter refusing (the address's) is its own first.
    for (let i = 0; i < failuresPerAddress; i++) await admitSignIn(limiter, `nobody${i}@example.test`, '10.0.0.8', now);
    expect(await admitSignIn(limiter, admin, '10.0.0.8', now)).toMatchObject({ admitted: false, refusal: { limit: 'failures per address', firstInWindow: true } });
  });
});
