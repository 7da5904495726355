import type { TeamId } from '@tollgate/domain';
import type { PortalFixture, TestUser } from '../testing/portal-fixture';

/**
 * A small marketplace for notification tests: a publisher team (owner, admin, plain member) with a published
 * service that has a manual and an auto plan, and a consumer team (owner, member) with an app.
 */
export async function createMarket(f: PortalFixture) {
  const [pOwner, pAdmin, pMember, cOwner, cMember, stranger] = await Promise.all(
    Array.from({ length: 6 }, () => f.createUser()),
  );
  const publisherTeam = (await f.createTeam({ slug: `pub-${Math.random().toString(36).slice(2, 8)}`, name: 'Publisher', ownerUserId: pOwner!.id })).id as TeamId;
  await f.addMember(publisherTeam, pAdmin!.id, 'admin');
  await f.addMember(publisherTeam, pMember!.id, 'member');
  const consumerTeam = (await f.createTeam({ slug: `con-${Math.random().toString(36).slice(2, 8)}`, name: 'Consumer', ownerUserId: cOwner!.id })).id as TeamId;
  await f.addMember(consumerTeam, cMember!.id, 'member');
  const as = (user: TestUser) => (method: string, path: string, body?: unknown, expect?: number) =>
    f.api(method, path, { cookie: user.cookie, body, expect: expect ?? (method === 'POST' ? 201 : 200) });
  const service = (await as(pOwner!)('POST', `/api/teams/${publisherTeam}/services`, { name: 'Weather API', slug: 'weather', kind: 'rest' })).body.service;
  const manualPlan = (await as(pOwner!)('POST', `/api/services/${service.id}/plans`, { name: 'Gold', approval: 'manual' })).body.plan;
  const autoPlan = (await as(pOwner!)('POST', `/api/services/${service.id}/plans`, { name: 'Free', approval: 'auto' })).body.plan;
  await as(pOwner!)('POST', `/api/services/${service.id}/lifecycle`, { state: 'published' }, 200);
  const app = (await as(cMember!)('POST', `/api/teams/${consumerTeam}/apps`, { name: 'Storm Tracker' })).body.app;
  return {
    users: { pOwner: pOwner!, pAdmin: pAdmin!, pMember: pMember!, cOwner: cOwner!, cMember: cMember!, stranger: stranger! },
    publisherTeam,
    consumerTeam,
    service: service as { id: string; name: string; slug: string },
    manualPlan: manualPlan as { id: string; name: string },
    autoPlan: autoPlan as { id: string; name: string },
    app: app as { id: string; name: string },
    as,
    request: (planId: string, note = 'for the storm season') =>
      as(cMember!)('POST', `/api/apps/${app.id}/subscriptions`, { planId, note }).then((r) => r.body.subscription as { id: string; state: string }),
  };
}

export type Market = Awaited<ReturnType<typeof createMarket>>;

export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
