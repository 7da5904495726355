import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import type { appCredentials } from '@tollgate/db';
import { httpUrlSchema } from '../rest/http-schemas';

/**
 * A JWT credential of an app (ADR 0018): tokens from `issuer`, for one of `audiences`, whose `subjectClaim` is
 * `subject`, identify the app; they are verified with the keys at `jwksUrl` or the inline public `keys`.
 */

export const jwtAlgorithms = ['RS256', 'ES256', 'EdDSA'] as const;
type JwtAlgorithm = (typeof jwtAlgorithms)[number];

/** JWK members that only a private or symmetric key has (RFC 7518 §6): such a key must never be uploaded. */
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** The algorithm a public key of this type verifies: RSA keys RS256, P-256 keys ES256, Ed25519 keys EdDSA. */
function algorithmOf(jwk: Record<string, unknown>): JwtAlgorithm | string {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return jwk.crv === 'P-256' ? 'ES256' : `an EC key on ${String(jwk.crv)} (only P-256, for ES256)`;
  if (jwk.kty === 'OKP') return jwk.crv === 'Ed25519' ? 'EdDSA' : `an OKP key on ${String(jwk.crv)} (only Ed25519, for EdDSA)`;
  return `a key of type ${String(jwk.kty)} (use RSA, EC P-256 or OKP Ed25519 public keys)`;
}

/**
 * A JWKS `keys` entry. Its members are the JWK standard's, not this API's (`x5c`, `x5t#S256`, …), so unknown
 * members are kept, as an OpenAPI document's are; what is checked is that it is a usable public key.
 */
const jwkSchema = z.record(z.string(), z.unknown()).superRefine((jwk, ctx) => {
  const secret = privateMembers.find((m) => m in jwk);
  if (secret) {
    ctx.addIssue({ code: 'custom', path: [secret], message: 'a private or symmetric key member: upload public keys only, and treat this key as leaked' });
    return;
  }
  const alg = algorithmOf(jwk);
  if (!(jwtAlgorithms as readonly string[]).includes(alg)) {
    ctx.addIssue({ code: 'custom', path: ['kty'], message: `${alg} cannot verify RS256, ES256 or EdDSA tokens` });
    return;
  }
  if (jwk.alg !== undefined && jwk.alg !== alg) ctx.addIssue({ code: 'custom', path: ['alg'], message: `a ${String(jwk.kty)} key verifies ${alg}, not ${String(jwk.alg)}` });
  if (jwk.use !== undefined && jwk.use !== 'sig') ctx.addIssue({ code: 'custom', path: ['use'], message: 'a key for verifying tokens has use "sig"' });
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid.length > 256)) ctx.addIssue({ code: 'custom', path: ['kid'], message: 'a string of at most 256 characters' });
  let bits: number | undefined;
  try {
    bits = createPublicKey({ key: jwk as never, format: 'jwk' }).asymmetricKeyDetails?.modulusLength;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a valid public key (check n and e, or crv, x and y)' });
    return;
  }
  // Node opens any modulus; below 2048 bits an RSA signature can be forged (NIST SP 800-131A).
  if (jwk.kty === 'RSA' && (bits ?? 0) < 2048) ctx.addIssue({ code: 'custom', message: 'an RSA key needs a modulus of at least 2048 bits' });
});

const nonEmpty = (max: number) => z.string().trim().min(1).max(max);

export const createJwtCredentialSchema = z
  .strictObject({
    issuer: nonEmpty(512),
    jwksUrl: httpUrlSchema.optional(),
    keys: z
      .array(jwkSchema)
      .min(1)
      .max(20)
      .superRefine((keys, ctx) => {
        const kids = keys.map((k) => k.kid).filter((kid) => kid !== undefined);
        if (new Set(kids).size !== kids.length) ctx.addIssue({ code: 'custom', message: 'two keys share a kid' });
      })
      .optional(),
    audiences: z.array(nonEmpty(512)).min(1).max(20).transform((a) => [...new Set(a)]),
    subjectClaim: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a claim name (letters, digits and _ . : -)').default('sub'),
    subject: nonEmpty(512),
    algorithms: z.array(z.enum(jwtAlgorithms)).min(1).transform((a) => [...new Set(a)]).default([...jwtAlgorithms]),
  })
  .superRefine((o, ctx) => {
    if ((o.jwksUrl === undefined) === (o.keys === undefined)) ctx.addIssue({ code: 'custom', path: ['jwksUrl'], message: 'give either jwksUrl or keys (inline public keys), not both and not neither' });
    o.keys?.forEach((key, i) => {
      const alg = algorithmOf(key) as JwtAlgorithm;
      if (!o.algorithms.includes(alg)) ctx.addIssue({ code: 'custom', path: ['keys', i], message: `a key for ${alg}, which algorithms does not allow` });
    });
  });

type CredentialRow = typeof appCredentials.$inferSelect;

export const jwtCredentialView = (r: CredentialRow) => ({
  id: r.id,
  appId: r.appId,
  type: 'jwt' as const,
  issuer: r.issuer,
  jwksUrl: r.jwksUrl,
  keys: r.keys,
  audiences: r.audiences,
  subjectClaim: r.subjectClaim,
  subject: r.subject,
  algorithms: r.algorithms,
  createdAt: r.createdAt,
  revokedAt: r.revokedAt,
});
