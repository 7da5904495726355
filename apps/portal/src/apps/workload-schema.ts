import { z } from 'zod';
import type { appWorkloadCredentials } from '@tollgate/db';

/**
 * A workload credential of an app (ADR 0033): the SPIFFE ID the mesh proves with mTLS and forwards in
 * `x-forwarded-client-cert`. The gateway matches it byte for byte, so only the SPIFFE ID spec's one spelling is
 * stored: what the spec refuses is refused here, each with its own reason, rather than normalised into a
 * string the mesh would never send.
 */

/**
 * The audit target type, apart from JWT credentials' `credential`: the snapshot publisher sends a change to a
 * workload credential as a delta (ADR 0032), where a JWT credential's needs a full compile.
 */
export const workloadCredentialTarget = 'workloadCredential';

/** The SPIFFE ID spec's bounds: the whole ID in bytes, the trust domain in characters. */
export const maxSpiffeIdBytes = 2048;
const maxTrustDomainChars = 255;

const trustDomainChars = /^[a-z0-9._-]+$/;
const segmentChars = /^[A-Za-z0-9._-]+$/;

/** Why `value` is not a SPIFFE ID of a workload, or null when it is one. */
export function spiffeIdProblem(value: string): string | null {
  if (Buffer.byteLength(value, 'utf8') > maxSpiffeIdBytes) return `a SPIFFE ID is at most ${maxSpiffeIdBytes} bytes`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
  if (!scheme) return 'a SPIFFE ID starts with spiffe:// (like spiffe://cluster.local/ns/shop/sa/checkout)';
  if (scheme[1] !== 'spiffe') return `the scheme must be spiffe (lower case), not ${scheme[1]}`;
  const rest = value.slice(scheme[0].length);
  // The query and fragment are looked for first: a `?` or `#` may sit in the trust domain or the path.
  if (rest.includes('#')) return 'a SPIFFE ID has no fragment (#…)';
  if (rest.includes('?')) return 'a SPIFFE ID has no query (?…)';
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (authority.includes('@')) return 'a SPIFFE ID has no user info (…@) before the trust domain';
  if (authority.includes(':')) return 'a SPIFFE ID has no port: the trust domain is a name, not a host:port';
  if (authority === '') return 'the trust domain is missing (spiffe://<trust domain>/<path>)';
  if (authority.length > maxTrustDomainChars) return `the trust domain is at most ${maxTrustDomainChars} characters`;
  if (!trustDomainChars.test(authority)) return `the trust domain "${authority}" may hold only lower-case letters, digits, ".", "-" and "_"`;
  if (path === '' || path === '/') return 'a workload SPIFFE ID needs a path after the trust domain (like /ns/shop/sa/checkout)';
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') return 'the path has an empty segment (a doubled or trailing "/")';
    if (segment === '.' || segment === '..') return `the path may not have a "${segment}" segment`;
    if (!segmentChars.test(segment)) return `the path segment "${segment}" may hold only letters, digits, ".", "-" and "_" (no percent-encoding)`;
  }
  return null;
}

export const createWorkloadCredentialSchema = z.strictObject({
  spiffeId: z.string().superRefine((value, ctx) => {
    const problem = spiffeIdProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
});

type WorkloadCredentialRow = typeof appWorkloadCredentials.$inferSelect;

export const workloadCredentialView = (r: WorkloadCredentialRow) => ({
  id: r.id,
  appId: r.appId,
  type: 'workload' as const,
  spiffeId: r.spiffeId,
  createdAt: r.createdAt,
  revokedAt: r.revokedAt,
});
