/**
 * Who is calling, whatever the credential was: an API key, a JWT credential or a workload credential (a SPIFFE
 * ID, ADR 0033). Limits count per credential (`limits.perKey`), and the call record and upstream identity
 * headers name it.
 */
export interface Credential {
  kind: 'key' | 'jwt' | 'workload';
  /** The key's id (`key_…`) or the JWT or workload credential's id (`crd_…`). */
  id: string;
  /**
   * What logs and the call explorer show: the key's visible prefix, `jwt:<credential id>`, `mesh-jwt:<credential
   * id>` when the mesh verified the token, or `spiffe:<credential id>` for a workload the mesh verified.
   */
  prefix: string;
}

/**
 * Where the credential came from, so the REST forward step can strip it: a lower-case header name
 * (`authorization`, `x-api-key`, or the service's configured one) and/or a query parameter name.
 */
export interface CredentialLocation {
  header?: string;
  query?: string;
}

/** The JWT algorithms the gateway verifies at all: asymmetric only, so a public key can never act as an HMAC secret. */
export const jwtAlgorithms = ['RS256', 'ES256', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof jwtAlgorithms)[number];
export const isJwtAlgorithm = (alg: unknown): alg is JwtAlgorithm => (jwtAlgorithms as readonly unknown[]).includes(alg);
