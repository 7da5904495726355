import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
// `first` is the admin ensureFirstAdmin made, in these tests; the first-row helper goes by another name.
import { auditEvents, configRevision, first as firstRow, sessions, users, type Db } from '@tollgate/db';
import { openOwnTestDatabase, type OwnTestDatabase } from '@tollgate/db/pg/testing';
import { newId } from '@tollgate/domain';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { ensureFirstAdmin, resetAdminPassword } from './bootstrap';

describe('ensureFirstAdmin', () => {
  let own: OwnTestDatabase;
  let db: Db;
  // SQLite in memory, or a fresh PostgreSQL database with TOLLGATE_TEST_DATABASE=postgres: each test its own.
  beforeEach(async () => {
    own = await openOwnTestDatabase();
    db = own.db;
  });
  afterEach(() => own.close());

  it('creates one platform admin with a generated password, once', async () => {
    const first = await ensureFirstAdmin(db);
    expect(first.created).toBe(true);
    expect(first.email).toBe('admin@localhost');
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const row = (await firstRow(db.select().from(users).where(eq(users.email, 'admin@localhost'))))!;
    expect(row.role).toBe('admin');
    expect(row.passwordHash).not.toContain(first.password!);
    expect(await verifyPassword(first.password!, row.passwordHash)).toBe(true);

    const again = await ensureFirstAdmin(db, 'other@example.test');
    expect(again).toEqual({ created: false, email: 'admin@localhost' });
    expect(await db.select().from(users)).toHaveLength(1);
  });

  it('records an audit event and leaves the gateway revision alone', async () => {
    const before = (await firstRow(db.select().from(configRevision)))!.revision;
    await ensureFirstAdmin(db, ' Root@Example.test ');
    const events = await db.select().from(auditEvents);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'user.bootstrap_admin', targetType: 'user', actorUserId: null, summary: { email: 'root@example.test' } });
    expect((await firstRow(db.select().from(configRevision)))!.revision).toBe(before);
  });

  it('refuses to take over an existing non-admin account with that email', async () => {
    await db.insert(users).values({ id: newId('user'), email: 'admin@localhost', name: 'Someone', passwordHash: await hashPassword('x'.repeat(12)) });
    await expect(ensureFirstAdmin(db)).rejects.toThrow(/non-admin user admin@localhost already exists/);
    expect(await db.select().from(users).where(eq(users.role, 'admin'))).toHaveLength(0);
    expect(await db.select().from(auditEvents)).toHaveLength(0);
  });
});

describe('resetAdminPassword', () => {
  let own: OwnTestDatabase;
  let db: Db;
  // SQLite in memory, or a fresh PostgreSQL database with TOLLGATE_TEST_DATABASE=postgres: each test its own.
  beforeEach(async () => {
    own = await openOwnTestDatabase();
    db = own.db;
  });
  afterEach(() => own.close());

  it('gives the only admin a new password, signs them out everywhere and audits it', async () => {
    const first = await ensureFirstAdmin(db);
    const admin = (await firstRow(db.select().from(users)))!;
    await db.insert(sessions).values({ tokenHash: 'hash-1', userId: admin.id, expiresAt: Date.now() + 60_000 });
    await db.insert(sessions).values({ tokenHash: 'hash-2', userId: admin.id, expiresAt: Date.now() + 60_000 });

    const reset = await resetAdminPassword(db);
    expect(reset).toMatchObject({ email: 'admin@localhost', sessionsEnded: 2 });
    expect(reset.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const row = (await firstRow(db.select().from(users).where(eq(users.id, admin.id))))!;
    expect(await verifyPassword(reset.password, row.passwordHash)).toBe(true);
    expect(await verifyPassword(first.password!, row.passwordHash)).toBe(false);
    expect(await db.select().from(sessions)).toHaveLength(0);
    const event = await firstRow(db.select().from(auditEvents).where(eq(auditEvents.action, 'user.reset_admin_password')));
    expect(event).toMatchObject({ targetId: admin.id, actorUserId: null, summary: { email: 'admin@localhost' } });
  });

  it('needs --email when there are several admins, and refuses an address that is not an admin', async () => {
    await ensureFirstAdmin(db);
    const other = { id: newId('user'), email: 'ops@example.test', name: 'Ops', passwordHash: await hashPassword('y'.repeat(12)) };
    await db.insert(users).values({ ...other, role: 'admin' });
    await db.insert(users).values({ id: newId('user'), email: 'dev@example.test', name: 'Dev', passwordHash: other.passwordHash });

    await expect(resetAdminPassword(db)).rejects.toThrow(/2 platform admins \(admin@localhost, ops@example.test\); name one with --email/);
    await expect(resetAdminPassword(db, 'dev@example.test')).rejects.toThrow(/no platform admin has the email dev@example.test/);
    const reset = await resetAdminPassword(db, ' OPS@example.test ');
    expect(reset.email).toBe('ops@example.test');
    const row = (await firstRow(db.select().from(users).where(eq(users.id, other.id))))!;
    expect(await verifyPassword(reset.password, row.passwordHash)).toBe(true);
  });

  it('says to run the setup first when there is no admin', async () => {
    await expect(resetAdminPassword(db)).rejects.toThrow(/no platform admin yet/);
  });
});
