import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The signature scheme receivers verify: HMAC-SHA256 over `<unix seconds>.<raw body>` with the webhook's
 * secret, sent as `x-tollgate-signature: sha256=<hex>` next to `x-tollgate-timestamp`. Signing the timestamp
 * lets a receiver refuse old replays; signing the raw bytes means it must verify before parsing the JSON.
 */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

export const signWebhook = (secret: string, timestamp: number, body: string) =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

/** What a receiver does (and the tests do): recompute and compare in constant time. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
