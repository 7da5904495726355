import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import type { SnapshotRestService } from '@tollgate/domain';
import type { GatewayEnv } from '../env';
import { renderGatewayError } from '../errors';
import { indexSnapshot } from '../snapshot/gateway-config';
import { startTestGateway } from '../testing/gateway-harness';
import { signingKey, signToken, type SigningKey } from '../testing/jwks-server';
import { testKeys, testSnapshot } from '../testing/test-snapshot';
import type { TraceContext } from './context';
import { identifyStep, presentedCredential, presentedKey } from './identify';
import { CallDraft } from './meter';

// Identification happens before the body is read, so these requests never reach a provider.
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const expiredKey = 'tg_test_key_expired_00001';

beforeAll(async () => {
  const data = testSnapshot({ providerUrl: 'http://127.0.0.1:9/v1' });
  data.keys.push({ id: 'key_expired000', appId: 'app_approved000000000', hash: createHash('sha256').update(expiredKey).digest('hex'), prefix: 'tg_test_key_', expiresAt: Date.now() - 1 });
  gateway = await startTestGateway(data);
});
afterAll(() => gateway.close());

const call = (headers: Record<string, string>) =>
  gateway.app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"model":"nope","messages":[]}' });

describe('identify', () => {
  it('accepts the key as a Bearer token or as x-api-key (the Anthropic SDK header)', async () => {
    // Past identify, the unknown model is the next refusal: 404, not 401.
    expect((await call({ authorization: `Bearer ${testKeys.approved}` })).status).toBe(404);
    expect((await call({ 'x-api-key': testKeys.approved })).status).toBe(404);
  });

  it.each([
    [{}, /Missing API key/],
    [{ authorization: 'Basic dXNlcjpwdw==' }, /Missing API key/],
    [{ authorization: 'Bearer tg_unknown' }, /unknown or was revoked/],
    [{ authorization: `Bearer ${expiredKey}` }, /has expired/],
  ])('refuses %o with 401 and says why', async (headers, message) => {
    const res = await call(headers as Record<string, string>);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_api_key');
    expect(body.error.message).toMatch(message);
  });
});

describe('presentedCredential', () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  const rest = { header: 'X-Pets-Key', query: 'api_key' };
  const query = (q: Record<string, string>) => (name: string) => q[name];

  it('reads Bearer first, then x-api-key, and says where it found the credential', () => {
    expect(presentedCredential({ header: headers({ authorization: 'Bearer tg_a', 'x-api-key': 'tg_b' }) })).toEqual({ secret: 'tg_a', location: { header: 'authorization' } });
    expect(presentedCredential({ header: headers({ 'x-api-key': ' tg_b ' }) })).toEqual({ secret: 'tg_b', location: { header: 'x-api-key' } });
    expect(presentedKey(headers({ authorization: 'Bearer tg_a' }))).toBe('tg_a');
  });

  it("reads a REST service's configured header (bare or Bearer) and query parameter, after the standard places", () => {
    expect(presentedCredential({ header: headers({ 'x-pets-key': 'tg_c' }), rest, query: query({}) })).toEqual({ secret: 'tg_c', location: { header: 'x-pets-key' } });
    expect(presentedCredential({ header: headers({ 'x-pets-key': 'Bearer tg_c' }), rest })).toEqual({ secret: 'tg_c', location: { header: 'x-pets-key' } });
    expect(presentedCredential({ header: headers({}), rest, query: query({ api_key: 'tg_d' }) })).toEqual({ secret: 'tg_d', location: { query: 'api_key' } });
    expect(presentedCredential({ header: headers({ 'x-api-key': 'tg_b' }), rest, query: query({ api_key: 'tg_d' }) })).toEqual({ secret: 'tg_b', location: { header: 'x-api-key' } });
    expect(presentedKey(headers({}), rest, query({ api_key: 'tg_d' }))).toBe('tg_d');
  });

  it("leaves another Authorization scheme alone (it may be the upstream's) and looks elsewhere", () => {
    expect(presentedCredential({ header: headers({ authorization: 'Basic dXNlcjpwdw==', 'x-pets-key': 'tg_c' }), rest })).toEqual({ secret: 'tg_c', location: { header: 'x-pets-key' } });
    expect(presentedCredential({ header: headers({ authorization: 'Basic dXNlcjpwdw==' }), rest, query: query({}) })).toBeNull();
  });

  it('ignores configured places when the call is not for a REST service', () => {
    expect(presentedCredential({ header: headers({ 'x-pets-key': 'tg_c' }), query: query({ api_key: 'tg_d' }) })).toBeNull();
  });
});

