import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialId, SnapshotData } from '@tollgate/domain';
import { parseGatewayConfig } from '../config';
import { startTestGateway } from '../testing/gateway-harness';
import { callAs } from '../testing/identity-call';
import { restIds, restKeys, restSnapshot, type RestSnapshotOptions } from '../testing/rest-snapshot';
import { startRestUpstream, type RestUpstreamServer } from '../testing/rest-upstream';

/**
 * Workload identities from `x-forwarded-client-cert` (ADR 0033) through real gateways on loopback: the test plays
 * the Istio sidecar that verified the caller's mTLS certificate. The harness's peer is 127.0.0.1: one gateway
 * trusts it (127.0.0.0/8), another trusts only 10.0.0.0/8, so there the same header is a forgery.
 */
const checkout = 'spiffe://cluster.local/ns/shop/sa/checkout';
const pendingWorkload = 'spiffe://cluster.local/ns/shop/sa/pending';
const gatewayId = 'spiffe://cluster.local/ns/tollgate/sa/gateway';
/** What an Istio sidecar writes for a caller: By (itself), Hash, an empty quoted Subject, the caller's URI SAN. */
const xfcc = (uri: string) => `By=${gatewayId};Hash=4d2f0e6c;Subject="";URI=${uri}`;

let node: RestUpstreamServer;
let trusted: Awaited<ReturnType<typeof startTestGateway>>;
let untrusted: Awaited<ReturnType<typeof startTestGateway>>;
let off: Awaited<ReturnType<typeof startTestGateway>>;

function snapshot(o: Partial<RestSnapshotOptions> = {}): SnapshotData {
  const data = restSnapshot({ upstreams: [{ name: 'default', nodes: [{ url: node.url, weight: 1 }] }], apis: [{ path: '/items', methods: ['GET'] }], ...o });
  data.workloadCredentials.push(
    { id: 'crd_workload0000' as CredentialId, appId: restIds.app, spiffeId: checkout },
    { id: 'crd_wlpending000' as CredentialId, appId: 'app_pending000000000', spiffeId: pendingWorkload },
  );
  return data;
}

beforeAll(async () => {
  node = await startRestUpstream('a');
  trusted = await startTestGateway(snapshot(), { trustedProxies: ['127.0.0.0/8', 'fd00::/8'], workloadIdentity: 'xfcc' });
  untrusted = await startTestGateway(snapshot(), { trustedProxies: ['10.0.0.0/8'], workloadIdentity: 'xfcc' });
  off = await startTestGateway(snapshot(), { trustedProxies: ['127.0.0.0/8'] });
});
afterAll(async () => {
  await Promise.all([trusted.close(), untrusted.close(), off.close()]);
  await node.close();
});

const call = (gateway: typeof trusted, path: string, headers: Record<string, string> = {}) => callAs(gateway, node, path, headers);

