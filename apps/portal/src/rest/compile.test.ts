import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamCredentials } from '@tollgate/db';
import { restDefaults, type ServiceId, type SnapshotRestApi, type SnapshotRestService, type TeamId } from '@tollgate/domain';
import { createSecretBox } from '../secrets/secret-box';
import { compileSnapshot } from '../snapshot/compile';
import { createPortalFixture, type PortalFixture } from '../testing/portal-fixture';

const capturingLogger = () => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
};

describe('the REST part of the snapshot', () => {
  let f: PortalFixture;
  let teamId: TeamId;

  const as = async (method: string, path: string, body?: unknown) => {
    const res = await f.api(method, path, { cookie: f.admin.cookie, body });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const restService = async (slug: string, publish = true): Promise<ServiceId> => {
    const id = (await as('POST', `/api/teams/${teamId}/services`, { name: slug, slug, kind: 'rest' })).service.id;
    await as('PUT', `/api/services/${id}/upstreams/default`, { nodes: [{ url: `https://${slug}.internal` }] });
    if (publish) await as('POST', `/api/services/${id}/lifecycle`, { state: 'published' });
    return id;
  };

  beforeAll(async () => {
    f = await createPortalFixture();
    teamId = (await f.createTeam({ slug: 'compile-rest' })).id;
  });
  afterAll(() => f.close());

  it('emits a minimally configured service and API exactly as the gateway types say, every default filled', async () => {
    const id = (await as('POST', `/api/teams/${teamId}/services`, { name: 'Pets', slug: 'pets', kind: 'rest' })).service.id as ServiceId;
    await as('PUT', `/api/services/${id}/upstreams/default`, { nodes: [{ url: 'http://10.0.0.1:8080' }] });
    const api = (await as('POST', `/api/services/${id}/apis`, { name: 'Get pet', methods: ['GET'], path: '/pets/{id}' })).api;
    await as('POST', `/api/services/${id}/lifecycle`, { state: 'published' });
    const snapshot = await compileSnapshot(f.db, f.secrets);
    const service: SnapshotRestService = {
      serviceId: id,
      hosts: [],
      upstreams: [
        {
          name: 'default',
          nodes: [{ url: 'http://10.0.0.1:8080', weight: 1 }],
          balancer: restDefaults.balancer,
          healthCheck: null,
          outlier: restDefaults.outlier,
          timeouts: restDefaults.timeouts,
          retries: restDefaults.retries,
          credential: null,
          hostHeader: null,
        },
      ],
      traffic: { split: [{ upstream: 'default', weight: 1 }], pin: null, mirror: null },
      cors: null,
      keyLocations: { header: null, query: null },
    };
    const restApi: SnapshotRestApi = {
      id: api.id,
      serviceId: id,
      name: 'Get pet',
      methods: ['GET'],
      path: '/pets/{id}',
      pathType: 'exact',
      headers: {},
      query: {},
      rewrite: null,
      requestHeaders: { set: {}, add: {}, remove: [] },
      responseHeaders: { set: {}, add: {}, remove: [] },
      addQuery: {},
      limits: null,
      retryAll: false,
      websocket: false,
    };
    expect(snapshot.restServices.find((s) => s.serviceId === id)).toEqual(service);
    expect(snapshot.restApis.filter((a) => a.serviceId === id)).toEqual([restApi]);
    // Plain JSON, as the gateway pulls it over HTTP.
    expect(JSON.parse(JSON.stringify(snapshot.restServices))).toEqual(snapshot.restServices);
  });

  it('serves published, deprecated and retired REST services from their live release, and no draft or AI service', async () => {
    const [draft, deprecated, retired] = [await restService('draft-rest', false), await restService('deprecated-rest'), await restService('retired-rest')];
    await as('POST', `/api/services/${deprecated}/lifecycle`, { state: 'deprecated' });
    await as('POST', `/api/services/${retired}/lifecycle`, { state: 'deprecated' });
    await as('POST', `/api/services/${retired}/lifecycle`, { state: 'retired' });
    const ai = (await as('POST', `/api/teams/${teamId}/services`, { name: 'AI', slug: 'ai-compile', kind: 'ai' })).service.id;
    await as('POST', `/api/services/${ai}/lifecycle`, { state: 'published' });
    const ids = (await compileSnapshot(f.db, f.secrets)).restServices.map((s) => s.serviceId);
    expect(ids).toEqual(expect.arrayContaining([deprecated, retired]));
    expect(ids).not.toContain(draft);
    expect(ids).not.toContain(ai);
    expect((await compileSnapshot(f.db, f.secrets)).restApis.some((a) => a.serviceId === ai)).toBe(false);
  });

  it('leaves out, and logs, a credential that this master key cannot open, serving the upstream without it', async () => {
    const id = await restService('sealed-elsewhere');
    const elsewhere = createSecretBox(randomBytes(32));
    await f.db.insert(upstreamCredentials).values({ serviceId: id, upstream: 'default', header: 'x-key', value: elsewhere.seal('unreadable'), updatedAt: Date.now() });
    const { logger, lines } = capturingLogger();
    const snapshot = await compileSnapshot(f.db, f.secrets, logger);
    expect(snapshot.restServices.find((s) => s.serviceId === id)!.upstreams[0]!.credential).toBeNull();
    expect(lines).toEqual([expect.objectContaining({ serviceId: id, upstream: 'default', msg: expect.stringMatching(/cannot be opened with this master key/) })]);
    expect(JSON.stringify(lines)).not.toContain('unreadable');
  });

  it('emits the JWT credentials of every app, revoked ones left out', async () => {
    const appId = (await as('POST', `/api/teams/${teamId}/apps`, { name: 'jwt app' })).app.id;
    const kept = (await as('POST', `/api/apps/${appId}/jwt-credentials`, { issuer: 'https://idp.example.test', jwksUrl: 'https://idp.example.test/.well-known/jwks.json', audiences: ['pets'], subject: 'svc-a' })).credential;
    const revoked = (await as('POST', `/api/apps/${appId}/jwt-credentials`, { issuer: 'https://idp.example.test', jwksUrl: 'https://idp.example.test/.well-known/jwks.json', audiences: ['pets'], subject: 'svc-b' })).credential;
    await as('DELETE', `/api/apps/${appId}/jwt-credentials/${revoked.id}`);
    expect((await compileSnapshot(f.db, f.secrets)).jwtCredentials).toEqual([
      {
        id: kept.id,
        appId,
        issuer: 'https://idp.example.test',
        jwksUrl: 'https://idp.example.test/.well-known/jwks.json',
        keys: null,
        audiences: ['pets'],
        subjectClaim: 'sub',
        subject: 'svc-a',
        algorithms: ['RS256', 'ES256', 'EdDSA'],
      },
    ]);
  });
});
