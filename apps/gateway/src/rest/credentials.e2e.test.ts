import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startTestGateway } from '../testing/gateway-harness';
import { restIds, restKeys, restSnapshot } from '../testing/rest-snapshot';
import { startRestUpstream, type RestUpstreamServer } from '../testing/rest-upstream';
import { jwtFixture, waitForFetch, type JwtFixture } from '../testing/jwt-fixture';
import { sharedJwks } from '../identity/jwks-cache';

/**
 * Consumer credentials on the REST path: an API key from the service's own header or query parameter, and a
 * JWT from an identity provider's JWKS on loopback. Whichever it was, the upstream never sees it.
 */
let node: RestUpstreamServer;
let fx: JwtFixture;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;

beforeAll(async () => {
  node = await startRestUpstream('a');
  fx = await jwtFixture();
  gateway = await startTestGateway(
    fx.withCredentials(
      restSnapshot({
        upstreams: [{ name: 'default', nodes: [{ url: node.url, weight: 1 }] }],
        apis: [{ path: '/items', methods: ['GET'] }],
        keyLocations: { header: 'x-pets-key', query: 'api_key' },
      }),
    ),
  );
  await waitForFetch(() => sharedJwks.get(fx.idp.url));
});
afterAll(async () => {
  await gateway.close();
  await node.close();
  await fx.idp.close();
});

async function call(path: string, headers: Record<string, string> = {}) {
  const before = node.requests.length;
  const res = await request(`${gateway.url}${path}`, { headers });
  const text = await res.body.text();
  const seen = node.requests.length > before ? node.requests.at(-1)! : null;
  return { status: res.statusCode, body: JSON.parse(text) as Record<string, any>, seen, requestId: String(res.headers['x-request-id']) };
}

describe('API keys in the service’s own places', () => {
  it('takes the key from the configured header, bare or as Bearer, and strips it', async () => {
    for (const value of [restKeys.approved, `Bearer ${restKeys.approved}`]) {
      const r = await call('/pets/items', { 'x-pets-key': value });
      expect(r.status).toBe(200);
      expect(r.seen!.headers['x-pets-key']).toBeUndefined();
      expect(r.seen!.headers['x-tollgate-app']).toBe(restIds.app);
    }
  });

  it('takes the key from the configured query parameter, and removes it from the URL the upstream gets', async () => {
    const r = await call(`/pets/items?color=red&api_key=${restKeys.approved}&size=2`);
    expect(r.status).toBe(200);
    expect(r.seen!.url).toBe('/items?color=red&size=2');
  });

  it('names the places a key may be sent when none is', async () => {
    const r = await call('/pets/items');
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({
      code: 'invalid_api_key',
      message: 'Missing API key: send it as "Authorization: Bearer <key or token>", the "x-pets-key" header or the "api_key" query parameter.',
      requestId: r.requestId,
    });
    expect(r.seen).toBeNull();
  });

  it("gives another team's key nothing, wherever it is sent", async () => {
    for (const r of [await call('/pets/items', { 'x-pets-key': restKeys.otherTeam }), await call(`/pets/items?api_key=${restKeys.otherTeam}`)]) {
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('not_subscribed');
      expect(r.seen).toBeNull();
    }
  });
});

describe('JWT on a REST API', () => {
  it('identifies the app by its token, forwards its identity and never the token', async () => {
    const token = await fx.token(fx.keys.ec);
    const r = await call('/pets/items', { authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    expect(r.seen!.headers.authorization).toBeUndefined();
    expect(r.seen!.headers).toMatchObject({ 'x-tollgate-app': restIds.app, 'x-tollgate-subscription': restIds.subscription });
    expect(JSON.stringify(r.seen!.headers)).not.toContain(token);
    const record = (await gateway.flushed()).find((x) => x.requestId === r.requestId);
    expect(record).toMatchObject({ status: 200, appId: restIds.app, keyId: null, keyPrefix: 'jwt:crd_approved0000', api: 'rest:api_test00000000' });
  });

  it('takes a JWT from the service’s key header too', async () => {
    const r = await call('/pets/items', { 'x-pets-key': await fx.token(fx.keys.ed) });
    expect(r.status).toBe(200);
    expect(r.seen!.headers['x-pets-key']).toBeUndefined();
  });

  it('refuses an expired token with 401 saying so, in the REST shape, before the upstream', async () => {
    const expired = await fx.token(fx.keys.rsa, {}, { expiresIn: Math.floor(Date.now() / 1000) - 3_600 });
    const r = await call('/pets/items', { authorization: `Bearer ${expired}` });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('token_expired');
    expect(r.body.error.message).toMatch(/expired/);
    expect(r.body.error.requestId).toBe(r.requestId);
    expect(r.seen).toBeNull();
  });

  it('refuses the pending app’s token with the subscription’s 403', async () => {
    const r = await call('/pets/items', { authorization: `Bearer ${await fx.token(fx.keys.rsa, { sub: 'svc-pending' })}` });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('subscription_pending');
    expect(r.seen).toBeNull();
  });
});
