import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { createMarket, type Market } from '../testing/market';

// Issue 16 item 9: a plain member sees only the providers behind the services they may use; team admins and
// owners (who build model routes) and platform admins see all of them. Another team's infrastructure is a 404.
describe('which providers a user sees', () => {
  let f: PortalFixture;
  let m: Market;
  let loner: TestUser;
  let shared: string;
  let hidden: string;
  const ids = async (user: TestUser) => ((await f.api('GET', '/api/providers', { cookie: user.cookie, expect: 200 })).body.providers as Array<{ id: string }>).map((p) => p.id);
  const provider = async (name: string) =>
    (await f.api('POST', '/api/providers', { cookie: f.admin.cookie, body: { name, type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1234/v1', apiKey: 'sk-0123456789abcdefghij' }, expect: 201 })).body.provider.id as string;
  const aiService = async (team: string, owner: TestUser, slug: string, providerId: string, publish: boolean) => {
    const id = (await f.api('POST', `/api/teams/${team}/services`, { cookie: owner.cookie, body: { name: slug, slug, kind: 'ai' }, expect: 201 })).body.service.id;
    await f.api('POST', `/api/services/${id}/models`, { cookie: owner.cookie, body: { name: 'gpt-4o-mini', targets: [{ providerId, model: 'gpt-4o-mini' }] }, expect: 201 });
    if (publish) await f.api('POST', `/api/services/${id}/lifecycle`, { cookie: owner.cookie, body: { state: 'published' }, expect: 200 });
  };

  beforeAll(async () => {
    f = await createPortalFixture();
    m = await createMarket(f);
    loner = await f.createUser();
    shared = await provider('Shared LM');
    hidden = await provider('Hidden LM');
    await provider('Unused LM');
    await aiService(m.publisherTeam, m.pOwner, 'public-chat', shared, true);
    // A draft of the publisher team's: its own members may see it, nobody else.
    await aiService(m.publisherTeam, m.pOwner, 'draft-chat', hidden, false);
  });
  afterAll(() => f.close());

  it('shows a plain member of another team only the providers behind services listed for everyone', async () => {
    expect(await ids(m.cMember)).toEqual([shared]);
    expect((await f.api('GET', `/api/providers/${hidden}`, { cookie: m.cMember.cookie })).status).toBe(404);
    expect((await f.api('GET', `/api/providers/${shared}`, { cookie: m.cMember.cookie, expect: 200 })).body.provider).toEqual({ id: shared, name: 'Shared LM', type: 'openai-compatible', createdAt: expect.any(Number) });
  });

  it("shows a plain member of the publishing team its drafts' providers too", async () => {
    expect((await ids(m.pMember)).sort()).toEqual([shared, hidden].sort());
  });

  it('shows a user in no team only what the catalogue shows everyone', async () => {
    expect(await ids(loner)).toEqual([shared]);
    expect((await f.api('GET', `/api/providers/${hidden}`, { cookie: loner.cookie })).status).toBe(404);
  });

  it('shows team owners and admins, who build model routes, and platform admins every provider', async () => {
    expect(await ids(m.cOwner)).toHaveLength(3);
    expect(await ids(m.outsider)).toHaveLength(3);
    expect(await ids(f.admin)).toHaveLength(3);
  });
});
