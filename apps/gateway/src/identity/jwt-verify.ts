import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type CryptoKey, type JWSHeaderParameters, type JWTPayload } from 'jose';
import type { SnapshotJwtCredential } from '@tollgate/domain';
import { GatewayError } from '../errors';
import { isJwtAlgorithm, type JwtAlgorithm } from './credential';
import type { JwtIndex } from './jwt-index';

/** Clock skew allowed on `exp` and `nbf`, between the issuer's clock and ours. */
export const clockToleranceSeconds = 30;

export const tokenError = (code: string, message: string, cause?: unknown) =>
  new GatewayError(401, 'invalid_request_error', code, message, null, { 'www-authenticate': `Bearer error="invalid_token"` }, cause);

const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The protected header when `secret` is a JWT (three base64url parts, a JSON header naming `alg`), else null:
 * then it is treated as an API key. An unsigned token (`alg: none`, empty third part) counts as a JWT, so it
 * is refused for its algorithm rather than as an unknown key.
 */
export function jwtHeaderOf(secret: string): JWSHeaderParameters | null {
  if (!jwtShape.test(secret)) return null;
  try {
    const header = decodeProtectedHeader(secret);
    return typeof header.alg === 'string' ? (header as JWSHeaderParameters) : null;
  } catch {
    return null;
  }
}

/** A claim as the caller sent it, bounded and quoted, for a message. */
export const shown = (value: unknown) => JSON.stringify(typeof value === 'string' && value.length > 120 ? `${value.slice(0, 120)}…` : (value ?? null));
const at = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1_000).toISOString() : 'an invalid time');

export function claimFailure(err: unknown, issuer: string): GatewayError {
  if (err instanceof errors.JWTExpired) {
    return tokenError('token_expired', `Token expired at ${at(err.payload.exp)} (clock tolerance ${clockToleranceSeconds} s); get a new one from ${shown(issuer)}.`, err);
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return tokenError('token_not_yet_valid', `Token is not valid before ${at(err.payload.nbf)} (clock tolerance ${clockToleranceSeconds} s).`, err);
    if (err.claim === 'exp' && err.reason === 'missing') return tokenError('invalid_token', 'Malformed token: it has no "exp" claim; the gateway accepts only tokens that expire.', err);
    return tokenError('invalid_token', `Invalid token: ${err.message}.`, err);
  }
  if (err instanceof errors.JOSEError) return tokenError('invalid_token', `Malformed token: ${err.message}.`, err);
  throw err;
}

/** The claims, once one of `keys` verified the signature; null when none did. Claim failures throw. */
async function verifiedClaims(token: string, keys: readonly CryptoKey[], issuer: string, alg: JwtAlgorithm, now: number): Promise<JWTPayload | null> {
  for (const key of keys) {
    try {
      const { payload } = await jwtVerify(token, key, {
        issuer,
        algorithms: [alg],
        clockTolerance: clockToleranceSeconds,
        requiredClaims: ['exp'],
        currentDate: new Date(now),
      });
      return payload;
    } catch (err) {
      // A token without a kid is tried against each fitting key: a mismatch just means "not this one".
      if (err instanceof errors.JWSSignatureVerificationFailed) continue;
      throw claimFailure(err, issuer);
    }
  }
  return null;
}

function claimText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The credential the verified claims belong to: audience first, then the registered subject. */
export function credentialFor(payload: JWTPayload, credentials: readonly SnapshotJwtCredential[], issuer: string): SnapshotJwtCredential {
  const audiences = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  // A credential without audiences accepts none: a token minted for another service of the same issuer
  // must never pass here.
  const forAudience = credentials.filter((c) => c.audiences.some((a) => audiences.includes(a)));
  if (forAudience.length === 0) {
    const message = audiences.length
      ? `Wrong token audience ${audiences.map(shown).join(', ')}: it is not one registered for issuer ${shown(issuer)}.`
      : `Wrong token audience: the token has no "aud" claim, and tokens of issuer ${shown(issuer)} must name a registered audience.`;
    throw tokenError('invalid_audience', message);
  }
  const match = forAudience.find((c) => claimText(payload[c.subjectClaim]) === c.subject);
  if (match) return match;
  const claims = [...new Set(forAudience.map((c) => c.subjectClaim))].map((name) => `"${name}" = ${shown(payload[name])}`);
  throw tokenError('unknown_subject', `Token subject not registered: ${claims.join(', ')} matches no app's JWT credential for issuer ${shown(issuer)} and this audience.`);
}

