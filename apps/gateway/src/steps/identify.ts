import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { KeyLocations, SnapshotApp, SnapshotJwtCredential } from '@tollgate/domain';
import type { GatewayEnv } from '../env';
import { GatewayError } from '../errors';
import { requestHeader } from '../http/node-request';
import type { Credential, CredentialLocation } from '../identity/credential';
import { jwtHeaderOf, tokenError, verifyJwt } from '../identity/jwt-verify';
import { meshClaimHeadersCredential, meshJwtCredential } from '../identity/mesh-jwt';
import { xfccHeader, xfccSpiffeId, XfccSyntaxError } from '../identity/xfcc';
import type { GatewayConfig } from '../snapshot/gateway-config';

const unauthorized = (message: string) => new GatewayError(401, 'invalid_request_error', 'invalid_api_key', message);

/** A credential as the caller presented it, and where, so the REST path can keep it from the upstream. */
export interface PresentedCredential {
  secret: string;
  location: CredentialLocation;
}

export interface CredentialSources {
  header: (name: string) => string | undefined;
  /** A REST service's own key header and query parameter, tried after the standard two. */
  rest?: KeyLocations | null;
  query?: (name: string) => string | undefined;
}

const bearer = /^Bearer\s+(\S+)$/i;

/**
 * The caller's credential: `Authorization: Bearer` (OpenAI SDK), `x-api-key` (Anthropic SDK), then a REST
 * service's configured header and query parameter. Another `Authorization` scheme (Basic) is not ours: the
 * other places are still looked at, and it is not reported as the credential's location.
 */
export function presentedCredential({ header, rest, query }: CredentialSources): PresentedCredential | null {
  const auth = header('authorization');
  const fromAuth = auth ? bearer.exec(auth)?.[1] : undefined;
  if (fromAuth) return { secret: fromAuth, location: { header: 'authorization' } };
  const apiKey = header('x-api-key')?.trim();
  if (apiKey) return { secret: apiKey, location: { header: 'x-api-key' } };
  if (rest?.header) {
    const name = rest.header.toLowerCase();
    const value = header(name)?.trim();
    // A service may name a header that clients fill as `Bearer <key>` or with the bare key.
    const secret = value ? (bearer.exec(value)?.[1] ?? value) : undefined;
    if (secret) return { secret, location: { header: name } };
  }
  if (rest?.query && query) {
    const secret = query(rest.query)?.trim();
    if (secret) return { secret, location: { query: rest.query } };
  }
  return null;
}

/** The secret alone, for callers that do not need where it came from. */
export function presentedKey(get: (name: string) => string | undefined, rest?: KeyLocations | null, query?: (name: string) => string | undefined): string | null {
  return presentedCredential({ header: get, rest, query })?.secret ?? null;
}

function missingCredential(rest: KeyLocations | null | undefined): GatewayError {
  const places = ['"Authorization: Bearer <key or token>"'];
  if (rest?.header) places.push(`the "${rest.header}" header`);
  if (rest?.query) places.push(`the "${rest.query}" query parameter`);
  const last = places.pop();
  return unauthorized(`Missing API key: send it as ${places.length ? `${places.join(', ')} or ${last}` : last}.`);
}

interface Identity {
  credential: Credential;
  app: SnapshotApp;
  keyId: string | null;
}

/** By the SHA-256 of the key, looked up in the snapshot: no database, no secret in memory. */
function keyIdentity(secret: string, config: GatewayConfig, now: number): Identity {
  const key = config.keysByHash.get(createHash('sha256').update(secret).digest('hex'));
  // A revoked key is absent from the snapshot, so it reads as unknown.
  if (!key) throw unauthorized('Invalid API key: it is unknown or was revoked.');
  if (key.expiresAt !== null && key.expiresAt <= now) throw unauthorized(`API key ${key.prefix}… has expired; create a new one in the portal.`);
  const app = config.apps.get(key.appId);
  if (!app) throw unauthorized('Invalid API key: its app no longer exists.');
  return { credential: { kind: 'key', id: key.id, prefix: key.prefix }, app, keyId: key.id };
}

async function jwtIdentity(token: string, header: NonNullable<ReturnType<typeof jwtHeaderOf>>, config: GatewayConfig, now: number): Promise<Identity> {
  const registered = await verifyJwt(token, header, config.jwt, now);
  const app = config.apps.get(registered.appId);
  if (!app) throw tokenError('unknown_subject', 'Token subject not registered: the app of its JWT credential no longer exists.');
  return { credential: { kind: 'jwt', id: registered.id, prefix: `jwt:${registered.id}` }, app, keyId: null };
}

