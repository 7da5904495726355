import { createHash, randomBytes } from 'node:crypto';
import { eq, and, gt, ne } from 'drizzle-orm';
import { sessions, users, teamMembers, type Db } from '@tollgate/db';
import type { Tx } from '../changes/tx';
import type { PlatformRole, TeamId, TeamRole, UserId } from '@tollgate/domain';

export const sessionCookieName = 'tg_session';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function createSession(db: Db, userId: UserId, ttlMs: number, now = Date.now()): { token: string; expiresAt: number } {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = now + ttlMs;
  db.insert(sessions).values({ tokenHash: hashToken(token), userId, expiresAt }).run();
  return { token, expiresAt };
}

export function deleteSession(db: Db, token: string): void {
  db.delete(sessions).where(eq(sessions.tokenHash, hashToken(token))).run();
}

/** Ends every session of `userId` but the one holding `keepToken`: after a password change, only this one stays. */
export function deleteOtherSessions(db: Db | Tx, userId: UserId, keepToken: string): number {
  return db.delete(sessions).where(and(eq(sessions.userId, userId), ne(sessions.tokenHash, hashToken(keepToken)))).run().changes;
}

/** The signed-in person and their team roles: everything the access policy decides on. */
export interface Actor {
  id: UserId;
  email: string;
  name: string;
  role: PlatformRole;
  teams: Map<TeamId, TeamRole>;
}

export function loadActor(db: Db, token: string, now = Date.now()): Actor | null {
  const row = db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, hashToken(token)), gt(sessions.expiresAt, now)))
    .get();
  if (!row) return null;
  const memberships = db
    .select({ teamId: teamMembers.teamId, role: teamMembers.role })
    .from(teamMembers)
    .where(eq(teamMembers.userId, row.id))
    .all();
  return { ...row, teams: new Map(memberships.map((m) => [m.teamId, m.role])) };
}
