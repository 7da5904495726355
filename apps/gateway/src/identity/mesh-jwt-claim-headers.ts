import type { JWTPayload } from 'jose';
import { tokenError } from './jwt-verify';

/**
 * Istio RequestAuthentication's `outputClaimToHeaders` (ADR 0033): the mesh verified the token and copies
 * chosen claims into headers, one claim each, instead of (or besides) the whole payload. Envoy's jwt_authn
 * writes a string claim as is, a number in decimal and a list joined with commas. From a trusted proxy those
 * headers are put back together into the claims object the payload header would have given, and identify
 * then takes the payload's own path (mesh-jwt.ts).
 */

/** One `claim:header` pair of `TOLLGATE_MESH_JWT_CLAIM_HEADERS`; the header in lower case. */
export interface MeshClaimHeader {
  claim: string;
  header: string;
}

/** A mapped header a trusted proxy sent, with its value as received. */
export interface MeshClaimValue extends MeshClaimHeader {
  value: string;
}

/** Without these two there is no issuer to look the app up by and no expiry to check. */
const requiredClaims = ['iss', 'exp'] as const;
/** NumericDate claims (RFC 7519): seconds, which Envoy writes as a decimal integer. */
const numericDateClaims: ReadonlySet<string> = new Set(['exp', 'nbf', 'iat']);
/** A flat claim name: nested claims (`a.b`) would not round-trip into the flat claims object matched here. */
const claimName = /^[A-Za-z0-9_-]{1,64}$/;
const headerName = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The pairs of `iss:x-jwt-iss,sub:x-jwt-sub,…`, or every problem found, each naming its entry. `reserved` says
 * why a header cannot carry a claim (the gateway's own headers), or null.
 */
export function parseMeshClaimHeaders(text: string, reserved: (header: string) => string | null): { mappings: MeshClaimHeader[] } | { problems: string[] } {
  const problems: string[] = [];
  const mappings: MeshClaimHeader[] = [];
  const entries = text.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const claim = colon < 0 ? '' : entry.slice(0, colon).trim();
    const header = colon < 0 ? '' : entry.slice(colon + 1).trim().toLowerCase();
    if (colon < 0) problems.push(`"${entry}" is not claim:header`);
    else if (!claimName.test(claim)) problems.push(`"${entry}": the claim must be a top-level claim name (letters, digits, _ and -, at most 64)`);
    else if (!headerName.test(header)) problems.push(`"${entry}": the header must be a header name (letters, digits and -, at most 64)`);
    else if (reserved(header)) problems.push(`"${entry}": ${reserved(header)}`);
    else if (mappings.some((m) => m.claim === claim)) problems.push(`"${entry}": claim "${claim}" is mapped twice`);
    else if (mappings.some((m) => m.header === header)) problems.push(`"${entry}": header "${header}" carries two claims`);
    else mappings.push({ claim, header });
  }
  const missing = requiredClaims.filter((claim) => !mappings.some((m) => m.claim === claim));
  if (problems.length === 0 && missing.length > 0) problems.push(`${missing.map((c) => `"${c}"`).join(' and ')} must be mapped: the app is found by issuer and only expiring tokens are accepted`);
  return problems.length > 0 ? { problems } : { mappings };
}

const malformed = (header: string, problem: string) => tokenError('invalid_token', `Malformed mesh JWT claim in the "${header}" header: ${problem}.`);

/**
 * The claims object the headers describe, or the 401 a malformed payload gets. A date that is not a whole
 * number of seconds is refused, not ignored: an unreadable `exp` must not read as "no expiry to check".
 */
export function meshClaimsFromHeaders(values: readonly MeshClaimValue[]): JWTPayload {
  const claims: JWTPayload = {};
  for (const { claim, header, value } of values) {
    const text = value.trim();
    if (numericDateClaims.has(claim)) {
      if (!/^\d{1,15}$/.test(text)) throw malformed(header, `"${claim}" must be a whole number of seconds, not ${JSON.stringify(text.slice(0, 40))}`);
      claims[claim] = Number(text);
    } else if (claim === 'aud') {
      claims.aud = text.split(',').map((a) => a.trim()).filter(Boolean);
    } else claims[claim] = text;
  }
  return claims;
}
