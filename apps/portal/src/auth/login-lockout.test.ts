import { once } from 'node:events';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturePerTest, type PortalFixture } from '../testing/portal-fixture';
import { failuresPerAccountAndAddress } from './login-throttle';

const fixture = fixturePerTest(afterEach);
const servers: ServerType[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** The portal on a real socket, so each client is known by its own address (`app.request()` has none). */
async function listen(f: PortalFixture): Promise<number> {
  const server = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
  servers.push(server);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

interface Answer {
  status: number;
  body: any;
}

/** A sign-in sent from `from` (any 127/8 address is loopback on Linux, so each one is a distinct client). */
function signIn(port: number, from: string, email: string, password: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, localAddress: from, method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ email, password }));
  });
}

const failedSignIns = async (f: PortalFixture) =>
  (await f.api('GET', '/api/audit-events?action=auth.sign_in_failed&limit=200', { cookie: f.admin.cookie, expect: 200 })).body.events as any[];

describe('no one can lock the admin out', () => {
  it('throttles the guessing address, while the admin signs in with the right password from another address', async () => {
    const f = await fixture();
    const port = await listen(f);
    const attacker = '127.0.0.2';
    for (let i = 0; i < failuresPerAccountAndAddress; i++) {
      expect((await signIn(port, attacker, f.admin.email, `guess ${i}`)).status, `guess ${i + 1}`).toBe(401);
    }
    const refused = await signIn(port, attacker, f.admin.email, f.admin.password);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('too_many_attempts');

    const admin = await signIn(port, '127.0.0.1', f.admin.email, f.admin.password);
    expect(admin.status).toBe(200);
    expect(admin.body.user.email).toBe(f.admin.email);
    // The attacker's address is still refused; the admin's success freed nothing for it.
    expect((await signIn(port, attacker, f.admin.email, 'one more')).status).toBe(429);
  });

  it('counts failures, not sign-ins: the right password again and again from one address always works', async () => {
    const f = await fixture();
    const port = await listen(f);
    const user = await f.createUser();
    for (let i = 0; i < failuresPerAccountAndAddress * 2; i++) {
      expect((await signIn(port, '127.0.0.3', user.email, user.password)).status, `sign-in ${i + 1}`).toBe(200);
    }
  });

  it('records each failed sign-in in the audit log, and a throttled address once per window', async () => {
    const f = await fixture();
    const port = await listen(f);
    const attacker = '127.0.0.4';
    for (let i = 0; i < failuresPerAccountAndAddress; i++) await signIn(port, attacker, f.admin.email, `guess ${i}`);
    expect((await signIn(port, attacker, 'nobody@example.test', 'guess')).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await signIn(port, attacker, f.admin.email, 'guess')).status).toBe(429);

    const events = await failedSignIns(f);
    const reasons = events.map((e) => e.summary.reason);
    expect(reasons.filter((r) => r === 'wrong_password')).toHaveLength(failuresPerAccountAndAddress);
    expect(reasons.filter((r) => r === 'unknown_account')).toHaveLength(1);
    // Five refusals, one event: a flood of refused guesses cannot flood the table.
    expect(reasons.filter((r) => r === 'throttled')).toHaveLength(1);
    for (const e of events) {
      expect(e.actorUserId).toBeNull();
      expect(e.summary.address).toMatch(/127\.0\.0\.4$/);
      expect(JSON.stringify(e)).not.toContain('guess');
    }
    const wrong = events.find((e) => e.summary.reason === 'wrong_password')!;
    expect(wrong).toMatchObject({ targetType: 'user', targetId: f.admin.id, teamId: null, summary: { email: f.admin.email } });
    const unknown = events.find((e) => e.summary.reason === 'unknown_account')!;
    expect(unknown).toMatchObject({ targetType: 'email', targetId: 'nobody@example.test', summary: { email: 'nobody@example.test' } });
    const throttled = events.find((e) => e.summary.reason === 'throttled')!;
    expect(throttled).toMatchObject({ targetType: 'user', targetId: f.admin.id, summary: { email: f.admin.email, limit: 'failures per account and address' } });

    // A successful sign-in is not an event.
    await signIn(port, '127.0.0.1', f.admin.email, f.admin.password);
    expect(await failedSignIns(f)).toHaveLength(events.length);
  });

  it('answers an unknown account and a wrong password alike, so the throttle leaks nothing about who exists', async () => {
    const f = await fixture();
    const port = await listen(f);
    const answers: Answer[] = [];
    for (const email of [f.admin.email, 'nobody@example.test']) {
      for (let i = 0; i <= failuresPerAccountAndAddress; i++) answers.push(await signIn(port, '127.0.0.5', email, 'guess'));
    }
    const shape = (a: Answer) => ({ status: a.status, code: a.body.error.code, message: a.body.error.message.replace(/\d+ seconds/, 'N seconds') });
    const [known, unknown] = [answers.slice(0, failuresPerAccountAndAddress + 1).map(shape), answers.slice(failuresPerAccountAndAddress + 1).map(shape)];
    expect(unknown).toEqual(known);
    expect(known.at(-1)!.status).toBe(429);
  });
});
