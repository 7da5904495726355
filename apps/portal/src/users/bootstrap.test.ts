import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, configRevision, createDb, users, type Db } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { ensureFirstAdmin } from './bootstrap';

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
