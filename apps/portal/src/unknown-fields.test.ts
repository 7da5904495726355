import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { first, isPostgres, notifications, selectRaw } from '@tollgate/db';
import { waitFor } from './notifications/test-market';
import { createPortalFixture, type PortalFixture, type TestUser } from './testing/portal-fixture';

/**
 * No silent drops (ADR 0016): every write route refuses a field it does not know with a 400 that names it, and
 * changes nothing. One row per write route of `app.routes`, so a new route without a row fails the first test.
 */
interface WriteCase {
  route: string;
  /** A valid body, which gets `bogusField` added; `none` for a route that takes no body. */
  body: ((w: World) => Record<string, unknown>) | 'none';
  /** The credential is in the path or the body: no session. */
  anonymous?: true;
  /** Why the route keeps what it does not know; its own test below checks that nothing is dropped or refused. */
  lenient?: string;
  /** Path parameters taken from another world entry: REST-only routes name the REST service, not the AI one. */
  params?: Record<string, string>;
}

interface World {
  params: Record<string, string>;
  admin: TestUser;
  loner: TestUser;
}

const internalToken = 'internal-token-for-unknown-fields';
const spec = { messages: [{ role: 'user', content: 'Say {{word}}' }], variables: { type: 'object', properties: { word: { type: 'string' } } }, model: 'fast' };

