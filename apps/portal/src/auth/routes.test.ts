import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiErrorBody } from '../http/errors';
import { fixturePerTest, type PortalFixture } from '../testing/portal-fixture';
import { failuresPerAccountAndAddress, failuresPerAddress } from './login-throttle';

// Counts scrypt runs (the real one still runs), so a test can tell that a refused guess cost none.
const scryptCalls = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const scrypt = (...args: Parameters<typeof crypto.scrypt>) => {
    scryptCalls.count++;
    return crypto.scrypt(...args);
  };
  return { ...crypto, default: { ...crypto, scrypt }, scrypt };
});

const fixture = fixturePerTest(afterEach);
afterEach(() => {
  vi.useRealTimers();
});

const login = (f: PortalFixture, email: string, password: string, url = '/api/auth/login', headers: Record<string, string> = {}) =>
  f.app.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email, password }),
  });

describe('sign-in throttling', () => {
  it(`refuses the ${failuresPerAccountAndAddress + 1}th failed attempt for one email from one client, even with the right password; other emails carry on`, async () => {
    const f = await fixture();
    const [victim, bystander] = [await f.createUser(), await f.createUser()];
    // Successes do not count: createUser's sign-in and these ones leave all ten failures to use.
    for (let i = 0; i < 3; i++) expect((await login(f, victim.email, victim.password)).status).toBe(200);
    for (let i = 0; i < failuresPerAccountAndAddress; i++) {
      expect((await login(f, victim.email, 'wrong password')).status, `failure ${i + 1}`).toBe(401);
    }
    const refused = await login(f, victim.email.toUpperCase(), victim.password);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('set-cookie')).toBeNull();
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30 * 60);
    const body = (await refused.json()) as ApiErrorBody;
    expect(body.error).toEqual({
      code: 'too_many_attempts',
      message: `Too many failed sign-ins for this email address from your network address; try again in ${retryAfter} seconds.`,
      requestId: refused.headers.get('x-request-id'),
    });

    expect((await login(f, bystander.email, bystander.password)).status).toBe(200);
  });

  it('lets the email in again once Retry-After has passed', async () => {
    const f = await fixture();
    const user = await f.createUser();
    vi.useFakeTimers({ toFake: ['Date'] });
    for (let i = 0; i < failuresPerAccountAndAddress; i++) await login(f, user.email, 'wrong password');
    const refused = await login(f, user.email, user.password);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    vi.setSystemTime(Date.now() + (retryAfter - 1) * 1000 - 1);
    expect((await login(f, user.email, user.password)).status).toBe(429);
    vi.setSystemTime(Date.now() + 1001);
    expect((await login(f, user.email, user.password)).status).toBe(200);
  });

  it(`refuses a client address after ${failuresPerAddress} failures over any emails`, async () => {
    const f = await fixture();
    const user = await f.createUser();
    const guesses = Array.from({ length: failuresPerAddress }, (_, i) => login(f, `nobody${i}@example.test`, 'guess'));
    expect((await Promise.all(guesses)).map((r) => r.status)).toEqual(guesses.map(() => 401));
    const refused = await login(f, user.email, user.password);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as ApiErrorBody).error.message).toMatch(/^Too many failed sign-ins from your network address; try again in \d+ seconds\.$/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('spends no scrypt on a refused guess', async () => {
    const f = await fixture();
    for (let i = 0; i < failuresPerAccountAndAddress; i++) await login(f, f.admin.email, 'wrong password');
    const before = scryptCalls.count;
    // The counter sees the real checks: the fixture's sign-ins and the ten failures each ran scrypt.
    expect(before).toBeGreaterThan(failuresPerAccountAndAddress);
    const refused = await Promise.all(Array.from({ length: 20 }, () => login(f, f.admin.email, 'wrong password')));
    expect(refused.map((r) => r.status)).toEqual(refused.map(() => 429));
    expect(scryptCalls.count).toBe(before);
  });

  it('counts a real client by its socket address', async () => {
    const f = await fixture();
    const user = await f.createUser();
    const guesses = Array.from({ length: failuresPerAddress }, (_, i) => login(f, `nobody${i}@example.test`, 'guess'));
    await Promise.all(guesses);
    expect((await login(f, user.email, user.password)).status).toBe(429);

    // The socketless client is used up; one on a real socket is another address and still gets in.
    const server: ServerType = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
    try {
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: f.admin.email, password: f.admin.password }),
      });
      expect(res.status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('session cookie Secure flag', () => {
  const secureFlag = async (f: PortalFixture, url: string, headers: Record<string, string> = {}) => {
    const user = await f.createUser();
    const res = await login(f, user.email, user.password, url, headers);
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^tg_session=[^;]+;.*HttpOnly/);
    return /;\s*Secure(;|$)/i.test(cookie);
  };

  it('with auto: Secure over https, on loopback, and behind a proxy that says https; not over plain http', async () => {
    const f = await fixture({ settings: { cookieSecure: 'auto' } });
    const external = 'http://portal.example.test/api/auth/login';
    expect(await secureFlag(f, external)).toBe(false);
    expect(await secureFlag(f, 'https://portal.example.test/api/auth/login')).toBe(true);
    for (const host of ['localhost', '127.0.0.1', '[::1]', 'localhost:8080']) {
      expect(await secureFlag(f, `http://${host}/api/auth/login`), host).toBe(true);
    }
    expect(await secureFlag(f, external, { 'x-forwarded-proto': 'https' })).toBe(true);
    expect(await secureFlag(f, external, { 'x-forwarded-proto': 'HTTPS' })).toBe(true);
    expect(await secureFlag(f, external, { 'x-forwarded-proto': 'https, http' })).toBe(true);
    expect(await secureFlag(f, external, { 'x-forwarded-proto': 'http' })).toBe(false);
  });

  it('true and false override auto detection', async () => {
    const always = await fixture({ settings: { cookieSecure: true } });
    expect(await secureFlag(always, 'http://portal.example.test/api/auth/login')).toBe(true);
    const never = await fixture({ settings: { cookieSecure: false } });
    expect(await secureFlag(never, 'https://portal.example.test/api/auth/login')).toBe(false);
    expect(await secureFlag(never, 'http://portal.example.test/api/auth/login', { 'x-forwarded-proto': 'https' })).toBe(false);
  });
});
