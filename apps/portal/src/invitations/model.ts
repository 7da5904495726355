import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { changedRows, first, invitations } from '@tollgate/db';
import type { UserId } from '@tollgate/domain';
import type { Reader, Tx } from '../changes/tx';
import { ApiError, notFound } from '../http/errors';

export type InvitationRow = typeof invitations.$inferSelect;
export type InvitationState = 'open' | 'accepted' | 'revoked' | 'expired';

export const defaultExpiryHours = 168;
export const maxExpiryHours = 720;

/** The prefix tells a leaked token apart from a session cookie or an API key when it turns up in a log. */
const tokenPrefix = 'tgi_';
const tokenPattern = /^tgi_[A-Za-z0-9_-]{43}$/;

export const hashInvitationToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** 256 random bits: guessing is hopeless, so the link routes need no throttle and the hash needs no salt. */
export function newInvitationToken(): { token: string; tokenHash: string } {
  const token = `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: hashInvitationToken(token) };
}

export const acceptPath = (token: string) => `/api/invitations/${token}/accept`;

/** Accepted and revoked are final; expiry is only a clock comparison, so it is computed, never stored. */
export function invitationState(row: InvitationRow, now = Date.now()): InvitationState {
  if (row.acceptedAt !== null) return 'accepted';
  if (row.revokedAt !== null) return 'revoked';
  if (row.expiresAt <= now) return 'expired';
  return 'open';
}

/** The SQL twin of `invitationState(row) === 'open'`, for conditional updates and duplicate checks. */
export const isOpen = (now: number) =>
  and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now));

/** What team admins see: never the token nor its hash. */
export const invitationView = (row: InvitationRow, now = Date.now()) => ({
  id: row.id,
  teamId: row.teamId,
  email: row.email,
  role: row.role,
  state: invitationState(row, now),
  invitedBy: row.invitedBy,
  expiresAt: row.expiresAt,
  createdAt: row.createdAt,
  acceptedAt: row.acceptedAt,
  acceptedBy: row.acceptedBy,
  revokedAt: row.revokedAt,
});

const goneMessages: Record<Exclude<InvitationState, 'open'>, string> = {
  accepted: 'This invitation has been used already; each link works once.',
  revoked: 'This invitation was revoked by the team.',
  expired: 'This invitation has expired; ask the team for a new one.',
};

/** 410 rather than 404: the link was real, and the person should learn why it stopped working. */
export const invitationGone = (state: Exclude<InvitationState, 'open'>) =>
  new ApiError(410, `invitation_${state}`, goneMessages[state]);

/** The invitation a link's token names, if it is still open; a malformed token is a 404 without a query. */
export async function requireOpenInvitation(db: Reader, token: string, now = Date.now()): Promise<InvitationRow> {
  const row = tokenPattern.test(token) ? await first(db.select().from(invitations).where(eq(invitations.tokenHash, hashInvitationToken(token)))) : undefined;
  if (!row) throw notFound('Invitation');
  const state = invitationState(row, now);
  if (state !== 'open') throw invitationGone(state);
  return row;
}

/**
 * Marks the invitation accepted, but only if it is still open at this moment: of two accepts racing for one
 * link, the second finds no open row and gets 410. `acceptedBy` may be set later in the same transaction when
 * the accepting user is being created by it (the foreign key needs the user row first).
 */
export async function claimInvitation(tx: Tx, invitation: InvitationRow, now: number, acceptedBy: UserId | null): Promise<void> {
  const changes = changedRows(await tx.update(invitations).set({ acceptedAt: now, acceptedBy }).where(and(eq(invitations.id, invitation.id), isOpen(now))));
  if (changes === 1) return;
  const current = await first(tx.select().from(invitations).where(eq(invitations.id, invitation.id)));
  if (!current) throw notFound('Invitation');
  const state = invitationState(current, now);
  // `open` cannot happen here (the update would have matched it); the fallback only satisfies the type.
  throw invitationGone(state === 'open' ? 'accepted' : state);
}
