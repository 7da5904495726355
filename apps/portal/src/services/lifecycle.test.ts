import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { auditEvents, releases } from '@tollgate/db';
import { lifecycleStates, type LifecycleState, type ServiceId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { assertLifecycleTransition, lifecycleTransitions } from './lifecycle';
import { compileSnapshot } from '../snapshot/compile';

describe('lifecycle transitions', () => {
  const allowed: Array<[LifecycleState, LifecycleState]> = [
    ['draft', 'published'],
    ['published', 'deprecated'],
    ['deprecated', 'published'],
    ['deprecated', 'retired'],
  ];

  it('allows exactly the documented moves and names the allowed ones otherwise', () => {
    for (const from of lifecycleStates) {
      for (const to of lifecycleStates) {
        const ok = allowed.some(([a, b]) => a === from && b === to);
        if (ok) expect(() => assertLifecycleTransition(from, to)).not.toThrow();
        else expect(() => assertLifecycleTransition(from, to), `${from}→${to}`).toThrow(/cannot become/);
      }
    }
    expect(() => assertLifecycleTransition('draft', 'retired')).toThrow('allowed next states: published');
    expect(() => assertLifecycleTransition('deprecated', 'draft')).toThrow('allowed next states: published, retired');
    expect(() => assertLifecycleTransition('retired', 'published')).toThrow('it is final');
    expect(Object.keys(lifecycleTransitions).sort()).toEqual([...lifecycleStates].sort());
  });
});

describe('lifecycle API', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let member: TestUser;
  let serviceId: ServiceId;

  const move = (state: string, cookie = owner.cookie) => f.api('POST', `/api/services/${serviceId}/lifecycle`, { cookie, body: { state } });

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, member] = await Promise.all([f.createUser(), f.createUser()]);
    const team = await f.createTeam({ slug: 'life', ownerUserId: owner.id });
    await f.addMember(team.id, member.id, 'member');
    serviceId = (await f.api('POST', `/api/teams/${team.id}/services`, { cookie: owner.cookie, body: { name: 'Svc', slug: 'svc', kind: 'ai' }, expect: 201 })).body.service.id;
    const provider = await f.api('POST', '/api/providers', { cookie: f.admin.cookie, body: { name: 'P', type: 'openai', baseUrl: 'https://example.test', apiKey: 'k' }, expect: 201 });
    await f.api('POST', `/api/services/${serviceId}/models`, { cookie: owner.cookie, body: { name: 'fast', targets: [{ providerId: provider.body.provider.id, model: 'gpt-4o-mini' }] }, expect: 201 });
    await f.api('POST', `/api/services/${serviceId}/plans`, { cookie: owner.cookie, body: { name: 'Free', approval: 'auto', limits: { requestsPerMinute: 60 } }, expect: 201 });
  });
  afterAll(() => f.close());

  it('walks draft → published → deprecated → published → deprecated → retired, refusing the rest', async () => {
    expect((await move('published', member.cookie)).status).toBe(403);
    const refusedFromDraft = await move('deprecated');
    expect(refusedFromDraft.status).toBe(409);
    expect(refusedFromDraft.body.error.message).toBe('A draft service cannot become deprecated; allowed next states: published.');
    expect((await move('retired')).status).toBe(409);
    expect((await move('draft')).status).toBe(409);

    const revision = await f.revision();
    const published = await move('published');
    expect(published.status).toBe(200);
    expect(published.body.service.lifecycle).toBe('published');
    expect(published.body.release).toMatchObject({ version: 1 });
    expect(await f.revision()).toBe(revision + 1);

    const fromPublished = await move('published');
    expect(fromPublished.status).toBe(409);
    expect(fromPublished.body.error.message).toMatch(/allowed next states: deprecated/);
    expect((await move('retired')).status).toBe(409);
    expect((await move('draft')).status).toBe(409);

    const deprecated = await move('deprecated');
    expect(deprecated.body).toMatchObject({ service: { lifecycle: 'deprecated' }, release: null });
    expect((await move('draft')).body.error.message).toMatch(/allowed next states: published, retired/);
    // Back from deprecated keeps the live release: un-deprecating must not ship unreleased edits.
    expect((await move('published')).body.release).toBeNull();
    expect((await move('deprecated')).status).toBe(200);
    expect((await move('retired')).body.service.lifecycle).toBe('retired');
    for (const state of lifecycleStates) {
      const res = await move(state);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/it is final/);
    }
    expect((await move('gone')).body.error.message).toMatch(/^state:/);

    const actions = (await f.db.select().from(auditEvents).where(eq(auditEvents.targetId, serviceId)).orderBy(asc(auditEvents.at))).map((e) => e.action);
    expect(actions).toEqual(['service.create', 'service.publish', 'service.deprecate', 'service.publish', 'service.deprecate', 'service.retire']);
  });

  it('dates a deprecation and its announced sunset, and clears both when the service is published again', async () => {
    const other = (await f.api('POST', `/api/teams/${(await f.api('GET', `/api/services/${serviceId}`, { cookie: owner.cookie })).body.service.teamId}/services`, {
      cookie: owner.cookie,
      body: { name: 'Dated', slug: 'dated', kind: 'ai' },
      expect: 201,
    })).body.service.id;
    const to = (body: object) => f.api('POST', `/api/services/${other}/lifecycle`, { cookie: owner.cookie, body });
    const sunset = new Date(Date.now() + 30 * 86_400_000).toISOString();
    expect((await to({ state: 'published', sunsetAt: sunset })).body.error.message).toMatch(/^sunsetAt: only a deprecation/);
    await to({ state: 'published' });
    expect((await to({ state: 'deprecated', sunsetAt: '2001-01-01T00:00:00Z' })).body.error.message).toMatch(/^sunsetAt: must be in the future/);
    const before = Date.now();
    const deprecated = await to({ state: 'deprecated', sunsetAt: sunset });
    expect(deprecated.status).toBe(200);
    expect(deprecated.body.service.sunsetAt).toBe(Date.parse(sunset));
    expect(deprecated.body.service.deprecatedAt).toBeGreaterThanOrEqual(before);
    expect((await compileSnapshot(f.db, f.secrets)).services.find((s) => s.id === other)).toMatchObject({ lifecycle: 'deprecated', sunsetAt: Date.parse(sunset) });
    const back = await to({ state: 'published' });
    expect(back.body.service).toMatchObject({ lifecycle: 'published', deprecatedAt: null, sunsetAt: null });
  });

  it('freezes the working copy as release 1 on the first publish only', async () => {
    const rows = await f.db.select().from(releases).where(eq(releases.serviceId, serviceId)).orderBy(asc(releases.version));
    expect(rows.map((r) => r.version)).toEqual([1]);
    expect(rows[0]!.createdBy).toBe(owner.id);
    expect(rows[0]!.config).toMatchObject({
      service: { name: 'Svc', kind: 'ai', directModels: false },
      apis: [{ methods: ['POST'], path: '/v1/chat/completions' }],
      models: [{ name: 'fast', targets: [{ model: 'gpt-4o-mini' }] }],
      openapi: null,
    });
  });
});
