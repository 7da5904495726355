import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, ne } from 'drizzle-orm';
import { apiKeys, apis, appCredentials, apps, auditEvents, invitations, modelRoutes, plans, promptVersions, prompts, providers, services, subscriptions, teamMembers, teams, upstreamCredentials, users } from '@tollgate/db';
import { first, notifications, webhookDeliveries, webhooks } from '@tollgate/db';
import { insertCallRecords } from './call-records/store';
import { waitFor } from './notifications/test-market';
import { callRecord } from './testing/call-record-factory';
import { createPortalFixture, type PortalFixture, type TestUser } from './testing/portal-fixture';

/**
 * Tenant isolation, route by route. Team A owns one of everything; the owner of team B (all rights in B, none
 * in A) calls every route with team A's real ids and valid bodies. A missing check would make a call succeed,
 * so each refusal below is a check that exists.
 */
type Access =
  /** Names a team A resource by id: B gets 404 (or 403) and learns nothing. */
  | 'team'
  /** Platform admin only: B gets 403. */
  | 'platform'
  /** Any signed-in user, no team data (providers). */
  | 'signed-in'
  /** Lists filtered to the caller: B gets 200 without team A's items. */
  | 'list'
  /** Acts on many ids at once: B gets 200 with each of team A's items refused (403/404), or a 4xx without a body. */
  | 'bulk';

interface RouteCase {
  route: string;
  access: Access;
  body?: (w: World) => unknown;
  /** Query string a route needs to get past validation (`?format=csv`). */
  query?: string;
  /** Path parameters taken from another world entry: REST-only routes name team A's REST service. */
  params?: Record<string, string>;
}

interface World {
  params: Record<string, string>;
  providerId: string;
  loner: TestUser;
}

const promptSpec = (model: string) => ({ messages: [{ role: 'user', content: 'Say {{word}}' }], variables: { type: 'object', properties: { word: { type: 'string' } } }, model });

