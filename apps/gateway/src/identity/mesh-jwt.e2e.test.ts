import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness';
import { callAs } from '../testing/identity-call';
import { restIds, restKeys, restSnapshot } from '../testing/rest-snapshot';
import { startRestUpstream, type RestUpstreamServer } from '../testing/rest-upstream';
import { audience, issuer, jwtFixture, type JwtFixture } from '../testing/jwt-fixture';

/**
 * Mesh-verified JWT identities (ADR 0033) through real gateways on loopback: Istio's `outputPayloadToHeader`
 * is played by the test, which sends base64url(JSON) in `x-jwt-payload`. The harness's peer is 127.0.0.1:
 * one gateway trusts it (127.0.0.0/8), the other trusts only 10.0.0.0/8, so there the same header is a forgery.
 * Both also take `outputClaimToHeaders`: the claims copied one per header (`x-jwt-iss`, …).
 */
const header = 'x-jwt-payload';
const claimHeaders = [
  { claim: 'iss', header: 'x-jwt-iss' },
  { claim: 'sub', header: 'x-jwt-sub' },
  { claim: 'aud', header: 'x-jwt-aud' },
  { claim: 'exp', header: 'X-Jwt-Exp' },
];
const mapped = ['x-jwt-iss', 'x-jwt-sub', 'x-jwt-aud', 'x-jwt-exp'];
let node: RestUpstreamServer;
let fx: JwtFixture;
let trusted: Awaited<ReturnType<typeof startTestGateway>>;
let untrusted: Awaited<ReturnType<typeof startTestGateway>>;

beforeAll(async () => {
  node = await startRestUpstream('a');
  fx = await jwtFixture();
  const snapshot = () =>
    fx.withCredentials(restSnapshot({ upstreams: [{ name: 'default', nodes: [{ url: node.url, weight: 1 }] }], apis: [{ path: '/items', methods: ['GET'] }] }));
  trusted = await startTestGateway(snapshot(), { trustedProxies: ['127.0.0.0/8', 'fd00::/8'], meshJwtPayloadHeader: 'X-JWT-Payload', meshJwtClaimHeaders: claimHeaders });
  untrusted = await startTestGateway(snapshot(), { trustedProxies: ['10.0.0.0/8'], meshJwtPayloadHeader: header, meshJwtClaimHeaders: claimHeaders });
});
afterAll(async () => {
  await trusted.close();
  await untrusted.close();
  await node.close();
  await fx.idp.close();
});

const inAnHour = () => Math.floor(Date.now() / 1_000) + 3_600;
/** What Envoy's jwt_authn writes: the verified token's payload, base64url without padding. */
const payload = (claims: Record<string, unknown>) => Buffer.from(JSON.stringify({ iss: issuer, aud: audience, sub: 'svc-approved', exp: inAnHour(), ...claims })).toString('base64url');

const call = (gateway: typeof trusted, path: string, headers: Record<string, string> = {}) => callAs(gateway, node, path, headers);