type SourceFailure = 'jwks_unavailable' | 'invalid_signature' | 'unknown_key';
/** With several key sources for one issuer, the failure worth reporting: a retryable one, then the most specific. */
const failureRank: Record<SourceFailure, number> = { jwks_unavailable: 3, invalid_signature: 2, unknown_key: 1 };

function sourceFailure(failure: SourceFailure, issuer: string, kid: string | undefined, alg: JwtAlgorithm): GatewayError {
  if (failure === 'jwks_unavailable') {
    return tokenError('jwks_unavailable', `The signing keys of issuer ${shown(issuer)} could not be fetched yet, so the token cannot be checked; retry shortly.`);
  }
  if (failure === 'unknown_key') {
    const which = kid === undefined ? 'Unknown token key: the token names no "kid", and' : `Unknown token key id ${shown(kid)}:`;
    return tokenError('unknown_key', `${which} issuer ${shown(issuer)} has no ${alg} signing key that fits it.`);
  }
  return tokenError('invalid_signature', `Bad token signature: it does not verify with the signing keys of issuer ${shown(issuer)}.`);
}

/**
 * Verifies a JWT against the snapshot's credentials for its issuer and returns the one it identifies. The
 * unverified `iss` only picks the candidates; nothing else is believed until a key of theirs verified the
 * signature with an allowed algorithm. Every refusal is a 401 whose code and message say which check failed.
 */
export async function verifyJwt(token: string, header: JWSHeaderParameters, index: JwtIndex, now: number): Promise<SnapshotJwtCredential> {
  const alg = header.alg;
  if (!isJwtAlgorithm(alg)) {
    throw tokenError('unsupported_algorithm', `Unsupported token algorithm ${shown(alg)}: the gateway accepts RS256, ES256 and EdDSA only.`);
  }
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch (err) {
    throw tokenError('invalid_token', `Malformed token: ${err instanceof Error ? err.message : 'its payload is not a JSON object'}.`, err);
  }
  const issuer = claims.iss;
  if (typeof issuer !== 'string' || issuer === '') throw tokenError('invalid_token', 'Malformed token: it has no "iss" (issuer) claim.');
  const groups = index.byIssuer.get(issuer);
  if (!groups) throw tokenError('unknown_issuer', `Unknown token issuer ${shown(issuer)}: no app has registered a JWT credential for it.`);
  const usable = groups
    .map((g) => ({ source: g.source, credentials: g.credentials.filter((c) => c.algorithms.includes(alg)) }))
    .filter((g) => g.credentials.length > 0);
  if (usable.length === 0) {
    const allowed = [...new Set(groups.flatMap((g) => g.credentials.flatMap((c) => c.algorithms)))];
    throw tokenError('unsupported_algorithm', `Unsupported token algorithm ${alg} for issuer ${shown(issuer)}: allowed ${allowed.join(', ') || 'none'}.`);
  }
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  let failure: SourceFailure = 'unknown_key';
  for (const group of usable) {
    const lookup = await group.source.lookup(kid, alg);
    const payload = lookup.ok ? await verifiedClaims(token, lookup.keys, issuer, alg, now) : null;
    if (payload) return credentialFor(payload, group.credentials, issuer);
    const reason: SourceFailure = lookup.ok ? 'invalid_signature' : lookup.reason;
    if (failureRank[reason] > failureRank[failure]) failure = reason;
  }
  throw sourceFailure(failure, issuer, kid, alg);
}