const table: RouteCase[] = [
  { route: 'POST /api/users', access: 'platform', body: () => ({ email: 'intruder@example.test', name: 'Intruder' }) },
  { route: 'GET /api/users', access: 'platform' },
  { route: 'POST /api/teams', access: 'platform', body: () => ({ name: 'Intruders', slug: 'intruders' }) },
  { route: 'GET /api/teams', access: 'list' },
  { route: 'GET /api/teams/:teamId', access: 'team' },
  { route: 'PATCH /api/teams/:teamId', access: 'team', body: () => ({ costBudgetMicroUsdPerMonth: 1 }) },
  { route: 'GET /api/teams/:teamId/audit-events', access: 'team' },
  { route: 'GET /api/teams/:teamId/members', access: 'team' },
  { route: 'POST /api/teams/:teamId/members', access: 'team', body: (w) => ({ userId: w.loner.id, role: 'owner' }) },
  { route: 'DELETE /api/teams/:teamId/members/:userId', access: 'team' },
  { route: 'PATCH /api/teams/:teamId/members/:userId', access: 'team', body: () => ({ role: 'owner' }) },
  { route: 'POST /api/teams/:teamId/invitations', access: 'team', body: () => ({ email: 'intruder-invite@example.test', role: 'owner' }) },
  { route: 'GET /api/teams/:teamId/invitations', access: 'team' },
  { route: 'DELETE /api/teams/:teamId/invitations/:invitationId', access: 'team' },
  { route: 'POST /api/providers', access: 'platform', body: () => ({ name: 'Rogue', type: 'openai', baseUrl: 'https://rogue.example.test', apiKey: 'k' }) },
  { route: 'GET /api/providers', access: 'signed-in' },
  { route: 'GET /api/providers/:providerId', access: 'signed-in' },
  { route: 'PATCH /api/providers/:providerId', access: 'platform', body: () => ({ baseUrl: 'https://rogue.example.test' }) },
  { route: 'DELETE /api/providers/:providerId', access: 'platform' },
  { route: 'POST /api/providers/:providerId/test', access: 'platform', body: () => ({}) },
  { route: 'POST /api/teams/:teamId/services', access: 'team', body: () => ({ name: 'Intrusion', slug: 'intrusion', kind: 'rest' }) },
  { route: 'GET /api/services', access: 'list' },
  { route: 'GET /api/services/:serviceId', access: 'team' },
  { route: 'PATCH /api/services/:serviceId', access: 'team', body: () => ({ visibility: 'public', capture: { bodies: true, redact: [] } }) },
  { route: 'GET /api/services/:serviceId/apis', access: 'team' },
  { route: 'POST /api/services/:serviceId/apis', access: 'team', body: () => ({ name: 'Rogue', methods: ['GET'], path: '/rogue' }) },
  { route: 'PATCH /api/services/:serviceId/apis/:apiId', access: 'team', body: () => ({ name: 'Hijacked API' }) },
  { route: 'DELETE /api/services/:serviceId/apis/:apiId', access: 'team' },
  { route: 'GET /api/services/:serviceId/upstreams', access: 'team', params: { serviceId: 'restServiceId' } },
  { route: 'PUT /api/services/:serviceId/upstreams/:name', access: 'team', params: { serviceId: 'restServiceId' }, body: () => ({ nodes: [{ url: 'https://intruder.example.test' }], credential: { header: 'x-key', value: 'stolen' } }) },
  { route: 'DELETE /api/services/:serviceId/upstreams/:name', access: 'team', params: { serviceId: 'restServiceId' } },
  { route: 'PUT /api/services/:serviceId/traffic', access: 'team', params: { serviceId: 'restServiceId' }, body: () => ({ split: [{ upstream: 'default', weight: 1 }], mirror: { upstream: 'default', percent: 100 } }) },
  { route: 'PUT /api/services/:serviceId/openapi', access: 'team', body: () => ({ openapi: '3.1.0', info: { title: 'Rogue', version: '1' }, paths: {} }) },
  { route: 'GET /api/services/:serviceId/openapi', access: 'team' },
  { route: 'GET /api/services/:serviceId/mesh', access: 'team', query: '?target=istio&host=alpha-mesh.example.test' },
  { route: 'POST /api/services/:serviceId/models', access: 'team', body: (w) => ({ name: 'rogue', targets: [{ providerId: w.providerId, model: 'x' }] }) },
  { route: 'GET /api/services/:serviceId/models', access: 'team' },
  { route: 'DELETE /api/services/:serviceId/models/:modelRouteId', access: 'team' },
  { route: 'POST /api/services/:serviceId/prompts', access: 'team', body: () => ({ name: 'Rogue prompt', path: '/rogue', draft: promptSpec('alpha-secret-model') }) },
  { route: 'GET /api/services/:serviceId/prompts', access: 'team' },
  { route: 'GET /api/prompts/:promptId', access: 'team' },
  { route: 'PATCH /api/prompts/:promptId', access: 'team', body: () => ({ name: 'Hijacked' }) },
  { route: 'DELETE /api/prompts/:promptId', access: 'team' },
  { route: 'POST /api/prompts/:promptId/versions', access: 'team' },
  { route: 'GET /api/prompts/:promptId/versions', access: 'team' },
  { route: 'GET /api/prompts/:promptId/versions/diff', access: 'team' },
  { route: 'GET /api/prompts/:promptId/versions/:version', access: 'team' },
  { route: 'POST /api/prompts/:promptId/publish', access: 'team', body: () => ({ version: 1 }) },
  { route: 'POST /api/prompts/:promptId/test-run', access: 'team', body: () => ({ variables: {} }) },
  { route: 'POST /api/services/:serviceId/lifecycle', access: 'team', body: () => ({ state: 'deprecated' }) },
  { route: 'GET /api/services/:serviceId/releases', access: 'team' },
  { route: 'GET /api/services/:serviceId/releases/diff', access: 'team' },
  { route: 'GET /api/services/:serviceId/releases/:version', access: 'team' },
  { route: 'POST /api/services/:serviceId/releases', access: 'team' },
  { route: 'POST /api/services/:serviceId/releases/:version/publish', access: 'team' },
  { route: 'POST /api/services/:serviceId/plans', access: 'team', body: () => ({ name: 'Rogue plan', approval: 'auto' }) },
  { route: 'GET /api/services/:serviceId/plans', access: 'team' },
  { route: 'PATCH /api/plans/:planId', access: 'team', body: () => ({ approval: 'auto', name: 'Free for all' }) },
  { route: 'POST /api/teams/:teamId/apps', access: 'team', body: () => ({ name: 'Rogue app' }) },
  { route: 'GET /api/teams/:teamId/apps', access: 'team' },
  { route: 'GET /api/apps/:appId', access: 'team' },
  { route: 'PATCH /api/apps/:appId', access: 'team', body: () => ({ name: 'Renamed' }) },
  { route: 'DELETE /api/apps/:appId', access: 'team' },
  { route: 'POST /api/apps/:appId/keys', access: 'team', body: () => ({ name: 'stolen' }) },
  { route: 'GET /api/apps/:appId/keys', access: 'team' },
  { route: 'POST /api/apps/:appId/keys/:keyId/revoke', access: 'team' },
  { route: 'POST /api/apps/:appId/keys/:keyId/rotate', access: 'team', body: () => ({ graceSeconds: 60 }) },
  { route: 'GET /api/apps/:appId/usage', access: 'team' },
  { route: 'POST /api/apps/:appId/jwt-credentials', access: 'team', body: () => ({ issuer: 'https://intruder.example.test', jwksUrl: 'https://intruder.example.test/jwks', audiences: ['x'], subject: 'intruder' }) },
  { route: 'GET /api/apps/:appId/jwt-credentials', access: 'team' },
  { route: 'DELETE /api/apps/:appId/jwt-credentials/:credentialId', access: 'team' },
  { route: 'POST /api/apps/:appId/workload-credentials', access: 'team', body: () => ({ spiffeId: 'spiffe://intruder.example/ns/x/sa/intruder' }) },
  { route: 'GET /api/apps/:appId/workload-credentials', access: 'team' },
  { route: 'DELETE /api/apps/:appId/workload-credentials/:credentialId', access: 'team', params: { credentialId: 'workloadCredentialId' } },
  { route: 'POST /api/apps/:appId/subscriptions', access: 'team', body: (w) => ({ planId: w.params.planId }) },
  { route: 'GET /api/apps/:appId/subscriptions', access: 'team' },
  { route: 'GET /api/subscriptions', access: 'list' },
  { route: 'POST /api/subscriptions/:subscriptionId/approve', access: 'team', body: () => ({ reason: 'sure' }) },
  { route: 'POST /api/subscriptions/:subscriptionId/reject', access: 'team', body: () => ({ reason: 'no' }) },
  { route: 'POST /api/subscriptions/:subscriptionId/pause', access: 'team', body: () => ({ reason: 'hold' }) },
  { route: 'POST /api/subscriptions/:subscriptionId/resume', access: 'team', body: () => ({}) },
  { route: 'POST /api/subscriptions/:subscriptionId/revoke', access: 'team', body: () => ({ reason: 'gone' }) },
  { route: 'POST /api/subscriptions/:subscriptionId/cancel', access: 'team', body: () => ({}) },
  { route: 'POST /api/subscriptions/:subscriptionId/change-plan', access: 'team', body: (w) => ({ planId: w.params.planId }) },
  { route: 'POST /api/subscriptions/bulk', access: 'bulk', body: (w) => ({ action: 'approve', ids: [w.params.subscriptionId], reason: 'sure' }) },
  { route: 'GET /api/call-records', access: 'list' },
  { route: 'GET /api/call-records/export', access: 'list', query: '?format=csv&includeBodies=true' },
  { route: 'GET /api/call-records/:callRecordId', access: 'team' },
  { route: 'GET /api/analytics/timeseries', access: 'list' },
  { route: 'GET /api/analytics/top', access: 'list' },
  { route: 'POST /api/teams/:teamId/webhooks', access: 'team', body: () => ({ url: 'https://intruder.example.test/hook' }) },
  { route: 'GET /api/teams/:teamId/webhooks', access: 'team' },
  { route: 'PATCH /api/webhooks/:webhookId', access: 'team', body: () => ({ url: 'https://intruder.example.test/hook', active: true }) },
  { route: 'DELETE /api/webhooks/:webhookId', access: 'team' },
  { route: 'GET /api/webhooks/:webhookId/deliveries', access: 'team' },
  { route: 'GET /api/notifications', access: 'list' },
  { route: 'GET /api/platform', access: 'signed-in' },
  { route: 'POST /api/notifications/read-all', access: 'list' },
  { route: 'POST /api/notifications/:notificationId/read', access: 'team' },
  { route: 'GET /api/audit-events', access: 'platform' },
];

