import { eq } from 'drizzle-orm';
import { users, type Db } from '@tollgate/db';
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
  const existing = findAdmin(db);
  if (existing) return { created: false, email: existing.email };

  const password = generatePassword();
  // Hashed before the transaction: better-sqlite3 transactions cannot await.
  const passwordHash = await hashPassword(password);
  const commit = createChangeCommitter(db, () => {});
  const id = newId('user');
  try {
    commit(
      null,
    { action: 'user.bootstrap_admin', targetType: 'user', targetId: id, summary: { email: normalised }, after: { email: normalised, role: 'admin' }, affectsGateway: false },
      (tx) => {
        // Checked again inside the transaction: another installer run may have won the race meanwhile, and
        // throwing rolls back the audit event too.
        const admin = tx.select({ email: users.email }).from(users).where(eq(users.role, 'admin')).get();
        if (admin) throw new AdminExists(admin.email);
        const clash = tx.select({ id: users.id }).from(users).where(eq(users.email, normalised)).get();
        if (clash) {
          // Promoting someone's account and resetting their password silently would be worse than stopping.
          throw new Error(`a non-admin user ${normalised} already exists; choose another email for the first admin`);
        }
        tx.insert(users).values({ id, email: normalised, name: 'Administrator', passwordHash, role: 'admin' }).run();
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

const findAdmin = (db: Db) => db.select({ email: users.email }).from(users).where(eq(users.role, 'admin')).get();
