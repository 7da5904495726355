import type { Context } from 'hono';
import { isId, type CredentialId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { requireOwned, requireSignedIn } from '../access/policy';
import { findApp } from '../access/load';
import { conflict, notFound } from '../http/errors';

/**
 * The signed-in actor and the app the URL names, for an app's JWT and workload credentials: any member of the
 * app's team manages them; anyone else gets the 404 a missing app gets.
 */
export async function credentialOwner(ctx: PortalContext, c: Context<PortalEnv>) {
  const actor = requireSignedIn(c.get('actor'));
  // Mounted under /apps/:appId/…: the parameter is always there.
  return { actor, owner: requireOwned(actor, await findApp(ctx.db, c.req.param('appId') ?? ''), 'member', 'App') };
}

/**
 * The credential the URL names, for a revoke: `find` looks it up within the app, so another app's id is a 404
 * as a made-up one is; a revoked one is a 409, since revoking is done once.
 */
export async function credentialToRevoke<T extends { revokedAt: number | null }>(c: Context<PortalEnv>, find: (id: CredentialId) => Promise<T | undefined>): Promise<T> {
  const credentialId = c.req.param('credentialId');
  const credential = credentialId !== undefined && isId('credential', credentialId) ? await find(credentialId) : undefined;
  if (!credential) throw notFound('Credential');
  if (credential.revokedAt !== null) throw conflict('The credential is already revoked.');
  return credential;
}
