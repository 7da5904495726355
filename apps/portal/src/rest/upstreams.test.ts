import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { auditEvents, first, isPostgres, selectRaw, upstreamCredentials } from '@tollgate/db';
import { restDefaults, type ServiceId, type TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

describe('upstreams and the traffic policy of a REST service', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let teamId: TeamId;
  let serviceId: string;
  let aiServiceId: string;

  const at = (method: string, path: string, body?: unknown, cookie = owner.cookie, id = serviceId) => f.api(method, `/api/services/${id}${path}`, { cookie, body });
  const node = (url: string, weight?: number) => ({ url, ...(weight !== undefined && { weight }) });

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, member, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser()]);
    teamId = (await f.createTeam({ slug: 'pets-team', ownerUserId: owner.id })).id;
    await f.addMember(teamId, member.id, 'member');
    await f.createTeam({ slug: 'elsewhere', ownerUserId: outsider.id });
    serviceId = (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: 'Pets', slug: 'pets', kind: 'rest' }, expect: 201 })).body.service.id;
    aiServiceId = (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: 'LLM', slug: 'llm', kind: 'ai' }, expect: 201 })).body.service.id;
  });
  afterAll(() => f.close());

  it('creates an upstream with every default filled in, audited, bumping the revision, and lists it', async () => {
    const revision = await f.revision();
    const res = await at('PUT', '/upstreams/default', { nodes: [node('http://10.0.0.1:8080/'), node('http://10.0.0.2:8080', 3)] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      upstream: {
        name: 'default',
        // A trailing slash is dropped, so the gateway can append the call's path as it is.
        nodes: [{ url: 'http://10.0.0.1:8080', weight: 1 }, { url: 'http://10.0.0.2:8080', weight: 3 }],
        balancer: restDefaults.balancer,
        healthCheck: null,
        outlier: restDefaults.outlier,
        timeouts: restDefaults.timeouts,
        retries: restDefaults.retries,
        hostHeader: null,
        credential: null,
      },
      live: false,
      takesEffect: 'first publish',
    });
    expect(await f.revision()).toBe(revision + 1);
    const event = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, serviceId), eq(auditEvents.action, 'service.upstream_put'))));
    expect(event).toMatchObject({ actorUserId: owner.id, teamId, summary: { upstream: 'default', nodes: ['http://10.0.0.1:8080', 'http://10.0.0.2:8080'] }, before: { upstream: null } });
    const listed = await at('GET', '/upstreams', undefined, member.cookie);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ upstreams: [res.body.upstream], traffic: { split: [], pin: null, mirror: null } });
  });

  it('replaces an upstream with 200, keeping what the body sets and nothing of the old one', async () => {
    const body = {
      nodes: [node('https://pets-a.internal'), node('https://pets-b.internal', 0)],
      balancer: { type: 'hash', on: 'header', name: 'X-User' },
      healthCheck: { path: '/healthz' },
      outlier: { consecutive5xx: 2 },
      timeouts: { connectMs: 1000, totalMs: 60_000 },
      retries: { attempts: 2 },
      hostHeader: 'Pets.Example.COM:8443',
    };
    const res = await at('PUT', '/upstreams/default', body);
    expect(res.status).toBe(200);
    expect(res.body.upstream).toEqual({
      name: 'default',
      nodes: [{ url: 'https://pets-a.internal', weight: 1 }, { url: 'https://pets-b.internal', weight: 0 }],
      balancer: { type: 'hash', on: 'header', name: 'x-user' },
      healthCheck: { path: '/healthz', ...restDefaults.healthCheck },
      outlier: { ...restDefaults.outlier, consecutive5xx: 2 },
      timeouts: { connectMs: 1000, firstByteMs: restDefaults.timeouts.firstByteMs, totalMs: 60_000 },
      retries: { ...restDefaults.retries, attempts: 2 },
      hostHeader: 'pets.example.com:8443',
      credential: null,
    });
    expect(res.body).not.toHaveProperty('deferredFields');
  });

  it('refuses bad upstreams with a 400 naming the field, changing nothing', async () => {
    const before = (await at('GET', '/upstreams')).body;
    const cases: Array<[string, unknown, RegExp]> = [
      ['default', { nodes: [] }, /^nodes:/],
      ['default', {}, /^nodes:/],
      ['default', { nodes: [node('ftp://x.example.test')] }, /^nodes\.0\.url: use an http or https URL/],
      ['default', { nodes: [node('https://user:pw@x.example.test')] }, /^nodes\.0\.url: credentials cannot be in the URL/],
      ['default', { nodes: [node('https://x.example.test/?key=1')] }, /^nodes\.0\.url: a node URL takes no query/],
      ['default', { nodes: [node('x.example.test')] }, /^nodes\.0\.url: not an absolute URL/],
      ['default', { nodes: [node('https://x.example.test'), node('https://x.example.test/')] }, /^nodes\.1\.url: .* listed twice/],
      ['default', { nodes: [node('https://x.example.test', 0)] }, /^nodes: at least one node needs a weight above 0/],
      ['default', { nodes: [node('https://x.example.test', -1)] }, /^nodes\.0\.weight:/],
      ['default', { nodes: [node('https://x.example.test')], balancer: { type: 'random' } }, /^balancer\.type:/],
      ['default', { nodes: [node('https://x.example.test')], balancer: { type: 'hash', on: 'cookie' } }, /^balancer\.name: name the cookie/],
      ['default', { nodes: [node('https://x.example.test')], healthCheck: { path: 'healthz' } }, /^healthCheck\.path:/],
      ['default', { nodes: [node('https://x.example.test')], healthCheck: { path: '/h', intervalMs: 2000, timeoutMs: 2000 } }, /^healthCheck\.timeoutMs: must be shorter/],
      ['default', { nodes: [node('https://x.example.test')], outlier: { baseEjectionMs: 5000, maxEjectionMs: 1000 } }, /^outlier\.maxEjectionMs:/],
      ['default', { nodes: [node('https://x.example.test')], retries: { attempts: 9 } }, /^retries\.attempts:/],
      ['default', { nodes: [node('https://x.example.test')], hostHeader: 'bad host' }, /^hostHeader:/],
      ['default', { nodes: [node('https://x.example.test')], credential: { header: 'host', value: 'x' } }, /^credential\.header: host is managed by the gateway/],
      ['default', { nodes: [node('https://x.example.test')], credential: { header: 'x-tollgate-app', value: 'x' } }, /^credential\.header: x-tollgate-\* headers/],
      ['default', { nodes: [node('https://x.example.test')], credential: { header: 'x-key', value: 'a\r\nx-evil: 1' } }, /^credential\.value: a header value cannot hold line breaks/],
      ['default', { nodes: [node('https://x.example.test')], credential: { header: 'x-key', value: '' } }, /^credential\.value:/],
      ['Bad_Name', { nodes: [node('https://x.example.test')] }, /^name: use 1 to 32 lowercase letters/],
    ];
    for (const [name, body, message] of cases) {
      const res = await at('PUT', `/upstreams/${name}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect((await at('GET', '/upstreams')).body).toEqual(before);
  });

  it('keeps the credential write-only: stored sealed, shown by header name, taking effect at once', async () => {
    const secret = 'sk-upstream-very-secret-0123456789';
    const res = await at('PUT', '/upstreams/default', { nodes: [node('https://pets-a.internal')], credential: { header: 'X-Upstream-Key', value: secret } });
    expect(res.status).toBe(200);
    expect(res.body.upstream.credential).toEqual({ header: 'x-upstream-key', value: '…set' });
    // The settings wait for a release; the credential does not, so the answer names what waits.
    expect(res.body).toMatchObject({ live: false, takesEffect: 'first publish', deferredFields: ['nodes', 'balancer', 'healthCheck', 'outlier', 'timeouts', 'retries', 'hostHeader'] });
    const raw = await f.db.select().from(upstreamCredentials).where(eq(upstreamCredentials.serviceId, serviceId as ServiceId));
    expect(raw).toHaveLength(1);
    expect(raw[0]!.header).toBe('x-upstream-key');
    expect(raw[0]!.value).toMatch(/^v1\./);
    expect(f.secrets.open(raw[0]!.value)).toBe(secret);
    // Nowhere in plain text: not in any table (audit log and services included), nor in any answer.
    // Every table the database holds, read raw (no column codecs), from each dialect's own catalogue.
    const tablesQuery = isPostgres(f.db)
      ? sql`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`
      : sql`select name from sqlite_master where type = 'table'`;
    const everything = await selectRaw<{ name: string }>(f.db, tablesQuery);
    expect(everything.map((t) => t.name)).toContain('upstream_credentials');
    for (const { name } of everything) expect(JSON.stringify(await selectRaw(f.db, sql`select * from ${sql.identifier(name)}`)), name).not.toContain(secret);
    for (const cookie of [owner.cookie, member.cookie]) expect(JSON.stringify((await at('GET', '/upstreams', undefined, cookie)).body)).not.toContain(secret);
    const audit = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, serviceId), eq(auditEvents.action, 'service.upstream_credential_set'))));
    expect(audit).toMatchObject({ summary: { upstream: 'default', header: 'x-upstream-key' } });

    // Absent keeps it; null removes it.
    const kept = await at('PUT', '/upstreams/default', { nodes: [node('https://pets-a.internal')] });
    expect(kept.body.upstream.credential).toEqual({ header: 'x-upstream-key', value: '…set' });
    const removed = await at('PUT', '/upstreams/default', { nodes: [node('https://pets-a.internal')], credential: null });
    expect(removed.body.upstream.credential).toBeNull();
    expect(await f.db.select().from(upstreamCredentials)).toEqual([]);
  });

  it('sets the traffic policy over existing upstreams only, with a 400 naming the field otherwise', async () => {
    await at('PUT', '/upstreams/canary', { nodes: [node('https://pets-canary.internal')] });
    const ok = await at('PUT', '/traffic', { split: [{ upstream: 'default', weight: 90 }, { upstream: 'canary', weight: 10 }], pin: { header: 'X-Pin' }, mirror: { upstream: 'canary', percent: 5 } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      traffic: { split: [{ upstream: 'default', weight: 90 }, { upstream: 'canary', weight: 10 }], pin: { header: 'x-pin' }, mirror: { upstream: 'canary', percent: 5 } },
      live: false,
      takesEffect: 'first publish',
    });
    const cases: Array<[unknown, RegExp]> = [
      [{ split: [{ upstream: 'blue', weight: 1 }] }, /^split\.0\.upstream: the service has no upstream named blue \(it has canary, default\)/],
      [{ split: [{ upstream: 'default', weight: 0 }] }, /^split: the weights must add up to more than 0/],
      [{ split: [{ upstream: 'default', weight: -1 }] }, /^split\.0\.weight:/],
      [{ split: [{ upstream: 'default', weight: 1 }, { upstream: 'default', weight: 1 }] }, /^split\.1\.upstream: default is listed twice/],
      [{ pin: {} }, /^pin: name a header, a cookie or both/],
      [{ mirror: { upstream: 'shadow', percent: 5 } }, /^mirror\.upstream: the service has no upstream named shadow/],
      [{ mirror: { upstream: 'canary', percent: 101 } }, /^mirror\.percent:/],
    ];
    for (const [body, message] of cases) {
      const res = await at('PUT', '/traffic', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect((await at('GET', '/upstreams')).body.traffic).toEqual(ok.body.traffic);
    const event = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, serviceId), eq(auditEvents.action, 'service.traffic_update'))));
    expect(event).toMatchObject({ before: { traffic: { split: [] } }, after: { traffic: ok.body.traffic } });
  });

  it('refuses to delete an upstream the traffic policy still uses, and deletes it once nothing does', async () => {
    const inSplit = await at('DELETE', '/upstreams/canary');
    expect([inSplit.status, inSplit.body.error.message]).toEqual([409, 'The traffic split sends calls to canary; take it out of the split first (PUT …/traffic).']);
    await at('PUT', '/traffic', { split: [{ upstream: 'default', weight: 1 }], mirror: { upstream: 'canary', percent: 5 } });
    expect((await at('DELETE', '/upstreams/canary')).body.error.message).toMatch(/mirrors calls to canary/);
    await at('PUT', '/traffic', {});
    // With no split, calls go to default: it cannot go while another upstream would be left without traffic.
    expect((await at('DELETE', '/upstreams/default')).body.error.message).toMatch(/^With no traffic split set, calls go to default/);
    expect((await at('PUT', '/traffic', { split: [] }, owner.cookie)).status).toBe(200);
    const gone = await at('DELETE', '/upstreams/canary');
    expect(gone.status).toBe(200);
    expect(gone.body).toEqual({ live: false, takesEffect: 'first publish' });
    expect((await at('DELETE', '/upstreams/canary')).status).toBe(404);
    expect((await at('GET', '/upstreams')).body.upstreams.map((u: { name: string }) => u.name)).toEqual(['default']);
  });

  it('lets team members read, only team admins write, and nobody else learn anything', async () => {
    const body = { nodes: [node('https://x.example.test')] };
    expect((await at('PUT', '/upstreams/member', body, member.cookie)).status).toBe(403);
    expect((await at('PUT', '/traffic', {}, member.cookie)).status).toBe(403);
    expect((await at('DELETE', '/upstreams/default', undefined, member.cookie)).status).toBe(403);
    for (const [method, path] of [['GET', '/upstreams'], ['PUT', '/upstreams/x'], ['DELETE', '/upstreams/default'], ['PUT', '/traffic']] as const) {
      const res = await at(method, path, method === 'PUT' ? body : undefined, outsider.cookie);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('pets');
    }
    expect((await at('PUT', '/upstreams/by-admin', body, f.admin.cookie)).status).toBe(201);
  });

  it('refuses upstreams and traffic policies on an AI service with a 400 that says why', async () => {
    for (const [method, path, body] of [['GET', '/upstreams', undefined], ['PUT', '/upstreams/default', { nodes: [node('https://x.example.test')] }], ['PUT', '/traffic', {}]] as const) {
      const res = await at(method, path, body, owner.cookie, aiServiceId);
      expect(res.status, path).toBe(400);
      expect(res.body.error.message).toMatch(/belong to REST services; this service is of kind ai/);
    }
  });
});