/** Claims Istio verified (ADR 0033), as a payload or one per header: named as for a token, with its own prefix. */
function meshJwtIdentity(registered: SnapshotJwtCredential, config: GatewayConfig): Identity {
  const app = config.apps.get(registered.appId);
  if (!app) throw tokenError('unknown_subject', 'Token subject not registered: the app of its JWT credential no longer exists.');
  return { credential: { kind: 'jwt', id: registered.id, prefix: `mesh-jwt:${registered.id}` }, app, keyId: null };
}

/**
 * A workload the mesh verified (ADR 0033): the SPIFFE ID of the last `x-forwarded-client-cert` element, which the
 * proxy nearest the gateway wrote, names the app by its workload credential. No SPIFFE URI there (a certificate
 * without one): no credential at all, the usual 401.
 */
function workloadIdentity(xfcc: string, config: GatewayConfig, rest: KeyLocations | null | undefined): Identity {
  let spiffeId: string | null;
  try {
    spiffeId = xfccSpiffeId(xfcc);
  } catch (err) {
    if (!(err instanceof XfccSyntaxError)) throw err;
    throw new GatewayError(401, 'invalid_request_error', 'invalid_workload_identity', `Malformed "${xfccHeader}" header from the mesh: ${err.message}.`);
  }
  if (spiffeId === null) throw missingCredential(rest);
  const registered = config.workloads.get(spiffeId);
  // The ID comes from the mesh's verified certificate, and names what the operator must register.
  if (!registered) throw new GatewayError(401, 'invalid_request_error', 'unknown_workload', `Unknown workload ${spiffeId}: no app has registered this SPIFFE ID as a workload credential.`);
  const app = config.apps.get(registered.appId);
  if (!app) throw new GatewayError(401, 'invalid_request_error', 'unknown_workload', `Unknown workload ${spiffeId}: the app of its workload credential no longer exists.`);
  return { credential: { kind: 'workload', id: registered.id, prefix: `spiffe:${registered.id}` }, app, keyId: null };
}

function presentedIdentity(c: Context<GatewayEnv>, config: GatewayConfig, now: number): Identity | Promise<Identity> {
  const rest = c.get('restService')?.keyLocations;
  const presented = presentedCredential({ header: (name) => requestHeader(c, name), rest, query: (name) => c.req.query(name) });
  if (!presented) {
    // Set only from a trusted peer with workload identities on: a key or token the caller sent wins over it.
    const xfcc = c.get('workloadXfcc');
    if (xfcc !== undefined) return workloadIdentity(xfcc, config, rest);
    throw missingCredential(rest);
  }
  c.set('credentialLocation', presented.location);
  const jwtHeader = jwtHeaderOf(presented.secret);
  return jwtHeader ? jwtIdentity(presented.secret, jwtHeader, config, now) : keyIdentity(presented.secret, config, now);
}

/**
 * The identify step: a mesh-verified JWT payload, else mesh-verified claim headers, from a trusted proxy (when
 * configured), else an API key or a JWT (a secret that parses as one), else a trusted proxy's client
 * certificate SPIFFE ID (when configured) names the calling app. Sets `credential`, `credentialLocation` (not for a workload: the certificate header
 * is the mesh's, not a secret) and `app`; the call record gets the key id (null otherwise) and the
 * credential's prefix (`jwt:<credential id>` for a JWT, `mesh-jwt:<credential id>` for a mesh-verified one,
 * `spiffe:<credential id>` for a workload).
 */
export function identifyStep(now: () => number = Date.now): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const config = c.get('config');
    // Set by the context step only for a trusted peer: the mesh's word wins over whatever else was sent.
    // The whole payload wins over claims copied one per header when a request carries both.
    const meshPayload = c.get('meshJwtPayload');
    const meshClaims = c.get('meshJwtClaimValues');
    let identity: Identity;
    if (meshPayload !== undefined) {
      const header = c.get('meshJwtPayloadHeader')!;
      c.set('credentialLocation', { header });
      identity = meshJwtIdentity(meshJwtCredential(meshPayload, header, config.jwt, now()), config);
    } else if (meshClaims !== undefined) {
      const issHeader = c.get('meshJwtClaimHeaders')!.find((m) => m.claim === 'iss')!.header;
      c.set('credentialLocation', { header: issHeader });
      identity = meshJwtIdentity(meshClaimHeadersCredential(meshClaims, issHeader, config.jwt, now()), config);
    } else identity = await presentedIdentity(c, config, now());
    const { credential, app, keyId } = identity;
    const call = c.get('call');
    call.record.keyId = keyId;
    call.record.keyPrefix = credential.prefix;
    call.record.appId = app.id;
    call.record.teamId = app.teamId;
    c.set('credential', credential);
    c.set('app', app);
    await next();
  };
}
