import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, first } from '@tollgate/db';
import type { TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture } from '../testing/portal-fixture';

const doc = (servers: unknown[], paths: Record<string, unknown> = { '/pets/{id}': { get: { summary: 'Get pet' } } }) => ({ openapi: '3.1.0', info: { title: 'Pets', version: '1' }, servers, paths });

describe('an OpenAPI import into a REST service without upstreams', () => {
  let f: PortalFixture;
  let teamId: TeamId;

  const service = async (slug: string, kind = 'rest') => (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: f.admin.cookie, body: { name: slug, slug, kind }, expect: 201 })).body.service.id as string;
  const put = (id: string, body: unknown) => f.api('PUT', `/api/services/${id}/openapi`, { cookie: f.admin.cookie, body, expect: 200 });
  const upstreams = async (id: string) => (await f.api('GET', `/api/services/${id}/upstreams`, { cookie: f.admin.cookie, expect: 200 })).body.upstreams;

  beforeAll(async () => {
    f = await createPortalFixture();
    teamId = (await f.createTeam({ slug: 'openapi-servers' })).id;
  });
  afterAll(() => f.close());

  it('makes the document’s absolute servers the default upstream’s nodes, and says which it skipped', async () => {
    const id = await service('pets');
    const res = await put(
      id,
      doc([
        { url: 'https://api.pets.example.test/v1/' },
        { url: 'https://{region}.pets.example.test:{port}/v1', variables: { region: { default: 'eu', enum: ['eu', 'us'] }, port: { default: '8443' } } },
        { url: '/v1' },
        { url: 'https://{tenant}.example.test' },
        { url: 'https://user:secret@pets.example.test' },
        { url: 'https://api.pets.example.test/v1' },
      ]),
    );
    expect(res.body.upstreamFromServers).toEqual(['https://api.pets.example.test/v1', 'https://eu.pets.example.test:8443/v1']);
    expect(res.body.serversSkipped).toEqual([
      { url: '/v1', reason: 'a relative URL: the document does not say which host serves it' },
      { url: 'https://{tenant}.example.test', reason: 'server variable {tenant} has no default' },
      { url: 'https://user:secret@pets.example.test', reason: 'credentials cannot be in the URL; set the upstream’s credential instead' },
    ]);
    expect(res.body).toMatchObject({ imported: 1, live: false, takesEffect: 'first publish' });
    const [upstream] = await upstreams(id);
    expect(upstream).toMatchObject({ name: 'default', nodes: [{ url: 'https://api.pets.example.test/v1', weight: 1 }, { url: 'https://eu.pets.example.test:8443/v1', weight: 1 }], credential: null });
    const event = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, id), eq(auditEvents.action, 'service.openapi_import'))));
    expect(event!.summary).toMatchObject({ upstreamFromServers: res.body.upstreamFromServers });
  });

  it('leaves upstreams alone once the service has some, and keeps a re-imported operation’s REST settings', async () => {
    const id = await service('kept');
    await put(id, doc([{ url: 'https://first.example.test' }]));
    const api = (await f.api('GET', `/api/services/${id}/apis`, { cookie: f.admin.cookie })).body.apis[0];
    await f.api('PATCH', `/api/services/${id}/apis/${api.id}`, { cookie: f.admin.cookie, body: { retryAll: true, addQuery: { v: '2' } }, expect: 200 });
    const again = await put(id, doc([{ url: 'https://second.example.test' }], { '/pets/{id}': { get: { summary: 'Get pet' } }, '/pets': { get: { summary: 'List' } } }));
    expect(again.body).not.toHaveProperty('upstreamFromServers');
    expect((await upstreams(id))[0].nodes).toEqual([{ url: 'https://first.example.test', weight: 1 }]);
    const byPath = Object.fromEntries(again.body.apis.map((a: { path: string }) => [a.path, a]));
    expect(byPath['/pets/{id}']).toMatchObject({ retryAll: true, addQuery: { v: '2' } });
    expect(byPath['/pets']).toMatchObject({ retryAll: false, addQuery: {} });
  });

  it('is not an error when there are no usable servers, and does nothing of the kind for an AI service', async () => {
    const id = await service('relative-only');
    const res = await put(id, doc([{ url: '/api' }]));
    expect(res.body).not.toHaveProperty('upstreamFromServers');
    expect(res.body.serversSkipped).toHaveLength(1);
    expect(await upstreams(id)).toEqual([]);
    expect((await put(id, doc([]))).body).not.toHaveProperty('serversSkipped');
    const ai = await service('ai-doc', 'ai');
    const aiRes = await put(ai, doc([{ url: 'https://api.example.test' }], {}));
    expect(aiRes.body).not.toHaveProperty('upstreamFromServers');
    expect(aiRes.body).not.toHaveProperty('serversSkipped');
  });
});
