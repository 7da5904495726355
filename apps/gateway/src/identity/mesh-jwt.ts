import { errors, type JWTPayload } from 'jose';
import type { SnapshotJwtCredential } from '@tollgate/domain';
import { claimFailure, clockToleranceSeconds, credentialFor, shown, tokenError } from './jwt-verify';
import type { JwtIndex } from './jwt-index';
import { meshClaimsFromHeaders, type MeshClaimValue } from './mesh-jwt-claim-headers';

/**
 * Mesh-verified JWT identities (ADR 0033): Istio's RequestAuthentication with `outputPayloadToHeader` checked
 * the token's signature and forwards its payload as base64url(JSON). From a trusted proxy that payload names
 * the app as a token would: by `iss` and the subject claim of the app's registered JWT credential. The
 * signature is not checked again (the token itself is not here); `exp`, `nbf` and `aud` are, as for a token
 * the gateway verifies, with the same 401 codes. With `outputClaimToHeaders` instead, the claims arrive one header
 * each (mesh-jwt-claim-headers.ts) and take the same path once put back together.
 */

/** Envoy documents base64url; plain base64 (and padding) is accepted too, nothing else. */
const base64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
/** Far above any real payload; Node's header limit (16 KiB for all headers) is the real bound. */
const maxPayloadChars = 16_384;

const malformed = (header: string, problem: string, cause?: unknown) =>
  tokenError('invalid_token', `Malformed mesh JWT payload in the "${header}" header: ${problem}.`, cause);

/** The claims the header carries, or a 401 that says what is wrong with it. */
export function meshJwtClaims(value: string, header: string): JWTPayload {
  const text = value.trim();
  if (text === '') throw malformed(header, 'it is empty');
  if (text.length > maxPayloadChars) throw malformed(header, `it is longer than ${maxPayloadChars} characters`);
  if (!base64.test(text)) throw malformed(header, 'it is not base64url');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (err) {
    throw malformed(header, 'it does not decode to JSON', err);
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw malformed(header, 'it is not a JSON object');
  return claims as JWTPayload;
}

/** A NumericDate claim as jose reads it: absent, or a number (anything else is refused, not ignored). */
function numericDate(claims: JWTPayload, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new errors.JWTClaimValidationFailed(`"${name}" claim must be a number`, claims, name, 'invalid');
  return value;
}

/** jose's own time checks (same tolerance, same errors), so the refusals read as they do for a verified token. */
function checkTimes(claims: JWTPayload, now: number): void {
  const seconds = Math.floor(now / 1_000);
  numericDate(claims, 'iat');
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > seconds + clockToleranceSeconds) throw new errors.JWTClaimValidationFailed('"nbf" claim timestamp check failed', claims, 'nbf', 'check_failed');
  const exp = numericDate(claims, 'exp');
  if (exp === undefined) throw new errors.JWTClaimValidationFailed('missing required "exp" claim', claims, 'exp', 'missing');
  if (exp <= seconds - clockToleranceSeconds) throw new errors.JWTExpired('"exp" claim timestamp check failed', claims, 'exp', 'check_failed');
}

/**
 * The JWT credential mesh-verified claims belong to, wherever they came from (`where` names it in a 401). Every
 * credential registered for the issuer is a candidate, whatever its key source and algorithms: the mesh, not the
 * gateway, checked the signature.
 */
function credentialForMeshClaims(claims: JWTPayload, where: string, index: JwtIndex, now: number): SnapshotJwtCredential {
  const issuer = claims.iss;
  if (typeof issuer !== 'string' || issuer === '') throw tokenError('invalid_token', `Malformed mesh JWT ${where}: it has no "iss" (issuer) claim.`);
  const groups = index.byIssuer.get(issuer);
  if (!groups) throw tokenError('unknown_issuer', `Unknown token issuer ${shown(issuer)}: no app has registered a JWT credential for it.`);
  try {
    checkTimes(claims, now);
  } catch (err) {
    throw claimFailure(err, issuer);
  }
  // By id across key sources too, so which of two identically registered credentials wins is stable.
  const candidates = groups.length === 1 ? groups[0]!.credentials : groups.flatMap((g) => g.credentials).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return credentialFor(claims, candidates, issuer);
}

/** The JWT credential of a mesh-verified payload (`outputPayloadToHeader`). */
export function meshJwtCredential(value: string, header: string, index: JwtIndex, now: number): SnapshotJwtCredential {
  return credentialForMeshClaims(meshJwtClaims(value, header), `payload in the "${header}" header`, index, now);
}

/** The JWT credential of mesh-verified claims copied one per header (`outputClaimToHeaders`); `issHeader` carries `iss`. */
export function meshClaimHeadersCredential(values: readonly MeshClaimValue[], issHeader: string, index: JwtIndex, now: number): SnapshotJwtCredential {
  return credentialForMeshClaims(meshClaimsFromHeaders(values), `claim in the "${issHeader}" header`, index, now);
}
