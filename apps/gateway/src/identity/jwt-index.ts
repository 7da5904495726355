import type { SnapshotJwtCredential } from '@tollgate/domain';
import { sharedJwks, type JwksRegistry } from './jwks-cache';
import { InlineKeys, type KeySource } from './key-set';

/** Credentials of one issuer that share a key source: one signature check serves them all. */
export interface CredentialGroup {
  source: KeySource;
  credentials: SnapshotJwtCredential[];
}

/** A snapshot's JWT credentials by issuer, built once per revision. */
export interface JwtIndex {
  readonly byIssuer: ReadonlyMap<string, readonly CredentialGroup[]>;
}

/**
 * Indexes the JWT credentials of a snapshot and starts fetching every JWKS URL it brings that the process does
 * not already hold, so the first call with a token finds its keys. Several apps may register the same issuer
 * (with different subjects or audiences); they are told apart after the signature is checked.
 */
export function buildJwtIndex(credentials: readonly SnapshotJwtCredential[], registry: JwksRegistry = sharedJwks): JwtIndex {
  const byIssuer = new Map<string, CredentialGroup[]>();
  const index: JwtIndex = { byIssuer };
  const inline = new Map<string, InlineKeys>();
  // By id, so which of two identically registered credentials wins does not depend on the snapshot's order.
  const sorted = [...credentials].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const credential of sorted) {
    let source: KeySource;
    if (credential.jwksUrl) source = registry.cacheFor(credential.jwksUrl, index);
    else if (credential.keys?.length) {
      const text = JSON.stringify(credential.keys);
      let keys = inline.get(text);
      if (!keys) inline.set(text, (keys = new InlineKeys(credential.keys)));
      source = keys;
    } else continue;
    let groups = byIssuer.get(credential.issuer);
    if (!groups) byIssuer.set(credential.issuer, (groups = []));
    let group = groups.find((g) => g.source === source);
    if (!group) groups.push((group = { source, credentials: [] }));
    group.credentials.push(credential);
  }
  return index;
}
