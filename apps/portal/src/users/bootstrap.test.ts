import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, configRevision, createDb, sessions, users, type Db } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { ensureFirstAdmin, resetAdminPassword } from './bootstrap';

describe('ensureFirstAdmin', () => {
  let db: Db;
  afterEach(() => db.$client.close());

  it('creates one platform admin with a generated password, once', async () => {
    db = createDb({ path: ':memory:' });
    const first = await ensureFirstAdmin(db);
    expect(first.created).toBe(true);
    expect(first.email).toBe('admin@localhost');
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const row = db.select().from(users).where(eq(users.email, 'admin@localhost')).get()!;
    expect(row.role).toBe('admin');
    expect(row.passwordHash).not.toContain(first.password!);
    expect(await verifyPassword(first.password!, row.passwordHash)).toBe(true);

    const again = await ensureFirstAdmin(db, 'other@example.test');
    expect(again).toEqual({ created: false, email: 'admin@localhost' });
    expect(db.select().from(users).all()).toHaveLength(1);
  });

  it('records an audit event and leaves the gateway revision alone', async () => {
    db = createDb({ path: ':memory:' });
    const before = db.select().from(configRevision).get()!.revision;
    await ensureFirstAdmin(db, ' Root@Example.test ');
    const events = db.select().from(auditEvents).all();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'user.bootstrap_admin', targetType: 'user', actorUserId: null, summary: { email: 'root@example.test' } });
    expect(db.select().from(configRevision).get()!.revision).toBe(before);
  });

  it('refuses to take over an existing non-admin account with that email', async () => {
    db = createDb({ path: ':memory:' });
    db.insert(users).values({ id: newId('user'), email: 'admin@localhost', name: 'Someone', passwordHash: await hashPassword('x'.repeat(12)) }).run();
    await expect(ensureFirstAdmin(db)).rejects.toThrow(/non-admin user admin@localhost already exists/);
    expect(db.select().from(users).where(eq(users.role, 'admin')).all()).toHaveLength(0);
    expect(db.select().from(auditEvents).all()).toHaveLength(0);
  });
});

describe('resetAdminPassword', () => {
  let db: Db;
  afterEach(() => db.$client.close());

  it('gives the only admin a new password, signs them out everywhere and audits it', async () => {
    db = createDb({ path: ':memory:' });
    const first = await ensureFirstAdmin(db);
    const admin = db.select().from(users).get()!;
    db.insert(sessions).values({ tokenHash: 'hash-1', userId: admin.id, expiresAt: Date.now() + 60_000 }).run();
    db.insert(sessions).values({ tokenHash: 'hash-2', userId: admin.id, expiresAt: Date.now() + 60_000 }).run();

    const reset = await resetAdminPassword(db);
    expect(reset).toMatchObject({ email: 'admin@localhost', sessionsEnded: 2 });
    expect(reset.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const row = db.select().from(users).where(eq(users.id, admin.id)).get()!;
    expect(await verifyPassword(reset.password, row.passwordHash)).toBe(true);
    expect(await verifyPassword(first.password!, row.passwordHash)).toBe(false);
    expect(db.select().from(sessions).all()).toHaveLength(0);
    const event = db.select().from(auditEvents).where(eq(auditEvents.action, 'user.reset_admin_password')).get();
    expect(event).toMatchObject({ targetId: admin.id, actorUserId: null, summary: { email: 'admin@localhost' } });
  });

  it('needs --email when there are several admins, and refuses an address that is not an admin', async () => {
    db = createDb({ path: ':memory:' });
    await ensureFirstAdmin(db);
    const other = { id: newId('user'), email: 'ops@example.test', name: 'Ops', passwordHash: await hashPassword('y'.repeat(12)) };
    db.insert(users).values({ ...other, role: 'admin' }).run();
    db.insert(users).values({ id: newId('user'), email: 'dev@example.test', name: 'Dev', passwordHash: other.passwordHash }).run();

    await expect(resetAdminPassword(db)).rejects.toThrow(/2 platform admins \(admin@localhost, ops@example.test\); name one with --email/);
    await expect(resetAdminPassword(db, 'dev@example.test')).rejects.toThrow(/no platform admin has the email dev@example.test/);
    const reset = await resetAdminPassword(db, ' OPS@example.test ');
    expect(reset.email).toBe('ops@example.test');
    const row = db.select().from(users).where(eq(users.id, other.id)).get()!;
    expect(await verifyPassword(reset.password, row.passwordHash)).toBe(true);
  });

  it('says to run the setup first when there is no admin', async () => {
    db = createDb({ path: ':memory:' });
    await expect(resetAdminPassword(db)).rejects.toThrow(/no platform admin yet/);
  });
});