const table: WriteCase[] = [
  { route: 'POST /api/auth/login', anonymous: true, body: (w) => ({ email: w.admin.email, password: w.admin.password }) },
  { route: 'POST /api/auth/logout', body: 'none' },
  { route: 'POST /api/auth/password', body: (w) => ({ currentPassword: w.admin.password, newPassword: 'a brand new password for the admin' }) },
  { route: 'POST /api/internal/call-records', anonymous: true, body: () => ({ records: [] }), lenient: 'gateways to portal: a newer gateway may send fields an older portal does not know yet' },
  { route: 'POST /api/users', body: () => ({ email: 'new-user@example.test', name: 'New User' }) },
  { route: 'POST /api/teams', body: () => ({ name: 'New Team', slug: 'new-team' }) },
  { route: 'PATCH /api/teams/:teamId', body: () => ({ name: 'Renamed Team' }) },
  { route: 'POST /api/teams/:teamId/members', body: (w) => ({ userId: w.loner.id, role: 'member' }) },
  { route: 'PATCH /api/teams/:teamId/members/:userId', body: () => ({ role: 'admin' }) },
  { route: 'DELETE /api/teams/:teamId/members/:userId', body: 'none' },
  { route: 'POST /api/teams/:teamId/invitations', body: () => ({ email: 'second-invitee@example.test', role: 'member' }) },
  { route: 'DELETE /api/teams/:teamId/invitations/:invitationId', body: 'none' },
  { route: 'POST /api/invitations/:token/accept', anonymous: true, body: () => ({ name: 'Invitee', password: 'a long enough password' }) },
  { route: 'POST /api/providers', body: () => ({ name: 'Second', type: 'openai', baseUrl: 'https://second.example.test/v1', apiKey: 'k' }) },
  { route: 'PATCH /api/providers/:providerId', body: () => ({ name: 'Renamed provider' }) },
  { route: 'POST /api/providers/:providerId/test', body: () => ({ model: 'gpt-4o-mini' }) },
  { route: 'DELETE /api/providers/:providerId', body: 'none' },
  { route: 'POST /api/teams/:teamId/services', body: () => ({ name: 'New Service', slug: 'new-service', kind: 'rest' }) },
  { route: 'PATCH /api/services/:serviceId', body: () => ({ name: 'Renamed', capture: { bodies: true } }) },
  { route: 'POST /api/services/:serviceId/apis', body: () => ({ name: 'Get pet', methods: ['GET'], path: '/pets/{id}' }) },
  { route: 'PATCH /api/services/:serviceId/apis/:apiId', body: () => ({ name: 'Renamed API' }) },
  { route: 'DELETE /api/services/:serviceId/apis/:apiId', body: 'none' },
  { route: 'PUT /api/services/:serviceId/upstreams/:name', params: { serviceId: 'restServiceId' }, body: () => ({ nodes: [{ url: 'http://127.0.0.1:9' }], credential: { header: 'x-upstream-key', value: 'k' } }) },
  { route: 'DELETE /api/services/:serviceId/upstreams/:name', params: { serviceId: 'restServiceId' }, body: 'none' },
  { route: 'PUT /api/services/:serviceId/traffic', params: { serviceId: 'restServiceId' }, body: () => ({ split: [{ upstream: 'default', weight: 1 }] }) },
  { route: 'PUT /api/services/:serviceId/openapi', body: () => ({ openapi: '3.1.0', info: { title: 'Doc', version: '1' }, paths: {} }), lenient: 'a document, stored as sent (ADR 0006): an unknown key is kept, not dropped' },
  { route: 'POST /api/services/:serviceId/models', body: (w) => ({ name: 'new-model', targets: [{ providerId: w.params.providerId, model: 'gpt-4o', weight: 2 }] }) },
  { route: 'DELETE /api/services/:serviceId/models/:modelRouteId', body: 'none' },
  { route: 'POST /api/services/:serviceId/prompts', body: () => ({ name: 'Second prompt', path: '/second', draft: spec }) },
  { route: 'PATCH /api/prompts/:promptId', body: () => ({ name: 'Renamed prompt' }) },
  { route: 'DELETE /api/prompts/:promptId', body: 'none' },
  { route: 'POST /api/prompts/:promptId/versions', body: 'none' },
  { route: 'POST /api/prompts/:promptId/publish', body: () => ({ version: 1 }) },
  { route: 'POST /api/prompts/:promptId/test-run', body: () => ({ variables: { word: 'hi' } }) },
  { route: 'POST /api/services/:serviceId/lifecycle', body: () => ({ state: 'deprecated' }) },
  { route: 'POST /api/services/:serviceId/releases', body: 'none' },
  { route: 'POST /api/services/:serviceId/releases/:version/publish', body: 'none' },
  { route: 'POST /api/services/:serviceId/plans', body: () => ({ name: 'Second plan', approval: 'auto' }) },
  { route: 'PATCH /api/plans/:planId', body: () => ({ limits: { requestsPerMinute: 5 } }) },
  { route: 'POST /api/teams/:teamId/apps', body: () => ({ name: 'Second app' }) },
  { route: 'PATCH /api/apps/:appId', body: () => ({ name: 'Renamed app' }) },
  { route: 'DELETE /api/apps/:appId', body: 'none' },
  { route: 'POST /api/apps/:appId/keys', body: () => ({ name: 'second key' }) },
  { route: 'POST /api/apps/:appId/keys/:keyId/rotate', body: () => ({ graceSeconds: 60 }) },
  { route: 'POST /api/apps/:appId/keys/:keyId/revoke', body: 'none' },
  { route: 'POST /api/apps/:appId/jwt-credentials', body: () => ({ issuer: 'https://idp.example.test', jwksUrl: 'https://idp.example.test/jwks', audiences: ['api'], subject: 'second-client' }) },
  { route: 'DELETE /api/apps/:appId/jwt-credentials/:credentialId', body: 'none' },
  { route: 'POST /api/apps/:appId/workload-credentials', body: () => ({ spiffeId: 'spiffe://example.org/ns/shop/sa/second' }) },
  { route: 'DELETE /api/apps/:appId/workload-credentials/:credentialId', params: { credentialId: 'workloadCredentialId' }, body: 'none' },
  { route: 'POST /api/apps/:appId/subscriptions', body: (w) => ({ planId: w.params.planId, note: 'again' }) },
  ...['approve', 'reject', 'pause', 'resume', 'revoke', 'cancel'].map((action) => ({
    route: `POST /api/subscriptions/:subscriptionId/${action}`,
    body: () => ({ reason: `a reason to ${action}` }),
  })),
  { route: 'POST /api/subscriptions/:subscriptionId/change-plan', body: (w) => ({ planId: w.params.planId }) },
  { route: 'POST /api/subscriptions/bulk', body: (w) => ({ action: 'approve', ids: [w.params.subscriptionId] }) },
  { route: 'POST /api/teams/:teamId/webhooks', body: () => ({ url: 'https://hooks.example.test/second' }) },
  { route: 'PATCH /api/webhooks/:webhookId', body: () => ({ active: false }) },
  { route: 'DELETE /api/webhooks/:webhookId', body: 'none' },
  { route: 'POST /api/notifications/read-all', body: 'none' },
  { route: 'POST /api/notifications/:notificationId/read', body: 'none' },
];

