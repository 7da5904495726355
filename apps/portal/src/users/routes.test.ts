import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, first, users } from '@tollgate/db';
import { createPortalFixture, type PortalFixture } from '../testing/portal-fixture';

describe('users API', () => {
  let f: PortalFixture;
  beforeAll(async () => {
    f = await createPortalFixture();
  });
  afterAll(() => f.close());

  it('creates a user with a generated password that works once shown', async () => {
    const revision = await f.revision();
    const res = await f.api('POST', '/api/users', { cookie: f.admin.cookie, body: { email: 'Ann@Example.test', name: 'Ann' } });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: 'ann@example.test', name: 'Ann', role: 'user' });
    expect(res.body.user.passwordHash).toBeUndefined();
    expect(res.body.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(await f.login('ann@example.test', res.body.password)).toMatch(/^tg_session=/);

    const event = await first(f.db.select().from(auditEvents).where(eq(auditEvents.targetId, res.body.user.id)));
    expect(event).toMatchObject({ action: 'user.create', actorUserId: f.admin.id, summary: { email: 'ann@example.test', role: 'user' } });
    // Users are not part of the gateway's snapshot.
    expect(await f.revision()).toBe(revision);
  });

  it('accepts a chosen password and a platform role', async () => {
    const res = await f.api('POST', '/api/users', {
      cookie: f.admin.cookie,
      body: { email: 'root2@example.test', name: 'Root Two', role: 'admin', password: 'correct horse battery' },
    });
    expect(res.status).toBe(201);
    expect(res.body.user.role).toBe('admin');
    const cookie = await f.login('root2@example.test', 'correct horse battery');
    expect((await f.api('GET', '/api/users', { cookie })).status).toBe(200);
  });

  it('refuses a duplicate email with 409', async () => {
    await f.api('POST', '/api/users', { cookie: f.admin.cookie, body: { email: 'dup@example.test', name: 'A' }, expect: 201 });
    const res = await f.api('POST', '/api/users', { cookie: f.admin.cookie, body: { email: 'DUP@example.test', name: 'B' } });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'conflict' });
    expect(res.body.error.requestId).toBeTruthy();
  });

  it('names the bad field and refuses non-JSON', async () => {
    const bad = await f.api('POST', '/api/users', { cookie: f.admin.cookie, body: { email: 'not-an-email', name: 'X' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^email:/);
    const shortPassword = await f.api('POST', '/api/users', { cookie: f.admin.cookie, body: { email: 'p@example.test', name: 'P', password: 'short' } });
    expect(shortPassword.status).toBe(400);
    expect(shortPassword.body.error.message).toMatch(/^password:/);
    const role = await f.api('POST', '/api/users', { cookie: f.admin.cookie, body: { email: 'r@example.test', name: 'R', role: 'owner' } });
    expect(role.body.error.message).toMatch(/^role:/);
    const text = await f.api('POST', '/api/users', { cookie: f.admin.cookie, body: 'email=x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
  });

  it('lists users without password hashes, for platform admins only', async () => {
    const res = await f.api('GET', '/api/users', { cookie: f.admin.cookie });
    expect(res.status).toBe(200);
    expect(res.body.users.map((u: { email: string }) => u.email)).toContain('admin@localhost');
    expect(JSON.stringify(res.body)).not.toMatch(/scrypt|passwordHash/);

    const someone = await f.createUser();
    expect((await f.api('GET', '/api/users', { cookie: someone.cookie })).status).toBe(403);
    const create = await f.api('POST', '/api/users', { cookie: someone.cookie, body: { email: 'x@example.test', name: 'X' } });
    expect(create.status).toBe(403);
    expect(await first(f.db.select().from(users).where(eq(users.email, 'x@example.test')))).toBeUndefined();
    expect((await f.api('GET', '/api/users')).status).toBe(401);
  });
});
