import type { JWTPayload } from 'jose';
import type { SnapshotData, SnapshotJwtCredential } from '@tollgate/domain';
import { signingKey, signToken, startJwksServer, type SigningKey, type TokenOptions } from './jwks-server';

/** The app ids of test-snapshot.ts: `approved` is subscribed, `pending` waits for approval. */
export const apps = { approved: 'app_approved000000000', pending: 'app_pending000000000' } as const;
export const issuer = 'https://idp.example.com/';
export const audience = 'https://gateway.example.com';

/**
 * An identity provider on loopback with one key per algorithm, and the JWT credentials test apps registered
 * for it: two apps share the issuer with different subjects; a second issuer's keys are registered inline.
 */
export async function jwtFixture() {
  const keys = { rsa: await signingKey('RS256'), ec: await signingKey('ES256'), ed: await signingKey('EdDSA') };
  const inlineKey = await signingKey('ES256', 'inline-1');
  const idp = await startJwksServer([keys.rsa, keys.ec, keys.ed]);
  const credential = (o: Partial<SnapshotJwtCredential> & Pick<SnapshotJwtCredential, 'id' | 'appId'>): SnapshotJwtCredential => ({
    issuer,
    jwksUrl: idp.url,
    keys: null,
    audiences: [audience],
    subjectClaim: 'sub',
    subject: 'svc-approved',
    algorithms: ['RS256', 'ES256', 'EdDSA'],
    ...o,
  });
  const credentials: SnapshotJwtCredential[] = [
    credential({ id: 'crd_approved0000', appId: apps.approved }),
    credential({ id: 'crd_pending00000', appId: apps.pending, subject: 'svc-pending', audiences: ['other-audience', audience] }),
    credential({
      id: 'crd_inline000000',
      appId: apps.approved,
      issuer: 'https://inline.example.com',
      jwksUrl: null,
      keys: [inlineKey.jwk as Record<string, unknown>],
      audiences: ['inline-audience'],
      subjectClaim: 'client_id',
      subject: 'inline-client',
      algorithms: ['ES256'],
    }),
  ];
  return {
    keys,
    inlineKey,
    idp,
    credentials,
    credential,
    /** Adds the credentials (and any extra ones) to a test snapshot. */
    withCredentials(data: SnapshotData, extra: SnapshotJwtCredential[] = []): SnapshotData {
      data.jwtCredentials.push(...credentials, ...extra);
      return data;
    },
    /** A token of the approved app's credential unless the claims say otherwise. */
    token(key: SigningKey = keys.rsa, claims: JWTPayload = {}, o: TokenOptions = {}): Promise<string> {
      return signToken(key, { iss: issuer, aud: audience, sub: 'svc-approved', ...claims }, o);
    },
  };
}

export type JwtFixture = Awaited<ReturnType<typeof jwtFixture>>;

/** An unsigned token (`alg: none`), as an attacker would hand-craft it. */
export function unsignedToken(claims: JWTPayload): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

/** Waits until the cache for `url` has completed a fetch. */
export async function waitForFetch(cacheOf: () => { stats: { fetches: number } } | undefined, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!((cacheOf()?.stats.fetches ?? 0) > 0)) {
    if (Date.now() > until) throw new Error('the JWKS was never fetched');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