describe('from a trusted proxy', () => {
  it('names the app by the SPIFFE ID alone, and the record names the workload credential', async () => {
    const header = xfcc(checkout);
    const r = await call(trusted, '/pets/items', { 'x-forwarded-client-cert': header });
    expect(r.status).toBe(200);
    expect(r.seen!.headers).toMatchObject({ 'x-tollgate-app': restIds.app, 'x-tollgate-subscription': restIds.subscription });
    // The mesh's own header goes on, as x-forwarded-for does from a trusted proxy: it is no secret.
    expect(r.seen!.headers['x-forwarded-client-cert']).toBe(header);
    expect(await r.record()).toMatchObject({ status: 200, appId: restIds.app, teamId: restIds.team, keyId: null, keyPrefix: 'spiffe:crd_workload0000' });
  });

  it('serves the unified AI API by it too', async () => {
    const r = await call(trusted, '/v1/models', { 'x-forwarded-client-cert': xfcc(checkout) });
    expect(r.status).toBe(200);
    expect((await r.record())!.keyPrefix).toBe('spiffe:crd_workload0000');
  });

  it('believes the last element only: the one the nearest proxy wrote', async () => {
    // An earlier element is what that proxy was told: here it names the registered workload, and is not taken.
    const forgedFirst = `${xfcc(checkout)},${xfcc('spiffe://cluster.local/ns/edge/sa/stranger')}`;
    const r = await call(trusted, '/pets/items', { 'x-forwarded-client-cert': forgedFirst });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 'unknown_workload', message: expect.stringContaining('spiffe://cluster.local/ns/edge/sa/stranger') });
    expect(r.seen).toBeNull();
    const lastIsOurs = await call(trusted, '/pets/items', { 'x-forwarded-client-cert': `${xfcc('spiffe://cluster.local/ns/x/sa/y')},${xfcc(checkout)}` });
    expect(lastIsOurs.status).toBe(200);
  });

  it('refuses an unregistered SPIFFE ID with 401 unknown_workload naming it', async () => {
    const r = await call(trusted, '/pets/items', { 'x-forwarded-client-cert': xfcc('spiffe://cluster.local/ns/shop/sa/cart') });
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({
      code: 'unknown_workload',
      message: 'Unknown workload spiffe://cluster.local/ns/shop/sa/cart: no app has registered this SPIFFE ID as a workload credential.',
      requestId: expect.any(String),
    });
    expect(r.seen).toBeNull();
  });

  it('takes a certificate without a SPIFFE URI as no credential: the usual 401', async () => {
    const r = await call(trusted, '/pets/items', { 'x-forwarded-client-cert': `By=${gatewayId};Hash=ab;Subject="CN=legacy, O=Shop";DNS=legacy.example.com` });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 'invalid_api_key', message: expect.stringMatching(/^Missing API key/) });
  });

  it('refuses a malformed header with a 401 naming the problem', async () => {
    const r = await call(trusted, '/pets/items', { 'x-forwarded-client-cert': `Subject="CN=x;URI=${checkout}` });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 'invalid_workload_identity', message: 'Malformed "x-forwarded-client-cert" header from the mesh: the quoted value of subject is not closed.' });
  });

  it('gives way to an API key the caller presents', async () => {
    // The pending app's workload with the approved app's key: the key decides, so the call passes as the approved app.
    const r = await call(trusted, '/pets/items', { 'x-forwarded-client-cert': xfcc(pendingWorkload), 'x-api-key': restKeys.approved });
    expect(r.status).toBe(200);
    expect(await r.record()).toMatchObject({ appId: restIds.app, keyId: 'key_approved000' });
    // And the other way round: the workload alone is the pending app, refused as pending.
    const alone = await call(trusted, '/pets/items', { 'x-forwarded-client-cert': xfcc(pendingWorkload) });
    expect(alone.status).toBe(403);
    expect(await alone.record()).toMatchObject({ appId: 'app_pending000000000', keyPrefix: 'spiffe:crd_wlpending000' });
  });

  it('counts limits.perKey per workload credential, apart from the same app’s key', async () => {
    const limited = await startTestGateway(snapshot({ planLimits: { perKey: { requestsPerMinute: 2 } } }), { trustedProxies: ['127.0.0.0/8'], workloadIdentity: 'xfcc' });
    try {
      const headers = { 'x-forwarded-client-cert': xfcc(checkout) };
      expect((await call(limited, '/pets/items', headers)).status).toBe(200);
      expect((await call(limited, '/pets/items', headers)).status).toBe(200);
      const refused = await call(limited, '/pets/items', headers);
      expect(refused.status).toBe(429);
      expect(refused.body.error.message).toMatch(/per workload credential: 2 requests per minute/);
      // The app's API key is another credential: its own two calls still pass.
      expect((await call(limited, '/pets/items', { 'x-api-key': restKeys.approved })).status).toBe(200);
      expect((await call(limited, '/pets/items', { 'x-api-key': restKeys.approved })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('from an untrusted peer', () => {
  it('ignores the header: the usual credential is required', async () => {
    const r = await call(untrusted, '/pets/items', { 'x-forwarded-client-cert': xfcc(checkout) });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 'invalid_api_key', message: expect.stringMatching(/^Missing API key/) });
    expect(r.seen).toBeNull();
  });

  it('identifies by the key, and strips the forged header before the upstream', async () => {
    const r = await call(untrusted, '/pets/items', { 'x-forwarded-client-cert': xfcc(pendingWorkload), 'x-api-key': restKeys.approved });
    expect(r.status).toBe(200);
    expect(r.seen!.headers['x-forwarded-client-cert']).toBeUndefined();
    expect(r.seen!.headers['x-tollgate-app']).toBe(restIds.app);
    expect((await r.record())!.keyPrefix).not.toMatch(/^spiffe:/);
  });

  it('does not even parse it: a malformed header is no error', async () => {
    const r = await call(untrusted, '/pets/items', { 'x-forwarded-client-cert': 'Subject="unclosed', 'x-api-key': restKeys.approved });
    expect(r.status).toBe(200);
    expect(r.seen!.headers['x-forwarded-client-cert']).toBeUndefined();
  });
});

describe('with workload identities off', () => {
  it('never reads the header, even from a trusted proxy', async () => {
    const r = await call(off, '/pets/items', { 'x-forwarded-client-cert': xfcc(checkout) });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('invalid_api_key');
  });
});

describe('TOLLGATE_MESH_WORKLOAD_IDENTITY', () => {
  it('is off unless xfcc, and xfcc needs trusted proxies', () => {
    expect(parseGatewayConfig({}).TOLLGATE_MESH_WORKLOAD_IDENTITY).toBe('off');
    expect(parseGatewayConfig({ TOLLGATE_MESH_WORKLOAD_IDENTITY: '' }).TOLLGATE_MESH_WORKLOAD_IDENTITY).toBe('off');
    expect(parseGatewayConfig({ TOLLGATE_MESH_WORKLOAD_IDENTITY: 'off' }).TOLLGATE_MESH_WORKLOAD_IDENTITY).toBe('off');
    expect(parseGatewayConfig({ TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8', TOLLGATE_MESH_WORKLOAD_IDENTITY: 'xfcc' }).TOLLGATE_MESH_WORKLOAD_IDENTITY).toBe('xfcc');
    expect(() => parseGatewayConfig({ TOLLGATE_MESH_WORKLOAD_IDENTITY: 'xfcc' })).toThrow(/TOLLGATE_MESH_WORKLOAD_IDENTITY: needs TOLLGATE_TRUSTED_PROXIES/);
    expect(() => parseGatewayConfig({ TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8', TOLLGATE_MESH_WORKLOAD_IDENTITY: 'spiffe' })).toThrow(/TOLLGATE_MESH_WORKLOAD_IDENTITY/);
  });
});