describe('from a trusted proxy', () => {
  it('identifies the app by the payload alone, records mesh-jwt:<credential>, and keeps the payload from the upstream', async () => {
    const r = await call(trusted, '/pets/items', { [header]: payload({}) });
    expect(r.status).toBe(200);
    expect(r.seen!.headers[header]).toBeUndefined();
    expect(r.seen!.headers).toMatchObject({ 'x-tollgate-app': restIds.app, 'x-tollgate-subscription': restIds.subscription });
    expect(await r.record()).toMatchObject({ status: 200, appId: restIds.app, keyId: null, keyPrefix: 'mesh-jwt:crd_approved0000' });
  });

  it('accepts padded standard base64 too, and the registered subject claim of an inline-keyed credential', async () => {
    const claims = { iss: 'https://inline.example.com', aud: 'inline-audience', client_id: 'inline-client', exp: inAnHour() };
    const padded = Buffer.from(JSON.stringify(claims)).toString('base64');
    const r = await call(trusted, '/pets/items', { [header]: padded });
    expect(r.status).toBe(200);
    expect((await r.record())!.keyPrefix).toBe('mesh-jwt:crd_inline000000');
  });

  it('serves the unified AI API by the payload too', async () => {
    const r = await call(trusted, '/v1/models', { [header]: payload({}) });
    expect(r.status).toBe(200);
    expect((await r.record())!.keyPrefix).toBe('mesh-jwt:crd_approved0000');
  });

  it("wins over another credential the request carries: the mesh's word is the identity", async () => {
    // The pending app's payload with the approved app's key: identified as the pending app, so refused as pending.
    const r = await call(trusted, '/pets/items', { [header]: payload({ sub: 'svc-pending' }), 'x-api-key': restKeys.approved });
    expect(r.status).toBe(403);
    expect(r.seen).toBeNull();
    expect(await r.record()).toMatchObject({ appId: 'app_pending000000000', keyPrefix: 'mesh-jwt:crd_pending00000' });
  });

  it.each([
    ['expired', { exp: Math.floor(Date.now() / 1_000) - 3_600 }, 'token_expired', /^Token expired at .* \(clock tolerance 30 s\)/],
    ['not yet valid', { nbf: inAnHour() }, 'token_not_yet_valid', /^Token is not valid before/],
    ['without exp', { exp: undefined }, 'invalid_token', /no "exp" claim/],
    ['of an unknown issuer', { iss: 'https://stranger.example.com' }, 'unknown_issuer', /Unknown token issuer "https:\/\/stranger\.example\.com"/],
    ['for another audience', { aud: 'https://elsewhere.example.com' }, 'invalid_audience', /Wrong token audience "https:\/\/elsewhere\.example\.com"/],
    ['of an unregistered subject', { sub: 'svc-nobody' }, 'unknown_subject', /"sub" = "svc-nobody" matches no app/],
  ])('refuses a payload %s with a 401 as for a token', async (_, claims, code, message) => {
    const r = await call(trusted, '/pets/items', { [header]: payload(claims) });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(r.wwwAuthenticate).toBe('Bearer error="invalid_token"');
    expect(r.seen).toBeNull();
  });

  it.each([
    ['not base64url', 'not base64!', /is not base64url/],
    ['not JSON', Buffer.from('{"iss": ').toString('base64url'), /does not decode to JSON/],
    ['a JSON array', Buffer.from('["iss"]').toString('base64url'), /is not a JSON object/],
    ['without iss', Buffer.from(JSON.stringify({ aud: audience, sub: 'svc-approved', exp: inAnHour() })).toString('base64url'), /has no "iss"/],
    ['empty', '', /is empty/],
  ])('refuses a malformed payload (%s) with a 401 naming the problem', async (_, value, problem) => {
    const r = await call(trusted, '/pets/items', { [header]: value });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('invalid_token');
    expect(r.body.error.message).toMatch(/^Malformed mesh JWT payload in the "x-jwt-payload" header: /);
    expect(r.body.error.message).toMatch(problem);
    expect(r.seen).toBeNull();
  });

  it('still takes the usual credential when the mesh sent neither payload nor claim headers', async () => {
    const r = await call(trusted, '/pets/items', { 'x-api-key': restKeys.approved });
    expect(r.status).toBe(200);
    expect((await r.record())!.keyPrefix).not.toMatch(/^mesh-jwt:/);
  });
});

describe('from an untrusted peer', () => {
  it('ignores the payload: the usual credential is required', async () => {
    const r = await call(untrusted, '/pets/items', { [header]: payload({}) });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 'invalid_api_key', message: expect.stringMatching(/^Missing API key/) });
    expect(r.seen).toBeNull();
  });

  it('identifies by the key it carries, and strips the forged payload before the upstream', async () => {
    // The pending app's payload would be refused; ignored, the approved app's key decides.
    const r = await call(untrusted, '/pets/items', { [header]: payload({ sub: 'svc-pending' }), 'x-api-key': restKeys.approved });
    expect(r.status).toBe(200);
    expect(r.seen!.headers[header]).toBeUndefined();
    expect(r.seen!.headers['x-tollgate-app']).toBe(restIds.app);
    expect((await r.record())!.keyPrefix).not.toMatch(/^mesh-jwt:/);
  });

  it('does not even parse it: a malformed payload is no error', async () => {
    const r = await call(untrusted, '/pets/items', { [header]: 'not base64!', 'x-api-key': restKeys.approved });
    expect(r.status).toBe(200);
    expect(r.seen!.headers[header]).toBeUndefined();
  });
});

