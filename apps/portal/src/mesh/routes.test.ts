import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { unknownFields, validateObject } from './crd-models.testing';

/** The route end to end on a real portal: what a publisher's curl gets, and what everyone else does not. */
describe('GET /api/services/:serviceId/mesh', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let outsider: TestUser;
  let teamId: TeamId;
  let restId: string;
  let aiId: string;
  let draftId: string;

  const ok = async (method: string, path: string, body?: unknown, expect = method === 'POST' ? 201 : 200) => (await f.api(method, path, { cookie: owner.cookie, body, expect })).body;
  const mesh = (id: string, query: string, user = owner, headers: Record<string, string> = {}) => f.api('GET', `/api/services/${id}/mesh${query}`, { cookie: user.cookie, headers });

  beforeAll(async () => {
    f = await createPortalFixture();
    owner = await f.createUser({ email: 'mesh-owner@example.test' });
    outsider = await f.createUser({ email: 'mesh-outsider@example.test' });
    teamId = (await f.createTeam({ slug: 'mesh-team', ownerUserId: owner.id })).id;
    await f.createTeam({ slug: 'other-team', ownerUserId: outsider.id });

    restId = (await ok('POST', `/api/teams/${teamId}/services`, { name: 'Pets', slug: 'pets', kind: 'rest', hosts: ['pets.example.test'] })).service.id;
    await ok('PUT', `/api/services/${restId}/upstreams/default`, { nodes: [{ url: 'http://pets.shop.svc.cluster.local:8080' }], credential: { header: 'x-upstream-key', value: 'upstream-secret-value' } }, 201);
    await ok('PUT', `/api/services/${restId}/upstreams/canary`, { nodes: [{ url: 'http://pets-canary.shop.svc.cluster.local:8080' }] }, 201);
    await ok('PUT', `/api/services/${restId}/traffic`, { split: [{ upstream: 'default', weight: 9 }, { upstream: 'canary', weight: 1 }], mirror: { upstream: 'canary', percent: 10 } });
    await ok('POST', `/api/services/${restId}/apis`, { name: 'Get pet', methods: ['GET'], path: '/pets/{id}' });
    await ok('POST', `/api/services/${restId}/lifecycle`, { state: 'published' }, 200);

    // One app subscribes and has a JWT credential; another has one but no subscription.
    const plan = (await ok('POST', `/api/services/${restId}/plans`, { name: 'Open', approval: 'auto' })).plan;
    const app = (await ok('POST', `/api/teams/${teamId}/apps`, { name: 'Shop' })).app;
    await ok('POST', `/api/apps/${app.id}/jwt-credentials`, { issuer: 'https://idp.example.test', jwksUrl: 'https://idp.example.test/jwks', audiences: ['pets'], subject: 'shop' });
    await ok('POST', `/api/apps/${app.id}/subscriptions`, { planId: plan.id });
    const loner = (await ok('POST', `/api/teams/${teamId}/apps`, { name: 'Loner' })).app;
    await ok('POST', `/api/apps/${loner.id}/jwt-credentials`, { issuer: 'https://unsubscribed.example.test', jwksUrl: 'https://unsubscribed.example.test/jwks', audiences: ['x'], subject: 'loner' });

    // An edit after the release: the mesh must route what the gateway serves, not the working copy.
    await ok('PUT', `/api/services/${restId}/upstreams/default`, { nodes: [{ url: 'http://unreleased.shop.svc.cluster.local:8080' }] });

    aiId = (await ok('POST', `/api/teams/${teamId}/services`, { name: 'Writer', slug: 'writer', kind: 'ai' })).service.id;
    await ok('POST', `/api/services/${aiId}/lifecycle`, { state: 'published' }, 200);
    draftId = (await ok('POST', `/api/teams/${teamId}/services`, { name: 'Draft', slug: 'draft-svc', kind: 'rest', hosts: ['draft.example.test'] })).service.id;
  });
  afterAll(() => f.close());

  it('answers JSON with objects valid against the CRD schemas, from the live release', async () => {
    const res = await mesh(restId, '?target=istio');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ service: { id: restId, slug: 'pets' }, target: 'istio', mode: 'authorizer' });
    for (const item of res.body.items) {
      validateObject(item);
      expect(unknownFields(item)).toEqual([]);
    }
    const text = JSON.stringify(res.body);
    expect(text).toContain('pets.shop.svc.cluster.local');
    expect(text).not.toContain('unreleased');
    // Secrets stay out: an upstream credential is the operator's to add, never written into a manifest.
    expect(text).not.toContain('upstream-secret-value');
    expect(res.body.notes.join('\n')).toMatch(/credential header x-upstream-key/);
    const auth = res.body.items.find((i: { kind: string }) => i.kind === 'RequestAuthentication');
    expect(auth.spec.jwtRules.map((r: { issuer: string }) => r.issuer)).toEqual(['https://idp.example.test']);
    const vs = res.body.items.find((i: { kind: string }) => i.kind === 'VirtualService');
    expect(vs.spec.http[0]).toMatchObject({ retries: { attempts: 0 }, mirrorPercentage: { value: 10 } });
    expect(vs.spec.http[0].route.map((r: { weight: number }) => r.weight)).toEqual([90, 10]);
  });

  it('answers YAML that kubectl applies as is, for ?format=yaml and for an Accept header', async () => {
    const json = (await mesh(restId, '?target=gateway-api')).body;
    for (const res of [await mesh(restId, '?target=gateway-api&format=yaml'), await mesh(restId, '?target=gateway-api', owner, { accept: 'application/yaml' })]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
      const docs = YAML.parseAllDocuments(res.body as string).map((d) => d.toJS()).filter(Boolean);
      expect(docs).toEqual(json.items);
      for (const doc of docs) validateObject(doc);
    }
    const istio = (await mesh(restId, '?target=istio&format=yaml')).body as string;
    // The meshConfig entry is not an object to apply: it travels as a comment to merge by hand.
    expect(istio).toMatch(/^# Merge into Istio's meshConfig/m);
    expect(istio).toMatch(/^#\s+envoyExtAuthzHttp:/m);
    expect(YAML.parseAllDocuments(istio).map((d) => d.toJS()?.kind).filter(Boolean)).toEqual(['AuthorizationPolicy', 'RequestAuthentication', 'Telemetry', 'DestinationRule', 'DestinationRule', 'DestinationRule', 'VirtualService']);
  });

  it('refuses bad query values with a 400 naming the parameter', async () => {
    for (const [query, param] of [
      ['?target=foo', 'target'],
      ['', 'target'],
      ['?target=istio&format=xml', 'format'],
      ['?target=istio&mode=sidecar', 'mode'],
      ['?target=istio&namespace=Bad_NS', 'namespace'],
      ['?target=istio&gateway=no-slash', 'gateway'],
      ['?target=istio&tollgatePort=0', 'tollgatePort'],
      ['?target=istio&accessLog=file', 'accessLog'],
      ['?target=istio&failOpen=yes', 'failOpen'],
      ['?target=istio&accessLogPort=70000', 'accessLogPort'],
      ['?target=istio&targett=istio', 'targett'],
      ['?target=istio&target=gateway-api', 'target'],
    ] as const) {
      const res = await mesh(restId, query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe('invalid_query');
      expect(res.body.error.message, query).toMatch(new RegExp(`^${param}: `));
    }
  });

  it('serves an AI service in proxy mode only, to the host named', async () => {
    const res = await mesh(aiId, '?target=istio&host=ai.example.test');
    expect(res.status).toBe(200);
    expect(res.body.mode).toBe('proxy');
    expect(res.body.items[0].spec).toMatchObject({ hosts: ['ai.example.test'], http: [{ route: [{ destination: { host: 'tollgate-gateway.tollgate.svc.cluster.local' } }], retries: { attempts: 0 } }] });
    for (const item of res.body.items) validateObject(item);
    const refused = await mesh(aiId, '?target=istio&mode=authorizer&host=ai.example.test');
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/^mode: an AI service/);
    expect((await mesh(aiId, '?target=istio')).body.error.message).toMatch(/^host: /);
  });

  it('answers 409 for a draft, which the gateway does not serve', async () => {
    const res = await mesh(draftId, '?target=istio');
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/draft/);
  });

  it('gives another team\u2019s user and a signed-out caller nothing', async () => {
    for (const id of [restId, aiId, draftId]) {
      const res = await mesh(id, '?target=istio&host=ai.example.test', outsider);
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toMatch(/pets|writer|shop|idp\.example/);
      // Access before validation: a bad query tells an outsider nothing more than a good one.
      expect((await mesh(id, '?target=foo', outsider)).status).toBe(404);
    }
    expect((await f.api('GET', `/api/services/${restId}/mesh?target=istio`)).status).toBe(401);
  });
});