describe('tenant isolation', () => {
  let f: PortalFixture;
  let ownerA: TestUser;
  let memberA: TestUser;
  let ownerB: TestUser;
  let world: World;
  /** Everything that identifies team A's private things: none may appear in a response to team B. */
  let secrets: string[];
  let teamB: string;
  const own: Record<string, string> = {};

  const url = (route: string, params: Record<string, string> = {}) => route.split(' ')[1]!.replace(/:(\w+)/g, (_, name: string) => world.params[params[name] ?? name]!);
  const call = (c: RouteCase, cookie?: string, withBody = true) =>
    f.api(c.route.split(' ')[0]!, url(c.route, c.params) + (c.query ?? ''), { cookie, body: withBody && c.body ? c.body(world) : undefined });
  const expectNoLeak = (text: string, route: string) => {
    for (const secret of secrets) expect(text, `${route} leaks ${secret}`).not.toContain(secret);
  };
  const auditCountOf = async (user: TestUser) => (await f.db.select().from(auditEvents).where(eq(auditEvents.actorUserId, user.id))).length;
  /** Webhooks, their deliveries and notifications: a refused call changes none of them. */
  const dumpNotifyState = async () => JSON.stringify(await Promise.all([webhooks, webhookDeliveries, notifications].map((t) => f.db.select().from(t))));
  const dumpTeamState = async () =>
    JSON.stringify(
      await Promise.all(
        [teams, teamMembers, invitations, services, apis, plans, modelRoutes, prompts, promptVersions, apps, apiKeys, appCredentials, subscriptions, providers, upstreamCredentials, users].map((t) =>
          f.db.select().from(t),
        ),
      ),
    );

  beforeAll(async () => {
    f = await createPortalFixture();
    ownerA = await f.createUser({ email: 'alpha-owner@example.test', name: 'Alpha Owner' });
    memberA = await f.createUser({ email: 'alpha-member@example.test', name: 'Alpha Member' });
    ownerB = await f.createUser({ email: 'bravo-owner@example.test', name: 'Bravo Owner' });
    const loner = await f.createUser({ email: 'loner@example.test' });
    const a = (method: string, path: string, body?: unknown, expect = method === 'POST' ? 201 : 200) =>
      f.api(method, path, { cookie: ownerA.cookie, body, expect });
    const b = (method: string, path: string, body?: unknown, expect = method === 'POST' ? 201 : 200) =>
      f.api(method, path, { cookie: ownerB.cookie, body, expect });

    const providerId = (await f.api('POST', '/api/providers', { cookie: f.admin.cookie, body: { name: 'Shared', type: 'openai', baseUrl: 'https://example.test/v1', apiKey: 'sk-shared' }, expect: 201 })).body.provider.id;

    const teamA = (await f.createTeam({ slug: 'alpha-confidential', name: 'Alpha Confidential Team', ownerUserId: ownerA.id })).id;
    await f.addMember(teamA, memberA.id, 'member');
    const draft = (await a('POST', `/api/teams/${teamA}/services`, { name: 'Alpha Hidden Draft', slug: 'alpha-hidden-draft', kind: 'rest', description: 'alpha draft description' })).body.service;
    const svc = (await a('POST', `/api/teams/${teamA}/services`, { name: 'Alpha Team LLM', slug: 'alpha-team-llm', kind: 'ai', visibility: 'team', tags: ['alpha-classified'] })).body.service;
    const api = (await a('POST', `/api/services/${svc.id}/apis`, { name: 'Alpha Secret Operation', methods: ['GET'], path: '/alpha-secret-path' })).body.api;
    await a('PUT', `/api/services/${draft.id}/openapi`, { openapi: '3.1.0', info: { title: 'Alpha Draft Spec', version: '1' }, paths: { '/alpha-draft-path': { get: {} } } }, 200);
    // Team A's REST settings: hosts, an upstream with a sealed credential, a canary, a split, and an API's header rules.
    await a('PATCH', `/api/services/${draft.id}`, { hosts: ['alpha-api.example.test'], cors: { allowOrigins: ['https://alpha-app.example.test'] } }, 200);
    await a('PUT', `/api/services/${draft.id}/upstreams/default`, { nodes: [{ url: 'http://alpha-upstream.internal:8080' }], credential: { header: 'x-alpha-upstream-key', value: 'alpha-upstream-secret' } }, 201);
    await a('PUT', `/api/services/${draft.id}/upstreams/canary`, { nodes: [{ url: 'http://alpha-canary.internal:8080' }] }, 201);
    await a('PUT', `/api/services/${draft.id}/traffic`, { split: [{ upstream: 'default', weight: 9 }, { upstream: 'canary', weight: 1 }] }, 200);
    const restApi = (await a('POST', `/api/services/${draft.id}/apis`, { name: 'Alpha REST Operation', methods: ['GET'], path: '/alpha-rest/{id}', requestHeaders: { set: { 'x-alpha-rule': 'alpha-rule-value' } } })).body.api;
    const model = (await a('POST', `/api/services/${svc.id}/models`, { name: 'alpha-secret-model', targets: [{ providerId, model: 'gpt-4o-mini' }] })).body.model;
    const plan = (await a('POST', `/api/services/${svc.id}/plans`, { name: 'Alpha Gold Plan', approval: 'manual' })).body.plan;
    const prompt = (await a('POST', `/api/services/${svc.id}/prompts`, { name: 'Alpha Secret Prompt', path: '/alpha-secret-prompt', draft: promptSpec('alpha-secret-model') })).body.prompt;
    await a('POST', `/api/prompts/${prompt.id}/versions`);
    await a('POST', `/api/services/${svc.id}/lifecycle`, { state: 'published' }, 200);
    const app = (await a('POST', `/api/teams/${teamA}/apps`, { name: 'Alpha Checkout App' })).body.app;
    const key = (await a('POST', `/api/apps/${app.id}/keys`, { name: 'alpha-prod-key' })).body;
    const jwt = (await a('POST', `/api/apps/${app.id}/jwt-credentials`, { issuer: 'https://alpha-idp.example.test', jwksUrl: 'https://alpha-idp.example.test/jwks', audiences: ['alpha-audience'], subject: 'alpha-jwt-subject' })).body.credential;
    const workload = (await a('POST', `/api/apps/${app.id}/workload-credentials`, { spiffeId: 'spiffe://alpha.example/ns/alpha-shop/sa/alpha-checkout' })).body.credential;
    const sub = (await a('POST', `/api/apps/${app.id}/subscriptions`, { planId: plan.id, note: 'alpha private note' })).body.subscription;
    await insertCallRecords(f.db, [
      callRecord({ id: 'call_alpha_record', appId: app.id, serviceId: svc.id, teamId: teamA, bodies: { request: '{"q":"alpha-captured-body"}', response: null, requestTruncated: false, responseTruncated: false } }),
    ]);
    // A webhook to a closed loopback port (its deliveries fail fast), and a request by the member so the owner
    // (a publisher admin) gets a notification and the webhook a delivery.
    const hook = (await a('POST', `/api/teams/${teamA}/webhooks`, { url: 'http://127.0.0.1:9/alpha-hook-path' })).body;
    const secondApp = (await a('POST', `/api/teams/${teamA}/apps`, { name: 'Alpha Second App' })).body.app;
    await f.api('POST', `/api/apps/${secondApp.id}/subscriptions`, { cookie: memberA.cookie, body: { planId: plan.id, note: 'alpha second note' }, expect: 201 });
    const notification = await waitFor(() => first(f.db.select().from(notifications).where(eq(notifications.userId, ownerA.id))), 'team A’s notification');
    // Settled (failed, unless something answers on port 9), so the state dumps below do not move on their own.
    const delivery = await waitFor(() => first(f.db.select().from(webhookDeliveries).where(ne(webhookDeliveries.state, 'pending'))), 'team A’s delivery to settle');
    const invited = (await a('POST', `/api/teams/${teamA}/invitations`, { email: 'alpha-invitee@example.test', role: 'admin' })).body;

    // Team B has its own things, so the lists it reads are not empty by accident.
    teamB = (await f.createTeam({ slug: 'bravo', name: 'Bravo', ownerUserId: ownerB.id })).id;
    const bSvc = (await b('POST', `/api/teams/${teamB}/services`, { name: 'Bravo API', slug: 'bravo-api', kind: 'rest' })).body.service;
    const bPlan = (await b('POST', `/api/services/${bSvc.id}/plans`, { name: 'Bravo Plan', approval: 'manual' })).body.plan;
    await b('POST', `/api/services/${bSvc.id}/lifecycle`, { state: 'published' }, 200);
    const bApp = (await b('POST', `/api/teams/${teamB}/apps`, { name: 'Bravo App' })).body.app;
    const bSub = (await b('POST', `/api/apps/${bApp.id}/subscriptions`, { planId: bPlan.id })).body.subscription;
    await insertCallRecords(f.db, [callRecord({ id: 'call_bravo_record', appId: bApp.id, serviceId: bSvc.id })]);
    Object.assign(own, { service: bSvc.id, app: bApp.id, subscription: bSub.id });
    own.webhook = (await b('POST', `/api/teams/${teamB}/webhooks`, { url: 'http://127.0.0.1:9/bravo-hook' })).body.webhook.id;

    world = {
      providerId,
      loner,
      params: {
        teamId: teamA,
        userId: memberA.id,
        providerId,
        serviceId: svc.id,
        modelRouteId: model.id,
        apiId: api.id,
        planId: plan.id,
        appId: app.id,
        keyId: key.key.id,
        subscriptionId: sub.id,
        invitationId: invited.invitation.id,
        promptId: prompt.id,
        version: '1',
        callRecordId: 'call_alpha_record',
        restServiceId: draft.id,
        name: 'canary',
        credentialId: jwt.id,
        workloadCredentialId: workload.id,
      },
    };
    secrets = [
      teamA, 'alpha-confidential', 'Alpha Confidential Team', ownerA.id, ownerA.email, memberA.id, memberA.email,
      draft.id, 'alpha-hidden-draft', 'Alpha Hidden Draft', 'alpha draft description',
      svc.id, 'alpha-team-llm', 'Alpha Team LLM', 'alpha-classified', api.id, 'Alpha Secret Operation', '/alpha-secret-path', 'Alpha Draft Spec', '/alpha-draft-path', model.id, 'alpha-secret-model', plan.id, 'Alpha Gold Plan',
      app.id, 'Alpha Checkout App', key.key.id, key.key.prefix, key.secret, 'alpha-prod-key', sub.id, 'alpha private note',
      'call_alpha_record', 'alpha-captured-body', invited.invitation.id, 'alpha-invitee@example.test', invited.token,
      prompt.id, 'Alpha Secret Prompt', '/alpha-secret-prompt',
      'alpha-api.example.test', 'alpha-app.example.test', 'alpha-upstream.internal', 'x-alpha-upstream-key', 'alpha-upstream-secret', 'alpha-canary.internal',
      restApi.id, 'Alpha REST Operation', '/alpha-rest/', 'alpha-rule-value', jwt.id, 'alpha-idp.example.test', 'alpha-audience', 'alpha-jwt-subject',
      workload.id, 'alpha-shop', 'alpha-checkout',
    ];
    Object.assign(world.params, { webhookId: hook.webhook.id, notificationId: notification.id });
    secrets.push(hook.webhook.id, 'alpha-hook-path', hook.secret, delivery.id, notification.id, secondApp.id, 'Alpha Second App', 'alpha second note');
  });
  afterAll(() => f.close());

  it('covers every resource route the portal mounts', () => {
    const registered = f.app.routes
      .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/') && !/^\/api\/(auth|internal|invitations)\//.test(r.path))
      .map((r) => `${r.method} ${r.path}`);
    expect([...new Set(registered)].sort()).toEqual(table.map((c) => c.route).sort());
  });

  it('answers 401 to every route without a session', async () => {
    for (const c of table) {
      const res = await call(c);
      expect(res.status, c.route).toBe(401);
      expectNoLeak(JSON.stringify(res.body), c.route);
    }
  });

  it('refuses team B everything of team A, changing nothing and leaking nothing', async () => {
    const before = await dumpTeamState();
    const notifyBefore = await dumpNotifyState();
    const auditBefore = await auditCountOf(ownerB);
    for (const c of table) {
      // Twice: with a valid body, and with none, so access is checked before the body is read.
      for (const withBody of c.body ? [true, false] : [true]) {
        const res = await call(c, ownerB.cookie, withBody);
        const label = `${c.route}${withBody ? '' : ' (no body)'}`;
        if (c.access === 'team') expect([403, 404], label).toContain(res.status);
        if (c.access === 'platform') expect(res.status, label).toBe(403);
        if (c.access === 'signed-in' || c.access === 'list') expect(res.status, label).toBe(200);
        if (c.access === 'bulk' && withBody) {
          expect(res.status, label).toBe(200);
          for (const item of res.body.results) expect([403, 404], label).toContain(item.status);
        }
        if (c.access === 'bulk' && !withBody) expect(res.status, label).toBeGreaterThanOrEqual(400);
        // A bulk answer names back the ids it was sent; nothing else of team A may be in it.
        const shown = c.access === 'bulk' && withBody ? res.body.results.map(({ id: _sent, ...rest }: { id: string }) => rest) : res.body;
        expectNoLeak(JSON.stringify(shown), label);
      }
    }
    expect(await dumpTeamState()).toBe(before);
    expect(await dumpNotifyState()).toBe(notifyBefore);
    expect(await auditCountOf(ownerB)).toBe(auditBefore);
  });

  it('lists only team B’s own things to team B', async () => {
    const teamsList = await f.api('GET', '/api/teams', { cookie: ownerB.cookie });
    expect(teamsList.body.teams.map((t: { id: string }) => t.id)).toEqual([teamB]);
    const catalogue = await f.api('GET', '/api/services', { cookie: ownerB.cookie });
    expect(catalogue.body.services.map((s: { id: string }) => s.id)).toEqual([own.service]);
    const filtered = await f.api('GET', `/api/services?teamId=${world.params.teamId}`, { cookie: ownerB.cookie });
    expect(filtered.body.services).toEqual([]);
    // Catalogue filters narrow the visibility rule, never widen it: team A's team-only and draft services stay hidden.
    const searches = await Promise.all(
      ['tag=alpha-classified', 'q=alpha-classified', 'q=Alpha%20Team%20LLM', 'q=alpha', 'q=hidden%20draft', 'q=alpha%20draft%20description'].map((query) =>
        f.api('GET', `/api/services?${query}`, { cookie: ownerB.cookie }),
      ),
    );
    for (const res of searches) expect(res.body.services).toEqual([]);
    expect((await f.api('GET', '/api/services?q=bravo', { cookie: ownerB.cookie })).body.services.map((s: { id: string }) => s.id)).toEqual([own.service]);
    const queue = await f.api('GET', '/api/subscriptions', { cookie: ownerB.cookie });
    expect(queue.body.subscriptions.map((s: { id: string }) => s.id)).toEqual([own.subscription]);
    const records = await f.api('GET', '/api/call-records', { cookie: ownerB.cookie });
    expect(records.body.records.map((r: { id: string }) => r.id)).toEqual(['call_bravo_record']);
    const filteredRecords = await f.api('GET', `/api/call-records?appId=${world.params.appId}`, { cookie: ownerB.cookie });
    expect(filteredRecords.body.records).toEqual([]);
    // The export is the list's rule too: team B's own record, and nothing of team A's however it filters.
    const exported = await f.api('GET', '/api/call-records/export?format=ndjson&includeBodies=true', { cookie: ownerB.cookie, expect: 200 });
    expect(exported.body).toMatchObject({ id: 'call_bravo_record' });
    const exportedOfA = await f.api('GET', `/api/call-records/export?format=ndjson&appId=${world.params.appId}`, { cookie: ownerB.cookie, expect: 200 });
    expect(exportedOfA.body).toBeNull();
    for (const res of [exported, exportedOfA]) expectNoLeak(JSON.stringify(res.body), 'export');
    const appsList = await f.api('GET', `/api/teams/${teamB}/apps`, { cookie: ownerB.cookie });
    expect(appsList.body.apps.map((a: { id: string }) => a.id)).toEqual([own.app]);
    // Analytics count team B's own call only, and a filter naming team A's app finds nothing.
    const series = await f.api('GET', '/api/analytics/timeseries', { cookie: ownerB.cookie, expect: 200 });
    expect(series.body.series[0].totals.requests).toBe(1);
    const top = await f.api('GET', '/api/analytics/top?dimension=app', { cookie: ownerB.cookie, expect: 200 });
    expect(top.body.rows.map((r: { value: string }) => r.value)).toEqual([own.app]);
    const topOfA = await f.api('GET', `/api/analytics/top?appId=${world.params.appId}`, { cookie: ownerB.cookie, expect: 200 });
    expect(topOfA.body.rows).toEqual([]);
    for (const res of [series, top, topOfA]) expectNoLeak(JSON.stringify(res.body), 'analytics');
    for (const res of [teamsList, catalogue, filtered, ...searches, queue, records, filteredRecords, appsList]) expectNoLeak(JSON.stringify(res.body), 'list');

    // Made last, since a public published service of team A shows in team B's catalogue: its prompt is versioned
    // and published in the working copy but not released, so team B sees none of it, nor its docs.
    const a = (method: string, path: string, body?: unknown, expect = method === 'POST' ? 201 : 200) => f.api(method, path, { cookie: ownerA.cookie, body, expect });
    const pub = (await a('POST', `/api/teams/${world.params.teamId}/services`, { name: 'Open Writer', slug: 'open-writer', kind: 'ai' })).body.service;
    await a('POST', `/api/services/${pub.id}/models`, { name: 'writer-model', targets: [{ providerId: world.providerId, model: 'gpt-4o-mini' }] });
    await a('POST', `/api/services/${pub.id}/lifecycle`, { state: 'published' }, 200);
    const unreleased = (await a('POST', `/api/services/${pub.id}/prompts`, { name: 'Unreleased Alpha Prompt', path: '/unreleased-alpha', draft: promptSpec('writer-model') })).body.prompt;
    await a('POST', `/api/prompts/${unreleased.id}/versions`);
    await a('POST', `/api/prompts/${unreleased.id}/publish`, { version: 1 }, 200);
    expect((await f.api('GET', `/api/services/${pub.id}/prompts`, { cookie: ownerA.cookie, expect: 200 })).body.prompts).toHaveLength(1);
    const bPrompts = await f.api('GET', `/api/services/${pub.id}/prompts`, { cookie: ownerB.cookie, expect: 200 });
    expect(bPrompts.body.prompts).toEqual([]);
    const bRead = await f.api('GET', `/api/prompts/${unreleased.id}`, { cookie: ownerB.cookie });
    expect(bRead.status).toBe(404);
    const bDocs = await f.api('GET', `/api/services/${pub.id}/openapi`, { cookie: ownerB.cookie, expect: 200 });
    for (const res of [bPrompts, bRead, bDocs]) {
      for (const secret of [unreleased.id, 'Unreleased Alpha Prompt', '/unreleased-alpha', 'Say {{word}}']) expect(JSON.stringify(res.body), secret).not.toContain(secret);
    }
  });

  it('shows team B only its own webhooks and notifications', async () => {
    const hooks = await f.api('GET', `/api/teams/${teamB}/webhooks`, { cookie: ownerB.cookie, expect: 200 });
    expect(hooks.body.webhooks.map((w: { id: string }) => w.id)).toEqual([own.webhook]);
    const deliveries = await f.api('GET', `/api/webhooks/${own.webhook}/deliveries`, { cookie: ownerB.cookie, expect: 200 });
    const inbox = await f.api('GET', '/api/notifications', { cookie: ownerB.cookie, expect: 200 });
    expect(inbox.body.notifications.filter((n: { teamId: string }) => n.teamId !== teamB)).toEqual([]);
    for (const res of [hooks, deliveries, inbox]) expectNoLeak(JSON.stringify(res.body), 'webhooks and notifications');
    // Team A's notification is still unread after team B's read-all.
    const ownerAInbox = await f.api('GET', '/api/notifications?unread=true', { cookie: ownerA.cookie, expect: 200 });
    expect(ownerAInbox.body.notifications.map((n: { id: string }) => n.id)).toContain(world.params.notificationId);
  });

  it('refuses platform-admin routes to a team owner who is not a platform admin', async () => {
    for (const c of table.filter((t) => t.access === 'platform')) {
      expect((await call(c, ownerA.cookie)).status, c.route).toBe(403);
    }
  });

  it('lets team A itself through the same routes (the table is not refusing everyone)', async () => {
    for (const c of table.filter((t) => t.access === 'team' && t.route.startsWith('GET '))) {
      expect((await call(c, ownerA.cookie)).status, c.route).toBe(200);
    }
  });
});
