import { afterEach, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { auditEvents, releases, services } from '@tollgate/db';
import { newId, type ServiceId } from '@tollgate/domain';
import { fixturePerTest } from '../testing/portal-fixture';
import { compileSnapshot } from '../snapshot/compile';
import { releaseWhatWasServedBeforeUpgrade } from './upgrade';

const fixture = fixturePerTest(afterEach);

describe('upgrading to served releases', () => {
  it('releases the working copy of a service whose only releases predate served releases, once, so callers see no change', async () => {
    const f = await fixture();
    const owner = await f.createUser();
    const team = await f.createTeam({ slug: 'up', ownerUserId: owner.id });
    const providerId = (await f.api('POST', '/api/providers', { cookie: f.admin.cookie, body: { name: 'P', type: 'openai', baseUrl: 'https://example.test', apiKey: 'k' }, expect: 201 })).body.provider.id;
    const service = async (slug: string) => (await f.api('POST', `/api/teams/${team.id}/services`, { cookie: owner.cookie, body: { name: slug, slug, kind: 'ai' }, expect: 201 })).body.service.id as ServiceId;
    const [edited, untouched, modern] = [await service('edited'), await service('untouched'), await service('modern')];
    for (const id of [edited, untouched, modern]) {
      await f.api('POST', `/api/services/${id}/models`, { cookie: owner.cookie, body: { name: 'fast', targets: [{ providerId, model: 'a' }] }, expect: 201 });
    }
    // What an installation before the upgrade had: one legacy release per published service, as migration 0004 left it.
    for (const id of [edited, untouched]) {
      const legacy = newId('release');
      await f.db.insert(releases).values({ id: legacy, serviceId: id, version: 1, config: { service: { id, name: 'x', kind: 'ai', directModels: false }, models: [{ name: 'fast', targets: [{ providerId, model: 'a' }] }], plans: [] } });
      await f.db.update(services).set({ lifecycle: 'published', liveReleaseId: legacy, name: 'x' }).where(eq(services.id, id));
    }
    await f.api('POST', `/api/services/${modern}/lifecycle`, { cookie: owner.cookie, body: { state: 'published' }, expect: 200 });
    // After the legacy publish the gateway served edits at once: `edited` gained a model that callers used.
    for (const id of [edited, modern]) await f.api('POST', `/api/services/${id}/models`, { cookie: owner.cookie, body: { name: 'smart', targets: [{ providerId, model: 'b' }] }, expect: 201 });

    expect(await releaseWhatWasServedBeforeUpgrade(f.db)).toEqual(['edited']);
    const models = async (id: string) => (await compileSnapshot(f.db, f.secrets)).modelRoutes.filter((m) => m.serviceId === id).map((m) => m.name).sort();
    expect(await models(edited)).toEqual(['fast', 'smart']);
    expect(await models(untouched)).toEqual(['fast']);
    // A modern service keeps its unreleased edit unreleased.
    expect(await models(modern)).toEqual(['fast']);
    expect((await f.db.select().from(releases).where(eq(releases.serviceId, edited)).orderBy(asc(releases.version))).map((r) => [r.version, r.createdBy])).toEqual([[1, null], [2, null]]);
    expect((await f.db.select().from(auditEvents).where(eq(auditEvents.targetId, edited))).at(-1)).toMatchObject({ action: 'service.release', actorUserId: null, before: { liveVersion: 1 }, after: { liveVersion: 2 } });
    // Once: the next start finds nothing to do, even after more edits.
    await f.api('POST', `/api/services/${edited}/models`, { cookie: owner.cookie, body: { name: 'later', targets: [{ providerId, model: 'c' }] }, expect: 201 });
    expect(await releaseWhatWasServedBeforeUpgrade(f.db)).toEqual([]);
  });
});
