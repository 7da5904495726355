import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../env';
import { GatewayError } from '../errors';
import { requestHeader } from '../http/node-request';

const unauthorized = (message: string) => new GatewayError(401, 'invalid_request_error', 'invalid_api_key', message);

/** The caller's API key, from `Authorization: Bearer` (OpenAI SDK) or `x-api-key` (Anthropic SDK). */
export function presentedKey(get: (name: string) => string | undefined): string | null {
  const auth = get('authorization');
  if (auth) {
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    return match ? match[1]! : null;
  }
  return get('x-api-key')?.trim() || null;
}

/**
 * Identifies the app by the SHA-256 of its key, looked up in the snapshot: no database, no secret in memory.
 * A revoked key is absent from the snapshot, so it reads as unknown.
 */
export function identifyStep(now: () => number = Date.now): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const secret = presentedKey((name) => requestHeader(c, name));
    if (!secret) throw unauthorized('Missing API key: send it as "Authorization: Bearer <key>".');
    const config = c.get('config');
    const key = config.keysByHash.get(createHash('sha256').update(secret).digest('hex'));
    if (!key) throw unauthorized('Invalid API key: it is unknown or was revoked.');
    if (key.expiresAt !== null && key.expiresAt <= now()) throw unauthorized(`API key ${key.prefix}… has expired; create a new one in the portal.`);
    const app = config.apps.get(key.appId);
    if (!app) throw unauthorized('Invalid API key: its app no longer exists.');
    const call = c.get('call');
    call.record.keyId = key.id;
    call.record.keyPrefix = key.prefix;
    call.record.appId = app.id;
    call.record.teamId = app.teamId;
    c.set('key', key);
    c.set('app', app);
    await next();
  };
}