describe('identify on a REST call (restService set on the context)', () => {
  const trace: TraceContext = { traceId: '0'.repeat(32), spanId: '1'.repeat(16), parentSpanId: null, sampled: false, traceparent: '', headers: {} };
  let app: Hono<GatewayEnv>;
  let inlineKey: SigningKey;

  beforeAll(async () => {
    inlineKey = await signingKey('EdDSA', 'pets-1');
    const data = testSnapshot({ providerUrl: 'http://127.0.0.1:9/v1' });
    data.jwtCredentials.push({
      id: 'crd_pets00000000',
      appId: 'app_approved000000000',
      issuer: 'https://pets-idp.example.com',
      jwksUrl: null,
      keys: [inlineKey.jwk as Record<string, unknown>],
      audiences: ['pets'],
      subjectClaim: 'sub',
      subject: 'pet-shop',
      algorithms: ['EdDSA'],
    });
    const config = indexSnapshot(data);
    const restService: SnapshotRestService = {
      serviceId: 'svc_pets0000000',
      hosts: [],
      upstreams: [],
      traffic: { split: [], pin: null, mirror: null },
      cors: null,
      keyLocations: { header: 'X-Pets-Key', query: 'api_key' },
    };
    app = new Hono<GatewayEnv>();
    app.use('*', async (c, next) => {
      c.set('config', config);
      c.set('call', new CallDraft('req_identify_test', c.req.method, c.req.path, trace));
      c.set('restService', restService);
      await next();
    });
    app.get('/pets/*', identifyStep(), (c) =>
      c.json({ credential: c.get('credential'), location: c.get('credentialLocation'), app: c.get('app').id, keyPrefix: c.get('call').record.keyPrefix }),
    );
    app.onError((err, c) => renderGatewayError(err, c));
  });

  it('identifies an API key from the configured header and reports the header to strip', async () => {
    const res = await app.request('/pets/1', { headers: { 'x-pets-key': testKeys.approved } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      credential: { kind: 'key', id: 'key_approved000', prefix: testKeys.approved.slice(0, 12) },
      location: { header: 'x-pets-key' },
      app: 'app_approved000000000',
      keyPrefix: testKeys.approved.slice(0, 12),
    });
  });

  it('identifies an API key from the configured query parameter and reports the parameter to strip', async () => {
    const res = await app.request(`/pets/1?color=red&api_key=${testKeys.approved}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ credential: { kind: 'key', id: 'key_approved000' }, location: { query: 'api_key' } });
  });

  it('identifies a JWT from the configured query parameter as its JWT credential', async () => {
    const token = await signToken(inlineKey, { iss: 'https://pets-idp.example.com', aud: 'pets', sub: 'pet-shop' });
    const res = await app.request(`/pets/1?api_key=${token}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      credential: { kind: 'jwt', id: 'crd_pets00000000', prefix: 'jwt:crd_pets00000000' },
      location: { query: 'api_key' },
      app: 'app_approved000000000',
      keyPrefix: 'jwt:crd_pets00000000',
    });
  });

  it('names every place a key may be when none was sent, in the REST error shape', async () => {
    const res = await app.request('/pets/1', { headers: { authorization: 'Basic dXNlcjpwdw==' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: {
        code: 'invalid_api_key',
        message: 'Missing API key: send it as "Authorization: Bearer <key or token>", the "X-Pets-Key" header or the "api_key" query parameter.',
        requestId: expect.any(String),
      },
    });
  });
});
