import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * Every entity id carries a short prefix naming its kind (`usr_…`, `svc_…`), so an id pasted into the wrong
 * place is caught by a glance and by the type checker: a `ServiceId` is not assignable to an `AppId`.
 */
export const idPrefixes = {
  user: 'usr',
  session: 'ses',
  team: 'team',
  service: 'svc',
  api: 'api',
  release: 'rel',
  plan: 'plan',
  app: 'app',
  key: 'key',
  subscription: 'sub',
  provider: 'prv',
  modelRoute: 'mdl',
  callRecord: 'call',
  auditEvent: 'aud',
  request: 'req',
  invitation: 'inv',
  notification: 'ntf',
  webhook: 'whk',
  delivery: 'dlv',
  prompt: 'prm',
  promptVersion: 'pmv',
  credential: 'crd',
} as const;

export type IdKind = keyof typeof idPrefixes;
export type Id<K extends IdKind> = `${(typeof idPrefixes)[K]}_${string}` & { readonly __kind?: K };

export type UserId = Id<'user'>;
export type TeamId = Id<'team'>;
export type ServiceId = Id<'service'>;
export type ApiId = Id<'api'>;
export type ReleaseId = Id<'release'>;
export type PlanId = Id<'plan'>;
export type AppId = Id<'app'>;
export type KeyId = Id<'key'>;
export type SubscriptionId = Id<'subscription'>;
export type ProviderId = Id<'provider'>;
export type ModelRouteId = Id<'modelRoute'>;
export type CallRecordId = Id<'callRecord'>;
export type AuditEventId = Id<'auditEvent'>;
export type InvitationId = Id<'invitation'>;
export type NotificationId = Id<'notification'>;
export type WebhookId = Id<'webhook'>;
export type DeliveryId = Id<'delivery'>;
/** A consumer credential other than an API key: a JWT issuer and subject (later a mesh workload identity). */
export type CredentialId = Id<'credential'>;
export type PromptId = Id<'prompt'>;
export type PromptVersionId = Id<'promptVersion'>;

// The gateway makes several ids per request; one getrandom call per 4 KiB instead of per id keeps
// randomFillSync out of the profile. Bytes are handed out once and never reused.
const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;

/** Cryptographically random bytes from a refilled pool (a view: copy or encode it before the next call). */
export function pooledRandomBytes(size: number): Buffer {
  if (size > pool.length) return randomBytes(size);
  if (poolOffset + size > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + size);
  poolOffset += size;
  return bytes;
}

/** 16 random bytes in base64url: 128 bits, collision-free in practice, URL-safe. */
export function newId<K extends IdKind>(kind: K): Id<K> {
  return `${idPrefixes[kind]}_${pooledRandomBytes(16).toString('base64url')}` as Id<K>;
}

/**
 * The creation time in milliseconds (12 hex digits, so ids sort by it), then 12 random bytes in base64url (96
 * bits per millisecond). For rows written by the thousand (call records, and the request ids indexed with them):
 * random ids land on random pages of the table's and the index's B-trees, so a batch dirtied a page per row.
 * Appended in time order, a 1,000-record batch on a 200,000-row table took 13 ms instead of 52 ms, at 15 µs of CPU
 * per record instead of 37 (ADR 0030).
 */
export function newTimeOrderedId<K extends IdKind>(kind: K, now = Date.now()): Id<K> {
  return `${idPrefixes[kind]}_${now.toString(16).padStart(12, '0')}${pooledRandomBytes(12).toString('base64url')}` as Id<K>;
}

const idPattern = /^[a-z]+_[A-Za-z0-9_-]{8,64}$/;

/** True when `value` looks like an id of `kind`: used to turn a malformed path id into a 404, not a query. */
export function isId<K extends IdKind>(kind: K, value: string): value is Id<K> {
  return value.startsWith(`${idPrefixes[kind]}_`) && idPattern.test(value);
}

/** What a caller's `x-request-id` may be to be echoed and logged as it came: a short token, no spaces or markup. */
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id of a call: the caller's own `x-request-id` when it is a safe token, else a new one. */
export function requestIdFrom(incoming: string | undefined): string {
  return incoming && requestIdPattern.test(incoming) ? incoming : newTimeOrderedId('request');
}
