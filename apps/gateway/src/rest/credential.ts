import type { Context } from 'hono';
import type { GatewayEnv } from '../env';
import type { CredentialLocation } from '../identity/credential';

/** Where the identify step found the caller's credential (the configured key places are stripped regardless). */
export function credentialLocationOf(c: Context<GatewayEnv>): CredentialLocation | undefined {
  return c.get('credentialLocation') as CredentialLocation | undefined;
}
