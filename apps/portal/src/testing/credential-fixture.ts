import type { TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from './portal-fixture';

export interface CredentialFixture {
  f: PortalFixture;
  /** A plain member of the app's team, and a user of another team with an app of its own. */
  member: TestUser;
  outsider: TestUser;
  teamId: TeamId;
  appId: string;
  otherAppId: string;
}

/** The setting every credential route test starts from: one team's app, and another team's, each with a user. */
export async function createCredentialFixture(slug: string, appName: string): Promise<CredentialFixture> {
  const f = await createPortalFixture();
  const [member, outsider] = await Promise.all([f.createUser(), f.createUser()]);
  const teamId = (await f.createTeam({ slug: `${slug}-team` })).id;
  await f.addMember(teamId, member.id, 'member');
  const outsiderTeam = (await f.createTeam({ slug: `${slug}-outsider`, ownerUserId: outsider.id })).id;
  const appId = (await f.api('POST', `/api/teams/${teamId}/apps`, { cookie: member.cookie, body: { name: appName }, expect: 201 })).body.app.id as string;
  const otherAppId = (await f.api('POST', `/api/teams/${outsiderTeam}/apps`, { cookie: outsider.cookie, body: { name: 'theirs' }, expect: 201 })).body.app.id as string;
  return { f, member, outsider, teamId, appId, otherAppId };
}
