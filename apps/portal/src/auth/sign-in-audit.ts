import type { UserId } from '@tollgate/domain';
import type { PortalContext } from '../context';

export type SignInFailureReason = 'wrong_password' | 'unknown_account' | 'throttled';

export interface FailedSignIn {
  /** The email tried, as normalised for the lookup; never the password. */
  email: string;
  address: string;
  /** The account the email belongs to, when there is one. */
  userId?: UserId;
  reason: SignInFailureReason;
  /** For `throttled`: the limit that refused. */
  limit?: string;
}

/**
 * An audit event for a failed sign-in, so admins see guessing as it happens. Nobody is signed in, so there is
 * no actor; the target is the account tried (`user`), or the email itself when no account has it. How many
 * such events one address can write is bounded by the throttle: each failure it admits, and one per refusing
 * counter per window (see `admitSignIn`), never one per refused guess.
 */
export async function recordFailedSignIn(ctx: PortalContext, failure: FailedSignIn): Promise<void> {
  const { email, address, userId, reason, limit } = failure;
  await ctx.commitChange(
    null,
    {
      action: 'auth.sign_in_failed',
      targetType: userId ? 'user' : 'email',
      targetId: userId ?? email,
      summary: { email, address, reason, ...(limit ? { limit } : {}) },
      affectsGateway: false,
    },
    () => undefined,
  );
}
