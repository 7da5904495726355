import { eq } from 'drizzle-orm';
import { changedRows, first, sessions, users, type Db } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { generatePassword, hashPassword } from '../auth/passwords';
import { createChangeCommitter } from '../changes/commit-change';

export interface FirstAdminResult {
  /** False when a platform admin already existed: nothing was changed. */
  created: boolean;
  /** The new admin's email, or an existing admin's when none was created. */
  email: string;
  /** The generated password, present only when the admin was just created: print it once. */
  password?: string;
}

/**
 * The installer's first step: there are no default passwords (DESIGN §4), so the first platform admin gets a
 * generated one that the installer prints once. Running it again changes nothing while any admin exists.
 */
export async function ensureFirstAdmin(db: Db, email = 'admin@localhost'): Promise<FirstAdminResult> {
  const normalised = email.trim().toLowerCase();
  const existing = await findAdmin(db);
  if (existing) return { created: false, email: existing.email };

  const password = generatePassword();
  // Hashed before the transaction: transaction work awaits only the database (ADR 0040).
  const passwordHash = await hashPassword(password);
  const commit = createChangeCommitter(db, () => {});
  const id = newId('user');
  try {
    await commit(
      null,
    { action: 'user.bootstrap_admin', targetType: 'user', targetId: id, summary: { email: normalised }, after: { email: normalised, role: 'admin' }, affectsGateway: false },
      async (tx) => {
        // Checked again inside the transaction: another installer run may have won the race meanwhile, and
        // throwing rolls back the audit event too.
        const admin = await findAdmin(tx);
        if (admin) throw new AdminExists(admin.email);
        const clash = await first(tx.select({ id: users.id }).from(users).where(eq(users.email, normalised)));
        if (clash) {
          // Promoting someone's account and resetting their password silently would be worse than stopping.
          throw new Error(`a non-admin user ${normalised} already exists; choose another email for the first admin`);
        }
        await tx.insert(users).values({ id, email: normalised, name: 'Administrator', passwordHash, role: 'admin' });
      },
    );
  } catch (err) {
    if (err instanceof AdminExists) return { created: false, email: err.email };
    throw err;
  }
  return { created: true, email: normalised, password };
}

class AdminExists extends Error {
  constructor(readonly email: string) {
    super('a platform admin exists');
  }
}

const findAdmin = (db: Db) => first(db.select({ email: users.email }).from(users).where(eq(users.role, 'admin')).limit(1));

export interface AdminPasswordReset {
  email: string;
  /** Shown once by the caller, like the first admin's. */
  password: string;
  /** Sessions of that admin that were signed out: whoever held the old password loses access too. */
  sessionsEnded: number;
}

/**
 * Recovery for a lost admin password (`npm run setup -- --reset-admin-password`): a new generated password for
 * the named platform admin (or the only one), every session of theirs ended, audited. Run by someone with the
 * data directory, who could replace the database anyway, so it asks for no old password.
 */
export async function resetAdminPassword(db: Db, email?: string): Promise<AdminPasswordReset> {
  const admins = await db.select({ id: users.id, email: users.email }).from(users).where(eq(users.role, 'admin'));
  const wanted = email?.trim().toLowerCase();
  const admin = wanted ? admins.find((a) => a.email === wanted) : admins.length === 1 ? admins[0] : undefined;
  if (!admin) {
    const known = admins.map((a) => a.email).join(', ') || 'none';
    throw new Error(
      wanted
        ? `no platform admin has the email ${wanted} (admins: ${known})`
        : admins.length
          ? `there are ${admins.length} platform admins (${known}); name one with --email`
          : 'there is no platform admin yet: run the setup without --reset-admin-password to create one',
    );
  }
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  const commit = createChangeCommitter(db, () => {});
  const sessionsEnded = await commit(
    null,
    { action: 'user.reset_admin_password', targetType: 'user', targetId: admin.id, summary: { email: admin.email }, affectsGateway: false },
    async (tx) => {
      await tx.update(users).set({ passwordHash }).where(eq(users.id, admin.id));
      return changedRows(await tx.delete(sessions).where(eq(sessions.userId, admin.id)));
    },
  );
  return { email: admin.email, password, sessionsEnded };
}
