import { importJWK, type CryptoKey, type JWK } from 'jose';
import type { JwtAlgorithm } from './credential';

/** What a key source answers for a token's `kid` and `alg`: keys to try, or why there are none. */
export type KeyLookup = { ok: true; keys: CryptoKey[] } | { ok: false; reason: 'jwks_unavailable' | 'unknown_key' };

/** Where a JWT credential's verification keys come from: a JWKS URL (cached) or keys registered inline. */
export interface KeySource {
  lookup(kid: string | undefined, alg: JwtAlgorithm): Promise<KeyLookup>;
}

/**
 * Whether a JWK can verify `alg` at all. The key type must fit the algorithm, so a token cannot pick how a
 * key is used (an RSA key as an HMAC secret, say); `alg`, `use` and `key_ops`, when the JWK sets them, must
 * agree too.
 */
function fits(jwk: JWK, alg: JwtAlgorithm): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) return false;
  if (alg === 'RS256') return jwk.kty === 'RSA';
  if (alg === 'ES256') return jwk.kty === 'EC' && jwk.crv === 'P-256';
  return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
}

/** Private members a published JWK should not carry; dropped so only the public half is ever imported. */
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

function publicJwk(value: unknown): JWK | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const jwk = { ...(value as JWK) };
  if (typeof jwk.kty !== 'string' || jwk.kty === 'oct') return null;
  for (const member of privateMembers) delete (jwk as Record<string, unknown>)[member];
  return jwk;
}

/**
 * One version of an issuer's keys, indexed by `kid`. Imported keys are cached on the set, so a refresh that
 * drops a key also drops its imported form: a removed key stops verifying as soon as the new set is in.
 */
export class KeySet {
  readonly #byKid = new Map<string, JWK[]>();
  readonly #all: JWK[] = [];
  readonly #imported = new Map<JWK, Map<JwtAlgorithm, Promise<CryptoKey | null>>>();

  constructor(keys: readonly unknown[]) {
    for (const raw of keys) {
      const jwk = publicJwk(raw);
      if (!jwk) continue;
      this.#all.push(jwk);
      const kid = typeof jwk.kid === 'string' ? jwk.kid : '';
      const list = this.#byKid.get(kid);
      if (list) list.push(jwk);
      else this.#byKid.set(kid, [jwk]);
    }
  }

  get size(): number {
    return this.#all.length;
  }

  /** The keys that may have signed a token: those with its `kid`, or every fitting key when it names none. */
  candidates(kid: string | undefined, alg: JwtAlgorithm): JWK[] {
    const pool = kid === undefined ? this.#all : (this.#byKid.get(kid) ?? []);
    return pool.filter((jwk) => fits(jwk, alg));
  }

  /** The imported keys for `candidates`; a JWK that does not import (bad parameters) is skipped. */
  async keys(candidates: readonly JWK[], alg: JwtAlgorithm): Promise<CryptoKey[]> {
    const keys = await Promise.all(candidates.map((jwk) => this.#import(jwk, alg)));
    return keys.filter((k): k is CryptoKey => k !== null);
  }

  #import(jwk: JWK, alg: JwtAlgorithm): Promise<CryptoKey | null> {
    let byAlg = this.#imported.get(jwk);
    if (!byAlg) this.#imported.set(jwk, (byAlg = new Map()));
    let key = byAlg.get(alg);
    if (!key) {
      key = importJWK(jwk, alg).then(
        (k) => (k instanceof Uint8Array ? null : k),
        () => null,
      );
      byAlg.set(alg, key);
    }
    return key;
  }
}

/** Keys an app registered with its credential instead of a JWKS URL: fixed until the credential changes. */
export class InlineKeys implements KeySource {
  readonly #set: KeySet;

  constructor(keys: readonly unknown[]) {
    this.#set = new KeySet(keys);
  }

  async lookup(kid: string | undefined, alg: JwtAlgorithm): Promise<KeyLookup> {
    const keys = await this.#set.keys(this.#set.candidates(kid, alg), alg);
    return keys.length > 0 ? { ok: true, keys } : { ok: false, reason: 'unknown_key' };
  }
}
