import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, first, services } from '@tollgate/db';
import type { ServiceId, TeamId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { compileSnapshot } from '../snapshot/compile';

describe('body capture settings of a service', () => {
  let f: PortalFixture;
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let teamId: TeamId;
  let serviceId: ServiceId;

  const patch = (body: unknown, cookie = owner.cookie) => f.api('PATCH', `/api/services/${serviceId}`, { cookie, body });
  const snapshotEntry = async () => (await compileSnapshot(f.db, f.secrets)).services.find((s) => s.id === serviceId)!;

  beforeAll(async () => {
    f = await createPortalFixture();
    [owner, admin, member, outsider] = await Promise.all([f.createUser(), f.createUser(), f.createUser(), f.createUser()]);
    teamId = (await f.createTeam({ slug: 'llm-team', ownerUserId: owner.id })).id;
    await f.addMember(teamId, admin.id, 'admin');
    await f.addMember(teamId, member.id, 'member');
    await f.createTeam({ slug: 'outsiders', ownerUserId: outsider.id });
    serviceId = (await f.api('POST', `/api/teams/${teamId}/services`, { cookie: owner.cookie, body: { name: 'LLM', slug: 'llm', kind: 'ai' }, expect: 201 })).body.service.id;
    await f.api('POST', `/api/services/${serviceId}/lifecycle`, { cookie: owner.cookie, body: { state: 'published' }, expect: 200 });
  });
  afterAll(() => f.close());

  it('is off by default, shown to the team, and absent from the snapshot', async () => {
    const view = await f.api('GET', `/api/services/${serviceId}`, { cookie: member.cookie, expect: 200 });
    expect(view.body.service.capture).toEqual({ bodies: false, redact: [] });
    expect(await snapshotEntry()).not.toHaveProperty('capture');
  });

  it('turns on with redaction rules for a team admin: audited, and live from the next snapshot without a release', async () => {
    const revision = await f.revision();
    const releases = (await f.api('GET', `/api/services/${serviceId}/releases`, { cookie: owner.cookie, expect: 200 })).body.releases.length;
    const res = await patch({ capture: { bodies: true, redact: ['messages.*.content', 'api_key', 'api_key'] } }, admin.cookie);
    expect(res.status).toBe(200);
    expect(res.body.service.capture).toEqual({ bodies: true, redact: ['messages.*.content', 'api_key'] });
    expect(await f.revision()).toBe(revision + 1);
    expect((await snapshotEntry()).capture).toEqual({ redact: ['messages.*.content', 'api_key'] });
    expect((await f.api('GET', `/api/services/${serviceId}/releases`, { cookie: owner.cookie, expect: 200 })).body.releases).toHaveLength(releases);
    const event = (await f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, serviceId), eq(auditEvents.action, 'service.update')))).at(-1)!;
    expect(event).toMatchObject({
      actorUserId: admin.id,
      teamId,
      before: { capture: { bodies: false, redact: [] } },
      after: { capture: { bodies: true, redact: ['messages.*.content', 'api_key'] } },
    });
  });

  it('changes one part alone, keeping the other', async () => {
    expect((await patch({ capture: { redact: ['user'] } })).body.service.capture).toEqual({ bodies: true, redact: ['user'] });
    const off = await patch({ capture: { bodies: false } });
    expect(off.body.service.capture).toEqual({ bodies: false, redact: ['user'] });
    expect(await snapshotEntry()).not.toHaveProperty('capture');
    // Other fields in the same request change with it.
    const both = await patch({ name: 'LLM two', capture: { bodies: true } });
    expect(both.body.service).toMatchObject({ name: 'LLM two', capture: { bodies: true, redact: ['user'] } });
    expect(await first(f.db.select({ on: services.captureBodies }).from(services).where(eq(services.id, serviceId)))).toEqual({ on: true });
  });

  it('refuses bad settings with 400 naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /^capture: send bodies, redact or both/],
      [{ bodies: 'yes' }, /^capture\.bodies:/],
      [{ redact: 'api_key' }, /^capture\.redact:/],
      [{ redact: ['ok', 'a..b'] }, /^capture\.redact\.1: use key names/],
      [{ redact: ['*'] }, /^capture\.redact\.0: a lone \*/],
      [{ redact: [''] }, /^capture\.redact\.0:/],
      [{ redact: ['has space'] }, /^capture\.redact\.0:/],
      [{ redact: Array.from({ length: 51 }, (_, i) => `k${i}`) }, /^capture\.redact:/],
      [{ bodies: true, extra: 1 }, /^capture\.extra: unknown field \(capture takes bodies, redact\)$/],
    ];
    for (const [capture, message] of cases) {
      const res = await patch({ capture });
      expect(res.status, JSON.stringify(capture)).toBe(400);
      expect(res.body.error.message, JSON.stringify(capture)).toMatch(message);
    }
    expect((await patch({ capture: { redact: Array.from({ length: 50 }, (_, i) => `k${i}`) } })).status).toBe(200);
  });

  it('cannot be changed by a plain member (403) or another team (404), and is not shown outside the team', async () => {
    const before = await first(f.db.select().from(services).where(eq(services.id, serviceId)));
    const byMember = await patch({ capture: { bodies: false } }, member.cookie);
    expect(byMember.status).toBe(403);
    const byOutsider = await patch({ capture: { bodies: false, redact: [] } }, outsider.cookie);
    expect(byOutsider.status).toBe(404);
    expect(await first(f.db.select().from(services).where(eq(services.id, serviceId)))).toEqual(before);
    // A published public service is in everyone's catalogue, without its capture settings.
    const seen = await f.api('GET', `/api/services/${serviceId}`, { cookie: outsider.cookie, expect: 200 });
    expect(seen.body.service).not.toHaveProperty('capture');
    const catalogue = await f.api('GET', '/api/services', { cookie: outsider.cookie, expect: 200 });
    expect(catalogue.body.services.find((s: { id: string }) => s.id === serviceId)).not.toHaveProperty('capture');
    expect(JSON.stringify([seen.body, catalogue.body])).not.toContain('k49');
  });
});
