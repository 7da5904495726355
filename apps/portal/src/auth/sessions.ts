import { createHash, randomBytes } from 'node:crypto';
import { eq, and, gt, ne } from 'drizzle-orm';
import { changedRows, first, sessions, transact, users, teamMembers, type Db } from '@tollgate/db';
import type { Tx } from '../changes/tx';
import type { PlatformRole, TeamId, TeamRole, UserId } from '@tollgate/domain';

export const sessionCookieName = 'tg_session';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createSession(db: Db, userId: UserId, ttlMs: number, now = Date.now()): Promise<{ token: string; expiresAt: number }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = now + ttlMs;
  // Writes go through transact, which on SQLite keeps them out of another request's open transaction (ADR 0040).
  await transact(db, (tx) => tx.insert(sessions).values({ tokenHash: hashToken(token), userId, expiresAt }));
  return { token, expiresAt };
}

export async function deleteSession(db: Db, token: string): Promise<void> {
  await transact(db, (tx) => tx.delete(sessions).where(eq(sessions.tokenHash, hashToken(token))));
}

/** Ends every session of `userId` but the one holding `keepToken`: after a password change, only this one stays. */
export async function deleteOtherSessions(db: Db | Tx, userId: UserId, keepToken: string): Promise<number> {
  return changedRows(await transact(db, (tx) => tx.delete(sessions).where(and(eq(sessions.userId, userId), ne(sessions.tokenHash, hashToken(keepToken))))));
}

/** The signed-in person and their team roles: everything the access policy decides on. */
export interface Actor {
  id: UserId;
  email: string;
  name: string;
  role: PlatformRole;
  teams: Map<TeamId, TeamRole>;
}

export async function loadActor(db: Db, token: string, now = Date.now()): Promise<Actor | null> {
  const row = await first(
    db
      .select({ id: users.id, email: users.email, name: users.name, role: users.role })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.tokenHash, hashToken(token)), gt(sessions.expiresAt, now))),
  );
  if (!row) return null;
  const memberships = await db
    .select({ teamId: teamMembers.teamId, role: teamMembers.role })
    .from(teamMembers)
    .where(eq(teamMembers.userId, row.id));
  return { ...row, teams: new Map(memberships.map((m) => [m.teamId, m.role])) };
}
