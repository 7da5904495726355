import type { TeamId } from '@tollgate/domain';
import type { PortalFixture, TestUser } from './portal-fixture';

/**
 * A small marketplace on a portal fixture, for subscription tests: a publisher team (owner + plain member)
 * with a published REST service, a consumer team (owner + plain member), and an outsider in a third team.
 * Everything is made through the API.
 */
export async function createMarket(f: PortalFixture, slug = 'svc') {
  const [pOwner, pMember, cOwner, cMember, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser(), f.createUser(), f.createUser()]);
  const publisherTeam: TeamId = (await f.createTeam({ slug: `${slug}-pub`, name: `${slug} Publisher`, ownerUserId: pOwner.id })).id;
  await f.addMember(publisherTeam, pMember.id, 'member');
  const consumerTeam: TeamId = (await f.createTeam({ slug: `${slug}-con`, name: `${slug} Consumer`, ownerUserId: cOwner.id })).id;
  await f.addMember(consumerTeam, cMember.id, 'member');
  await f.createTeam({ slug: `${slug}-out`, ownerUserId: outsider.id });
  const serviceId: string = (await f.api('POST', `/api/teams/${publisherTeam}/services`, { cookie: pOwner.cookie, body: { name: `${slug} API`, slug, kind: 'rest' }, expect: 201 })).body.service.id;
  await f.api('POST', `/api/services/${serviceId}/lifecycle`, { cookie: pOwner.cookie, body: { state: 'published' }, expect: 200 });

  const market = {
    pOwner,
    pMember,
    cOwner,
    cMember,
    outsider,
    publisherTeam,
    consumerTeam,
    serviceId,
    async plan(name: string, approval: 'auto' | 'manual', extra: Record<string, unknown> = {}, service = serviceId): Promise<string> {
      return (await f.api('POST', `/api/services/${service}/plans`, { cookie: pOwner.cookie, body: { name, approval, ...extra }, expect: 201 })).body.plan.id;
    },
    async app(name = `app-${Math.random().toString(36).slice(2, 8)}`, user: TestUser = cMember, team: TeamId = consumerTeam): Promise<string> {
      return (await f.api('POST', `/api/teams/${team}/apps`, { cookie: user.cookie, body: { name }, expect: 201 })).body.app.id;
    },
    /** Requests a subscription as the consumer member and returns it (expects 201). */
    async subscribe(appId: string, planId: string, note?: string) {
      return (await f.api('POST', `/api/apps/${appId}/subscriptions`, { cookie: cMember.cookie, body: { planId, ...(note ? { note } : {}) }, expect: 201 })).body.subscription;
    },
    act(id: string, action: string, cookie: string = pOwner.cookie, body?: unknown) {
      return f.api('POST', `/api/subscriptions/${id}/${action}`, { cookie, body });
    },
    /** The subscription the gateway would see for an app after the next snapshot. */
    async gatewayView(appId: string) {
      await f.publisher.settled();
      return f.publisher.current().subscriptions.find((s) => s.appId === appId && s.serviceId === serviceId);
    },
  };
  return market;
}

export type Market = Awaited<ReturnType<typeof createMarket>>;
