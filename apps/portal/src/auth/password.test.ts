import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents } from '@tollgate/db';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

const newPassword = 'a brand new long password';

describe('POST /api/auth/password', () => {
  let f: PortalFixture;
  let person: TestUser;
  let bystander: TestUser;
  const change = (cookie: string | undefined, body: unknown) => f.api('POST', '/api/auth/password', { cookie, body });
  const signedIn = async (cookie: string) => (await f.api('GET', '/api/auth/me', { cookie })).status === 200;

  beforeAll(async () => {
    f = await createPortalFixture();
    [person, bystander] = await Promise.all([f.createUser(), f.createUser()]);
  });
  afterAll(() => f.close());

  it('refuses a wrong current password, naming the field, and changes nothing', async () => {
    const res = await change(person.cookie, { currentPassword: 'not my password', newPassword });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'wrong_password', fields: [{ path: 'currentPassword', message: expect.stringMatching(/not your current password/) }] });
    expect(await f.login(person.email, person.password)).toMatch(/^tg_session=/);
  });

  it('refuses a new password shorter than 12 characters, naming newPassword', async () => {
    const res = await change(person.cookie, { currentPassword: person.password, newPassword: 'short' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^newPassword:/);
    expect(res.body.error.fields).toEqual([expect.objectContaining({ path: 'newPassword' })]);
    const same = await change(person.cookie, { currentPassword: person.password, newPassword: person.password });
    expect(same.status).toBe(400);
    expect(same.body.error.fields).toEqual([expect.objectContaining({ path: 'newPassword' })]);
    expect((await change(person.cookie, { currentPassword: person.password, newPassword, extra: 1 })).status).toBe(400);
  });

  it('needs a session', async () => {
    expect((await change(undefined, { currentPassword: person.password, newPassword })).status).toBe(401);
  });

  it('changes the password, keeps this session, ends the others, and audits without the password', async () => {
    const otherSession = await f.login(person.email, person.password);
    const bystanderSession = await f.login(bystander.email, bystander.password);
    const res = await change(person.cookie, { currentPassword: person.password, newPassword });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ changed: true, otherSessionsEnded: expect.any(Number) });
    expect(res.body.otherSessionsEnded).toBeGreaterThanOrEqual(1);
    expect(await signedIn(person.cookie)).toBe(true);
    expect(await signedIn(otherSession)).toBe(false);
    // Someone else's sessions are untouched.
    expect(await signedIn(bystanderSession)).toBe(true);
    const old = await f.app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: person.email, password: person.password }) });
    expect(old.status).toBe(401);
    expect(await f.login(person.email, newPassword)).toMatch(/^tg_session=/);
    const events = await f.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'user.password_change'), eq(auditEvents.targetId, person.id)));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorUserId: person.id, targetType: 'user' });
    expect(JSON.stringify(events)).not.toContain(newPassword);
    expect(JSON.stringify(events)).not.toContain(person.password);
  });
});
