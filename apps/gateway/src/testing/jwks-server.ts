import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { JwtAlgorithm } from '../identity/credential';

/** A key pair an issuer signs with, and its public half as published in the issuer's JWKS. */
export interface SigningKey {
  kid: string;
  alg: JwtAlgorithm;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export async function signingKey(alg: JwtAlgorithm, kid = `${alg.toLowerCase()}-${Math.random().toString(36).slice(2, 10)}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}

/** The public key as PEM: what an attacker would use as an HMAC secret in the HS256 confusion attack. */
export const publicPem = (key: SigningKey) => exportSPKI(key.publicKey);

export interface TokenOptions {
  /** Defaults: issued now, expiring in 5 minutes; `kid` the key's own (null: none in the header). */
  kid?: string | null;
  expiresIn?: number | string | null;
  notBefore?: number | string;
}

/** A token signed with `key` the way an identity provider signs it. */
export function signToken(key: SigningKey, claims: JWTPayload, o: TokenOptions = {}): Promise<string> {
  const kid = o.kid === undefined ? key.kid : o.kid;
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: key.alg, typ: 'JWT', ...(kid === null ? {} : { kid }) }).setIssuedAt();
  if (o.expiresIn !== null) jwt.setExpirationTime(o.expiresIn ?? '5m');
  if (o.notBefore !== undefined) jwt.setNotBefore(o.notBefore);
  return jwt.sign(key.privateKey);
}

/**
 * An issuer's JWKS endpoint on loopback. It counts the fetches it answers, can switch keys (rotation), fail
 * with a status, or hold its answers (an issuer too slow to wait for).
 */
export async function startJwksServer(initial: SigningKey[]) {
  let keys = initial;
  let failWith: number | null = null;
  let holding = false;
  const held: ServerResponse[] = [];
  const state = { requests: 0, pending: 0 };
  const answer = (res: ServerResponse) => {
    state.pending--;
    if (failWith !== null) res.writeHead(failWith, { 'content-type': 'text/plain' }).end('unavailable');
    else res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  };
  const server = createServer((req, res) => {
    state.requests++;
    state.pending++;
    if (holding) held.push(res);
    else answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get requests() {
      return state.requests;
    },
    /** Fetches received and not answered yet (while holding). */
    get pending() {
      return state.pending;
    },
    setKeys(next: SigningKey[]) {
      keys = next;
    },
    failWith(status: number | null) {
      failWith = status;
    },
    /** Holds every answer until `release()`. */
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const res of held.splice(0)) answer(res);
    },
    /** Resolves once the server has answered `n` fetches in all. */
    async answered(n: number, timeoutMs = 5_000): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (state.requests - state.pending < n) {
        if (Date.now() > until) throw new Error(`JWKS server answered ${state.requests - state.pending} fetches, expected ${n}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async close() {
      this.release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type JwksServer = Awaited<ReturnType<typeof startJwksServer>>;
