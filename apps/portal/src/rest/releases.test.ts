import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { releases, upstreamCredentials } from '@tollgate/db';
import { newId, type ServiceId, type TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { compileSnapshot } from '../snapshot/compile';
import { legacyApiId } from '../releases/config';

describe('REST settings in releases', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let teamId: TeamId;
  let serviceId: ServiceId;
  let apiId: string;

  const at = (method: string, path: string, body?: unknown) => f.api(method, `/api/services/${serviceId}${path}`, { cookie: owner.cookie, body });
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await at(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const served = async () => {
    const snapshot = await compileSnapshot(f.db, f.secrets);
    return { service: snapshot.restServices.find((s) => s.serviceId === serviceId)!, apis: snapshot.restApis.filter((a) => a.serviceId === serviceId) };
  };

  beforeAll(async () => {
    f = await createPortalFixture();
    owner = await f.createUser();
    teamId = (await f.createTeam({ slug: 'rel-rest', ownerUserId: owner.id })).id;
    serviceId = (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: 'Pets', slug: 'pets', kind: 'rest', hosts: ['pets.example.test'] }, expect: 201 })).body.service.id;
    await ok('PUT', '/upstreams/default', { nodes: [{ url: 'http://10.0.0.1:8080' }, { url: 'http://10.0.0.2:8080' }], credential: { header: 'x-api-key', value: 'first-secret' } });
    await ok('PATCH', '', { cors: { allowOrigins: ['https://app.example.test'] } });
    apiId = (await ok('POST', '/apis', { name: 'Get pet', methods: ['GET'], path: '/pets/{id}', requestHeaders: { set: { 'x-from': 'gateway' } } })).api.id;
    await ok('POST', '/lifecycle', { state: 'published' });
  });
  afterAll(() => f.close());

  it('serves release 1 with its upstream, credential, CORS and API settings', async () => {
    const { service, apis } = await served();
    expect(service).toMatchObject({
      hosts: ['pets.example.test'],
      traffic: { split: [{ upstream: 'default', weight: 1 }], pin: null, mirror: null },
      cors: { allowOrigins: ['https://app.example.test'] },
    });
    expect(service.upstreams.map((u) => [u.name, u.nodes.length, u.credential])).toEqual([['default', 2, { header: 'x-api-key', value: 'first-secret' }]]);
    expect(apis).toEqual([expect.objectContaining({ id: apiId, path: '/pets/{id}', requestHeaders: { set: { 'x-from': 'gateway' }, add: {}, remove: [] }, retryAll: false })]);
  });

  it('keeps working-copy edits out of the gateway and names them in the diff, then releases them', async () => {
    await ok('PUT', '/upstreams/canary', { nodes: [{ url: 'http://10.0.0.9:8080' }] });
    await ok('PUT', '/traffic', { split: [{ upstream: 'default', weight: 90 }, { upstream: 'canary', weight: 10 }], pin: { cookie: 'tg-upstream' } });
    await ok('PATCH', '', { cors: { allowOrigins: ['https://app.example.test', 'https://admin.example.test'] } });
    await ok('PATCH', `/apis/${apiId}`, { retryAll: true });
    expect((await served()).service.upstreams.map((u) => u.name)).toEqual(['default']);
    const diff = await ok('GET', '/releases/diff');
    expect(diff.changes.map((c: { change: string; path: string }) => `${c.change} ${c.path}`)).toEqual([
      'changed rest.cors',
      'changed rest.traffic',
      'added rest.upstreams[canary]',
      'changed apis[GET /pets/{id}]',
    ]);
    const release = await ok('POST', '/releases');
    expect(release.release.version).toBe(2);
    const { service, apis } = await served();
    expect(service.upstreams.map((u) => u.name)).toEqual(['canary', 'default']);
    expect(service.traffic).toEqual({ split: [{ upstream: 'default', weight: 90 }, { upstream: 'canary', weight: 10 }], pin: { cookie: 'tg-upstream' }, mirror: null });
    expect(apis[0]!.retryAll).toBe(true);
  });

  it('applies a credential change at once, without a release, and a rollback does not bring the old one back', async () => {
    await ok('PUT', '/upstreams/default', { nodes: [{ url: 'http://10.0.0.1:8080' }, { url: 'http://10.0.0.2:8080' }], credential: { header: 'x-api-key', value: 'rotated-secret' } });
    expect((await served()).service.upstreams.find((u) => u.name === 'default')!.credential).toEqual({ header: 'x-api-key', value: 'rotated-secret' });

    const back = await at('POST', '/releases/1/publish');
    expect(back.status).toBe(200);
    const { service, apis } = await served();
    // Release 1's upstreams, split, CORS and API settings are back; the credential stays the rotated one.
    expect(service.upstreams.map((u) => [u.name, u.credential?.value])).toEqual([['default', 'rotated-secret']]);
    expect(service.traffic.split).toEqual([{ upstream: 'default', weight: 1 }]);
    expect(service.traffic.pin).toBeNull();
    expect(service.cors!.allowOrigins).toEqual(['https://app.example.test']);
    expect(apis[0]).toMatchObject({ id: apiId, retryAll: false });
    // The working copy is left as it was: the diff shows what the next release would bring back.
    expect((await ok('GET', '/releases/diff')).changes.length).toBe(4);
  });

  it('keeps a deleted upstream’s credential while the live release calls it, and drops it otherwise', async () => {
    await ok('POST', '/releases/2/publish');
    await ok('PUT', '/upstreams/canary', { nodes: [{ url: 'http://10.0.0.9:8080' }], credential: { header: 'x-canary-key', value: 'canary-secret' } });
    await ok('PUT', '/traffic', {});
    await ok('DELETE', '/upstreams/canary');
    // Release 2 still sends 10% to canary: it keeps its credential until a release without it.
    expect((await served()).service.upstreams.find((u) => u.name === 'canary')!.credential).toEqual({ header: 'x-canary-key', value: 'canary-secret' });
    await ok('PUT', '/upstreams/scratch', { nodes: [{ url: 'http://10.0.0.7:8080' }], credential: { header: 'x-scratch', value: 'scratch-secret' } });
    await ok('DELETE', '/upstreams/scratch');
    expect(await f.db.select({ upstream: upstreamCredentials.upstream }).from(upstreamCredentials).where(eq(upstreamCredentials.serviceId, serviceId)).orderBy(asc(upstreamCredentials.upstream))).toEqual([{ upstream: 'canary' }, { upstream: 'default' }]);
  });

  it('loads a release frozen before REST settings, giving its APIs stable ids and the defaults', async () => {
    const legacy = newId('release');
    const config = { service: { name: 'Pets', description: '', kind: 'rest', directModels: false }, apis: [{ name: 'List', methods: ['GET'], path: '/pets' }], models: [], openapi: null, prompts: [] };
    await f.db.insert(releases).values({ id: legacy, serviceId, version: 50, config });
    const shown = await ok('GET', '/releases/50');
    const id = legacyApiId(serviceId, { methods: ['GET'], path: '/pets' });
    expect(shown.release.config.apis).toEqual([{ id, name: 'List', methods: ['GET'], path: '/pets', description: '', tags: [], rest: expect.objectContaining({ pathType: 'exact', retryAll: false }) }]);
    expect(shown.release.config.rest).toEqual({ hosts: [], keyLocations: { header: null, query: null }, cors: null, upstreams: [], traffic: { split: [], pin: null, mirror: null } });
    expect(await ok('GET', '/releases/50')).toEqual(shown);
    expect(id).toMatch(/^api_[A-Za-z0-9_-]{22}$/);
    expect(legacyApiId(newId('service'), { methods: ['GET'], path: '/pets' })).not.toBe(id);
    await ok('POST', '/releases/50/publish');
    const { service, apis } = await served();
    expect(apis.map((a) => a.id)).toEqual([id]);
    expect(service).toMatchObject({ hosts: [], upstreams: [], traffic: { split: [] } });
  });
});