/** What Envoy's jwt_authn writes for a verified token; `undefined` leaves a header out. */
const claims = (over: Record<string, string | undefined> = {}) => {
  const all: Record<string, string | undefined> = { 'x-jwt-iss': issuer, 'x-jwt-sub': 'svc-approved', 'x-jwt-aud': audience, 'x-jwt-exp': String(inAnHour()), ...over };
  return Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
};

describe('claim headers from a trusted proxy', () => {
  it('identifies the app by the claim headers, records mesh-jwt:<credential>, and keeps them from the upstream', async () => {
    const r = await call(trusted, '/pets/items', claims());
    expect(r.status).toBe(200);
    for (const name of mapped) expect(r.seen!.headers[name], name).toBeUndefined();
    expect(r.seen!.headers).toMatchObject({ 'x-tollgate-app': restIds.app, 'x-tollgate-subscription': restIds.subscription });
    expect(await r.record()).toMatchObject({ status: 200, appId: restIds.app, keyId: null, keyPrefix: 'mesh-jwt:crd_approved0000' });
  });

  it('reads a list audience as Envoy joins it, with commas', async () => {
    const r = await call(trusted, '/pets/items', claims({ 'x-jwt-aud': `https://elsewhere.example.com,${audience}` }));
    expect(r.status).toBe(200);
  });

  it('takes the whole payload over the claim headers when the mesh sends both', async () => {
    // The payload names the pending app, the headers the approved one: the payload decides, so pending.
    const r = await call(trusted, '/pets/items', { ...claims(), [header]: payload({ sub: 'svc-pending' }) });
    expect(r.status).toBe(403);
    expect(await r.record()).toMatchObject({ appId: 'app_pending000000000', keyPrefix: 'mesh-jwt:crd_pending00000' });
  });

  it.each([
    ['without exp', { 'x-jwt-exp': undefined }, 'invalid_token', /no "exp" claim/],
    ['with an exp that is no integer', { 'x-jwt-exp': '1900000000.5' }, 'invalid_token', /^Malformed mesh JWT claim in the "x-jwt-exp" header: "exp" must be a whole number of seconds, not "1900000000\.5"/],
    ['expired', { 'x-jwt-exp': String(Math.floor(Date.now() / 1_000) - 3_600) }, 'token_expired', /^Token expired at /],
    ['without iss', { 'x-jwt-iss': undefined }, 'invalid_token', /^Malformed mesh JWT claim in the "x-jwt-iss" header: it has no "iss" \(issuer\) claim/],
    ['of an unknown issuer', { 'x-jwt-iss': 'https://stranger.example.com' }, 'unknown_issuer', /Unknown token issuer "https:\/\/stranger\.example\.com"/],
    ['for another audience', { 'x-jwt-aud': 'https://elsewhere.example.com' }, 'invalid_audience', /Wrong token audience "https:\/\/elsewhere\.example\.com"/],
    ['of an unregistered subject', { 'x-jwt-sub': 'svc-nobody' }, 'unknown_subject', /"sub" = "svc-nobody" matches no app/],
  ])('refuses claims %s with a 401 as for a token, before the upstream', async (_, over, code, message) => {
    const r = await call(trusted, '/pets/items', claims(over));
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(r.wwwAuthenticate).toBe('Bearer error="invalid_token"');
    expect(r.seen).toBeNull();
  });
});

describe('claim headers from an untrusted peer', () => {
  it('ignores the claim headers: the usual credential is required', async () => {
    const r = await call(untrusted, '/pets/items', claims());
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 'invalid_api_key', message: expect.stringMatching(/^Missing API key/) });
    expect(r.seen).toBeNull();
  });

  it('identifies by the key it carries, and strips every forged claim header before the upstream', async () => {
    // Malformed and naming the pending app: ignored all the same, the approved app's key decides.
    const r = await call(untrusted, '/pets/items', { ...claims({ 'x-jwt-sub': 'svc-pending', 'x-jwt-exp': 'never' }), 'x-api-key': restKeys.approved });
    expect(r.status).toBe(200);
    for (const name of mapped) expect(r.seen!.headers[name], name).toBeUndefined();
    expect(r.seen!.headers['x-tollgate-app']).toBe(restIds.app);
    expect((await r.record())!.keyPrefix).not.toMatch(/^mesh-jwt:/);
  });
});
