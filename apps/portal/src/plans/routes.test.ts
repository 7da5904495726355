import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, first } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

describe('plans API', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let publicService: string;
  let draftService: string;

  const createPlan = (body: unknown, cookie = owner.cookie, service = publicService) =>
    f.api('POST', `/api/services/${service}/plans`, { cookie, body });

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, member, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser()]);
    const team = await f.createTeam({ slug: 'weather', ownerUserId: owner.id });
    await f.addMember(team.id, member.id, 'member');
    const svc = async (slug: string) =>
      (await f.api('POST', `/api/teams/${team.id}/services`, { cookie: owner.cookie, body: { name: slug, slug, kind: 'rest' }, expect: 201 })).body.service.id;
    publicService = await svc('forecast');
    draftService = await svc('radar');
    await f.api('POST', `/api/services/${publicService}/lifecycle`, { cookie: owner.cookie, body: { state: 'published' }, expect: 200 });
  });
  afterAll(() => f.close());

  it('creates plans with limits and serves them to the gateway', async () => {
    const revision = await f.revision();
    const res = await createPlan({ name: 'Gold', approval: 'manual', limits: { requestsPerMinute: 600, tokensPerDay: 1_000_000, costBudgetMicroUsdPerMonth: 50_000_000 } });
    expect(res.status).toBe(201);
    expect(res.body.plan).toMatchObject({ serviceId: publicService, name: 'Gold', approval: 'manual', state: 'active', limits: { requestsPerMinute: 600, tokensPerDay: 1_000_000 } });
    expect(await f.revision()).toBe(revision + 1);
    const free = await createPlan({ name: 'Free', approval: 'auto' });
    expect(free.body.plan.limits).toEqual({});
    expect((await first(f.db.select().from(auditEvents).where(eq(auditEvents.targetId, res.body.plan.id))))?.action).toBe('plan.create');
    await f.publisher.settled();
    expect(f.publisher.current().plans.map((p) => p.name).sort()).toEqual(['Free', 'Gold']);
  });

  it('validates limits as positive integers, naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ name: 'X', approval: 'auto', limits: { requestsPerMinute: 0 } }, /^limits\.requestsPerMinute:/],
      [{ name: 'X', approval: 'auto', limits: { tokensPerDay: 1.5 } }, /^limits\.tokensPerDay:/],
      [{ name: 'X', approval: 'auto', limits: { requestsPerHour: 5 } }, /^limits\.requestsPerHour: unknown field/],
      [{ name: 'X', approval: 'sometimes' }, /^approval:/],
      [{ approval: 'auto' }, /^name:/],
    ];
    for (const [body, message] of cases) {
      const res = await createPlan(body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await createPlan({ name: 'Gold', approval: 'auto' })).status).toBe(409);
    expect((await createPlan({ name: 'M', approval: 'auto' }, member.cookie)).status).toBe(403);
    expect((await createPlan({ name: 'O', approval: 'auto' }, outsider.cookie)).status).toBe(404);
    expect((await createPlan({ name: 'O', approval: 'auto' }, owner.cookie, 'svc_bad!')).status).toBe(404);
  });

  it('lists plans to whoever can see the service', async () => {
    await createPlan({ name: 'Draft plan', approval: 'auto' }, owner.cookie, draftService);
    expect((await f.api('GET', `/api/services/${publicService}/plans`, { cookie: outsider.cookie })).body.plans.map((p: { name: string }) => p.name)).toEqual(['Gold', 'Free']);
    expect((await f.api('GET', `/api/services/${draftService}/plans`, { cookie: member.cookie })).body.plans).toHaveLength(1);
    expect((await f.api('GET', `/api/services/${draftService}/plans`, { cookie: outsider.cookie })).status).toBe(404);
  });

  it('updates name, limits and state for team admins', async () => {
    const id = (await createPlan({ name: 'Silver', approval: 'manual' })).body.plan.id;
    const revision = await f.revision();
    const res = await f.api('PATCH', `/api/plans/${id}`, { cookie: owner.cookie, body: { name: 'Silver+', limits: { requestsPerDay: 10_000 }, state: 'deprecated' } });
    expect(res.status).toBe(200);
    expect(res.body.plan).toMatchObject({ name: 'Silver+', limits: { requestsPerDay: 10_000 }, state: 'deprecated', approval: 'manual' });
    expect(await f.revision()).toBe(revision + 1);
    expect((await f.api('PATCH', `/api/plans/${id}`, { cookie: owner.cookie, body: { state: 'closed' } })).body.plan.state).toBe('closed');
    expect((await f.api('PATCH', `/api/plans/${id}`, { cookie: owner.cookie, body: { state: 'open' } })).body.error.message).toMatch(/^state:/);
    expect((await f.api('PATCH', `/api/plans/${id}`, { cookie: owner.cookie, body: { name: 'Gold' } })).status).toBe(409);
    expect((await f.api('PATCH', `/api/plans/${id}`, { cookie: owner.cookie, body: {} })).status).toBe(400);
    expect((await f.api('PATCH', `/api/plans/${id}`, { cookie: member.cookie, body: { name: 'x' } })).status).toBe(403);
    expect((await f.api('PATCH', `/api/plans/${id}`, { cookie: outsider.cookie, body: { name: 'x' } })).status).toBe(404);
    expect((await f.api('PATCH', `/api/plans/${newId('plan')}`, { cookie: f.admin.cookie, body: { name: 'x' } })).status).toBe(404);
    expect((await f.api('PATCH', '/api/plans/abc', { cookie: f.admin.cookie, body: { name: 'x' } })).status).toBe(404);
  });
});
