import { createHash, randomBytes } from 'node:crypto';

/** Enough of the secret to tell keys apart in a list (`tg_` + 9 characters), far too little to guess the rest. */
export const apiKeyPrefixLength = 12;

/** SHA-256 hex of the full secret: the gateway hashes the presented key the same way and looks the hash up. */
export const hashApiKey = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/**
 * A new API key: `tg_` + 32 random bytes in base64url. 256 bits make a plain SHA-256 safe to store (no
 * dictionary can reach it, so no slow hash is needed on the gateway's hot path); the secret itself is shown
 * to the caller once and never stored.
 */
export function generateApiKey(): { secret: string; prefix: string; hash: string } {
  const secret = `tg_${randomBytes(32).toString('base64url')}`;
  return { secret, prefix: secret.slice(0, apiKeyPrefixLength), hash: hashApiKey(secret) };
}