describe('unknown fields in write bodies', () => {
  let f: PortalFixture;
  let world: World;

  const url = (route: string, params: Record<string, string> = {}) => route.split(' ')[1]!.replace(/:(\w+)/g, (_, name: string) => world.params[params[name] ?? name]!);
  const bodyOf = (c: WriteCase, extra: Record<string, unknown>) => (c.body === 'none' ? extra : { ...c.body(world), ...extra });
  const call = (c: WriteCase, body: unknown, cookie = world.admin.cookie) =>
    f.api(c.route.split(' ')[0]!, url(c.route, c.params), {
      body,
      cookie: c.anonymous ? undefined : cookie,
      headers: c.route.includes('/internal/') ? { authorization: `Bearer ${internalToken}` } : {},
    });
  const byRoute = (route: string) => table.find((c) => c.route === route)!;
  /** Every table, row by row: a refused write leaves all of them as they were. */
  const dump = async () => {
    const tables = await selectRaw<{ name: string }>(
      f.db,
      isPostgres(f.db)
        ? sql`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`
        : sql`select name from sqlite_master where type = 'table' order by name`,
    );
    const rows = async (name: string) => (await selectRaw<unknown>(f.db, sql.raw(`select * from "${name}"`))).map((row) => JSON.stringify(row));
    // Sorted: PostgreSQL promises no row order without ORDER BY, and a rolled-back write may leave it changed.
    return JSON.stringify(await Promise.all(tables.map(async ({ name }) => [name, (await rows(name)).sort()])));
  };

  beforeAll(async () => {
    f = await createPortalFixture({ settings: { internalToken } });
    const admin = f.admin;
    const as = (user: TestUser) => (method: string, path: string, body?: unknown, expect = method === 'POST' ? 201 : 200) =>
      f.api(method, path, { cookie: user.cookie, body, expect });
    const a = as(admin);
    const [member, loner, consumer] = await Promise.all([f.createUser(), f.createUser(), f.createUser()]);

    const providerId = (await a('POST', '/api/providers', { name: 'Shared', type: 'openai', baseUrl: 'https://example.test/v1', apiKey: 'sk' })).body.provider.id;
    const teamId = (await f.createTeam({ slug: 'publisher' })).id;
    await f.addMember(teamId, member.id, 'member');
    const serviceId = (await a('POST', `/api/teams/${teamId}/services`, { name: 'LLM', slug: 'llm', kind: 'ai' })).body.service.id;
    const model = (await a('POST', `/api/services/${serviceId}/models`, { name: 'fast', targets: [{ providerId, model: 'gpt-4o-mini' }] })).body.model;
    const api = (await a('POST', `/api/services/${serviceId}/apis`, { name: 'Extra', methods: ['GET'], path: '/extra' })).body.api;
    const prompt = (await a('POST', `/api/services/${serviceId}/prompts`, { name: 'Say', path: '/say', draft: spec })).body.prompt;
    await a('POST', `/api/prompts/${prompt.id}/versions`);
    const plan = (await a('POST', `/api/services/${serviceId}/plans`, { name: 'Gold', approval: 'manual' })).body.plan;
    await a('POST', `/api/services/${serviceId}/lifecycle`, { state: 'published' }, 200);
    const app = (await a('POST', `/api/teams/${teamId}/apps`, { name: 'Own app' })).body.app;
    const key = (await a('POST', `/api/apps/${app.id}/keys`, { name: 'laptop' })).body.key;
    const jwt = (await a('POST', `/api/apps/${app.id}/jwt-credentials`, { issuer: 'https://idp.example.test', jwksUrl: 'https://idp.example.test/jwks', audiences: ['api'], subject: 'client-1' })).body.credential;
    const workload = (await a('POST', `/api/apps/${app.id}/workload-credentials`, { spiffeId: 'spiffe://example.org/ns/shop/sa/first' })).body.credential;
    const restServiceId = (await a('POST', `/api/teams/${teamId}/services`, { name: 'Pets', slug: 'pets', kind: 'rest' })).body.service.id;
    await a('PUT', `/api/services/${restServiceId}/upstreams/default`, { nodes: [{ url: 'http://127.0.0.1:9' }] }, 201);
    await a('PUT', `/api/services/${restServiceId}/upstreams/canary`, { nodes: [{ url: 'http://127.0.0.1:10' }] }, 201);
    // Another team's request notifies the admin (the publishing team's owner) and leaves a pending subscription.
    const consumerTeam = (await f.createTeam({ slug: 'consumer', ownerUserId: consumer.id })).id;
    const consumerApp = (await as(consumer)('POST', `/api/teams/${consumerTeam}/apps`, { name: 'Their app' })).body.app;
    const sub = (await as(consumer)('POST', `/api/apps/${consumerApp.id}/subscriptions`, { planId: plan.id })).body.subscription;
    const notification = await waitFor(() => first(f.db.select().from(notifications).where(eq(notifications.userId, admin.id))), 'the admin’s notification');
    // Made after the request, so no delivery is in flight while state is compared.
    const webhook = (await a('POST', `/api/teams/${teamId}/webhooks`, { url: 'https://hooks.example.test/first' })).body.webhook;
    const invited = (await a('POST', `/api/teams/${teamId}/invitations`, { email: 'invitee@example.test', role: 'member' })).body;

    world = {
      admin,
      loner,
      params: {
        teamId,
        userId: member.id,
        invitationId: invited.invitation.id,
        token: invited.token,
        providerId,
        serviceId,
        apiId: api.id,
        modelRouteId: model.id,
        promptId: prompt.id,
        version: '1',
        planId: plan.id,
        appId: app.id,
        keyId: key.id,
        credentialId: jwt.id,
        workloadCredentialId: workload.id,
        restServiceId,
        name: 'canary',
        subscriptionId: sub.id,
        webhookId: webhook.id,
        notificationId: notification.id,
      },
    };
  });
  afterAll(() => f.close());

  it('has a row for every write route the portal mounts', () => {
    const writes = f.app.routes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method)).map((r) => `${r.method} ${r.path}`);
    expect([...new Set(writes)].sort()).toEqual(table.map((c) => c.route).sort());
  });

  it('refuses a valid body plus an unknown field with 400 naming it, on every write route, changing nothing', async () => {
    for (const c of table.filter((row) => !row.lenient)) {
      const before = await dump();
      const res = await call(c, bodyOf(c, { bogusField: 1 }));
      expect(res.status, c.route).toBe(400);
      // Only the unknown field is named: the rest of the body is valid, so this is the reason for the 400.
      const takes = c.body === 'none' ? 'this API takes no body' : 'this API takes [^;]+';
      expect(res.body.error.message, c.route).toMatch(new RegExp(`^bogusField: unknown field \\(${takes}\\)$`));
      expect(await dump(), c.route).toBe(before);
    }
  });

  it('names nested unknown fields by their path and says what the object there takes', async () => {
    const message = async (route: string, body: unknown) => {
      const res = await call(byRoute(route), body);
      expect(res.status, route).toBe(400);
      return res.body.error.message as string;
    };
    const { providerId } = world.params;
    expect(await message('POST /api/services/:serviceId/models', { name: 'typo', targets: [{ providerId, model: 'gpt-4o', wieght: 2 }] })).toBe(
      'targets.0.wieght: unknown field (targets.0 takes providerId, model, weight, timeoutMs)',
    );
    expect(await message('POST /api/teams/:teamId/services', { name: 'x', slug: 'x-service', kind: 'rest', upstream: { url: 'http://127.0.0.1:1' } })).toBe(
      'upstream: unknown field (this API takes name, slug, kind, description, visibility, directModels, tags, limits, hosts, keyLocations, cors)',
    );
    expect(await message('POST /api/services/:serviceId/plans', { name: 'Typo', approval: 'auto', limits: { perKey: { requestPerMinute: 1 } } })).toMatch(
      /^limits\.perKey\.requestPerMinute: unknown field \(limits\.perKey takes requestsPerSecond, requestsPerMinute, /,
    );
    expect(await message('PATCH /api/services/:serviceId', { capture: { bodies: true, redacts: ['x'] } })).toBe('capture.redacts: unknown field (capture takes bodies, redact)');
    // REST settings (ADR 0018): a misspelt weight, credential or mirror field must not be stored without it.
    const upstream = 'PUT /api/services/:serviceId/upstreams/:name';
    expect(await message(upstream, { nodes: [{ url: 'http://127.0.0.1:9', wieght: 2 }] })).toBe('nodes.0.wieght: unknown field (nodes.0 takes url, weight)');
    expect(await message(upstream, { nodes: [{ url: 'http://127.0.0.1:9' }], credential: { header: 'x-key', valeu: 's' } })).toMatch(/^credential\.valeu: unknown field \(credential takes header, value\)/);
    expect(await message(upstream, { nodes: [{ url: 'http://127.0.0.1:9' }], retries: { attempt: 2 } })).toBe('retries.attempt: unknown field (retries takes attempts, budgetPercent, minPerSecond)');
    expect(await message('PUT /api/services/:serviceId/traffic', { mirror: { upstream: 'canary', percnt: 5 } })).toMatch(/^mirror\.percnt: unknown field \(mirror takes upstream, percent\)/);
    expect(await message('PATCH /api/services/:serviceId', { cors: { allowOrigins: ['https://a.example.test'], allowCredential: true } })).toMatch(/^cors\.allowCredential: unknown field \(cors takes allowOrigins, /);
    expect(await message('PATCH /api/services/:serviceId/apis/:apiId', { requestHeaders: { sett: { a: 'b' } } })).toMatch(/^requestHeaders\.sett: unknown field \(requestHeaders takes set, add, remove\)/);
    expect(await message('POST /api/providers', { name: 'Pool', type: 'openai', baseUrl: 'https://pool.example.test', apiKeys: [{ key: 'k', wieght: 2 }] })).toMatch(/^apiKeys\.0\.wieght: unknown field \(apiKeys\.0 takes key, weight\)/);
    // Several at once, and a typo named before the missing field it causes.
    expect(await message('POST /api/teams/:teamId/apps', { name: 'x', colour: 'red', size: 2 })).toBe('colour, size: unknown fields (this API takes name, description, costBudgetMicroUsdPerMonth, limits)');
    expect(await message('POST /api/services/:serviceId/models', { name: 'typo', targets: [{ providerId, modle: 'gpt-4o' }] })).toMatch(/^targets\.0\.modle: unknown field \(.*\); targets\.0\.model: /);
  });

  it('refuses fields on routes that take no body, but takes an empty body or {}', async () => {
    const read = byRoute('POST /api/notifications/:notificationId/read');
    expect((await call(read, '[1]')).body.error.message).toBe('body: this API takes no body; send none.');
    expect((await call(read, { note: 'seen', by: 'me' })).body.error.message).toBe('note, by: unknown fields (this API takes no body)');
    expect((await call(read, {})).status).toBe(200);
    expect((await call(read, undefined)).status).toBe(200);
    // Signed in, accepting an invitation takes no body: a name or password sent along would be dropped unseen.
    const invitee = await f.createUser({ email: 'invitee@example.test' });
    const accept = byRoute('POST /api/invitations/:token/accept');
    const res = await f.api('POST', url(accept.route), { cookie: invitee.cookie, body: { name: 'Someone else' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('name: unknown field (this API takes no body)');
  });

  it('keeps what it does not know where that is the point: documents as sent, and gateways’ call-record batches', async () => {
    expect(table.filter((c) => c.lenient).map((c) => c.route)).toEqual(['POST /api/internal/call-records', 'PUT /api/services/:serviceId/openapi']);
    const batch = await call(byRoute('POST /api/internal/call-records'), { records: [], fromANewerGateway: true });
    expect(batch.status).toBe(200);
    const put = byRoute('PUT /api/services/:serviceId/openapi');
    expect((await call(put, bodyOf(put, { bogusField: 1 }))).status).toBe(200);
    const stored = await f.api('GET', url('GET /api/services/:serviceId/openapi'), { cookie: world.admin.cookie, expect: 200 });
    expect(stored.body.bogusField).toBe(1);
  });
});
