import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, first } from '@tollgate/db';
import { createPortalFixture, type PortalFixture } from '../testing/portal-fixture';
import { createPromptWorld, summarizeSpec, type PromptWorld } from './test-world';

describe('prompt versions, diff and publishing', () => {
  let f: PortalFixture;
  let w: PromptWorld;
  let promptId: string;

  const get = (path: string, cookie = w.owner.cookie) => f.api('GET', `/api/prompts/${promptId}${path}`, { cookie });
  const patchDraft = (draft: unknown) => f.api('PATCH', `/api/prompts/${promptId}`, { cookie: w.owner.cookie, body: { draft }, expect: 200 });
  const publish = (body: unknown, cookie = w.owner.cookie) => f.api('POST', `/api/prompts/${promptId}/publish`, { cookie, body });

  beforeAll(async () => {
    f = await createPortalFixture();
    w = await createPromptWorld(f);
    promptId = (await w.prompt('/summarize')).id;
  });
  afterAll(() => f.close());

  it('has no versions at first: the default diff says so, an explicit one works', async () => {
    expect((await get('/versions')).body).toEqual({ publishedVersion: null, versions: [] });
    const diff = await get('/versions/diff');
    expect(diff.status).toBe(409);
    expect(diff.body.error.message).toMatch(/no versions yet/);
    expect((await get('/versions/diff?from=draft&to=draft')).body).toEqual({ from: 'draft', to: 'draft', changes: [] });
    expect((await get('/versions/diff?from=published')).status).toBe(409);
  });

  it('freezes the draft as numbered versions, refusing one equal to the latest', async () => {
    const v1 = await f.api('POST', `/api/prompts/${promptId}/versions`, { cookie: w.admin.cookie });
    expect(v1.status).toBe(201);
    expect(v1.body.version).toMatchObject({ promptId, version: 1, spec: summarizeSpec(), createdBy: w.admin.id });
    expect(v1.body.version.id).toMatch(/^pmv_/);
    const again = await f.api('POST', `/api/prompts/${promptId}/versions`, { cookie: w.owner.cookie });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('Nothing to version: the draft equals version 1.');
    const audit = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, promptId), eq(auditEvents.action, 'prompt.version_create'))));
    expect(audit?.after).toEqual({ version: 1, spec: summarizeSpec() });

    await patchDraft(summarizeSpec({ model: 'smart', parameters: { temperature: 0.7 } }));
    const v2 = await w.version(promptId);
    expect(v2.version).toBe(2);
    const list = await get('/versions', w.member.cookie);
    expect(list.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(list.body.versions[1].createdByEmail).toBe(w.admin.email);
  });

  it('keeps versions immutable when the draft moves on, and offers no route to change them', async () => {
    await patchDraft(summarizeSpec({ model: 'fast', outputSchema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] } }));
    const v1 = await get('/versions/1');
    expect(v1.status).toBe(200);
    expect(v1.body.version.spec).toEqual(summarizeSpec());
    expect(v1.body.version.createdByEmail).toBe(w.admin.email);
    for (const method of ['PATCH', 'PUT', 'DELETE']) {
      expect((await f.api(method, `/api/prompts/${promptId}/versions/1`, { cookie: w.owner.cookie, body: { spec: summarizeSpec({ model: 'smart' }) } })).status, method).toBe(404);
    }
    expect((await get('/versions/1')).body.version.spec).toEqual(summarizeSpec());
    expect((await get('/versions/9')).status).toBe(404);
    expect((await get('/versions/9')).body.error.message).toBe('Prompt version 9 not found');
    expect((await get('/versions/abc')).status).toBe(404);
    expect((await get('/versions/0')).status).toBe(404);
  });

  it('diffs versions, the draft and the published version by path', async () => {
    // Default: latest version (2) to the draft.
    const latestToDraft = await get('/versions/diff');
    expect(latestToDraft.status).toBe(200);
    expect(latestToDraft.body).toMatchObject({ from: 2, to: 'draft' });
    const paths = latestToDraft.body.changes.map((c: { path: string }) => c.path);
    expect(paths).toEqual(expect.arrayContaining(['model']));
    expect(paths.some((p: string) => p.startsWith('outputSchema'))).toBe(true);
    expect(latestToDraft.body.changes.find((c: { path: string }) => c.path === 'model')).toEqual({ path: 'model', change: 'changed', before: 'smart', after: 'fast' });

    const oneToTwo = await get('/versions/diff?from=1&to=2', w.member.cookie);
    expect(oneToTwo.body.changes.map((c: { path: string }) => c.path)).toEqual(expect.arrayContaining(['model']));
    expect(oneToTwo.body.changes.every((c: { path: string }) => !c.path.startsWith('outputSchema'))).toBe(true);
    expect((await get('/versions/diff?from=2&to=2')).body.changes).toEqual([]);
    expect((await get('/versions/diff?from=1&to=7')).status).toBe(404);
    const bad = await get('/versions/diff?from=latest');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^from: /);
    expect((await get('/versions/diff', w.outsider.cookie)).status).toBe(404);
  });

  it('publishes a version into the working copy, says when it goes live, and unpublishes', async () => {
    const res = await publish({ version: 1 }, w.admin.cookie);
    expect(res.status).toBe(200);
    expect(res.body.prompt.publishedVersion).toBe(1);
    expect(res.body.liveVersion).toBeNull();
    expect(res.body).toMatchObject({ live: false, takesEffect: 'next release' });
    expect(res.body.message).toContain(`POST /api/services/${w.serviceId}/releases`);
    expect((await get('/versions/diff?from=published&to=2')).body.changes.length).toBeGreaterThan(0);
    expect((await get('/versions')).body.publishedVersion).toBe(1);
    const audit = await first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, promptId), eq(auditEvents.action, 'prompt.publish'))));
    expect(audit).toMatchObject({ before: { publishedVersion: null }, after: { publishedVersion: 1 } });

    const off = await publish({ version: null });
    expect(off.body.prompt.publishedVersion).toBeNull();
    expect(off.body.message).toMatch(/^The prompt is unpublished/);
  });

  it('says when each prompt write takes effect: a draft or version waits for a publish, a publish for a release (ADR 0016)', async () => {
    const fresh = await f.api('POST', `/api/services/${w.serviceId}/prompts`, { cookie: w.owner.cookie, body: { name: 'Timing', path: '/timing', draft: summarizeSpec() }, expect: 201 });
    expect(fresh.body).toMatchObject({ live: false, takesEffect: 'prompt publish' });
    const id = fresh.body.prompt.id;
    const patch = (body: unknown) => f.api('PATCH', `/api/prompts/${id}`, { cookie: w.owner.cookie, body, expect: 200 });
    expect((await patch({ name: 'Timing, unpublished' })).body).toMatchObject({ live: false, takesEffect: 'prompt publish' });
    expect((await f.api('POST', `/api/prompts/${id}/versions`, { cookie: w.owner.cookie, expect: 201 })).body).toMatchObject({ live: false, takesEffect: 'prompt publish' });
    await f.api('POST', `/api/prompts/${id}/publish`, { cookie: w.owner.cookie, body: { version: 1 }, expect: 200 });
    // Published, its name is in the working copy; its draft still is not.
    expect((await patch({ description: 'now in the working copy' })).body).toMatchObject({ live: false, takesEffect: 'next release' });
    expect((await patch({ draft: summarizeSpec({ model: 'smart' }) })).body).toMatchObject({ live: false, takesEffect: 'prompt publish' });
    expect((await f.api('DELETE', `/api/prompts/${id}`, { cookie: w.owner.cookie, expect: 200 })).body).toEqual({ live: false, takesEffect: 'next release' });

    // On a draft service the next step is its first publish, and the publish answer says that instead of a release.
    const draftService = await w.service('timing-draft', 'ai');
    await f.api('POST', `/api/services/${draftService}/models`, { cookie: w.owner.cookie, body: { name: 'fast', targets: [{ providerId: w.providerId, model: 'gpt-4o-mini' }] }, expect: 201 });
    const early = await w.prompt('/early', summarizeSpec(), 'Early', draftService);
    await w.version(early.id);
    const published = await f.api('POST', `/api/prompts/${early.id}/publish`, { cookie: w.owner.cookie, body: { version: 1 }, expect: 200 });
    expect(published.body).toMatchObject({ live: false, takesEffect: 'first publish' });
    expect(published.body.message).toContain(`POST /api/services/${draftService}/lifecycle`);
  });

  it('refuses a version that does not exist, naming it, and a malformed body', async () => {
    const missing = await publish({ version: 5 });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('Prompt version 5 not found');
    expect((await publish({})).body.error.message).toMatch(/^version: /);
    expect((await publish({ version: '1' })).body.error.message).toMatch(/^version: /);
    expect((await publish({ version: 0 })).status).toBe(400);
    expect((await get('')).body.prompt.publishedVersion).toBeNull();
  });

  it('refuses to publish a version whose model the service no longer routes', async () => {
    const models = (await f.api('GET', `/api/services/${w.serviceId}/models`, { cookie: w.owner.cookie, expect: 200 })).body.models;
    const smart = models.find((m: { name: string }) => m.name === 'smart');
    await f.api('DELETE', `/api/services/${w.serviceId}/models/${smart.id}`, { cookie: w.owner.cookie, expect: 200 });
    const res = await publish({ version: 2 });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/^Version 2 uses the model smart, which the service no longer routes/);
    expect((await get('')).body.prompt.publishedVersion).toBeNull();
    expect((await publish({ version: 1 })).status).toBe(200);
  });
});
