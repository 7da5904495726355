import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { first, services } from '@tollgate/db';
import type { ServiceId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture } from '../testing/portal-fixture';
import { createPromptWorld, summarizeSpec, type PromptWorld } from './test-world';

/** Prompts go live the way everything else of a service does: publish in the working copy, then release. */
describe('prompts in releases, the gateway snapshot and the docs', () => {
  let f: PortalFixture;
  let w: PromptWorld;
  let summarize: { id: string };
  let draftOnly: { id: string };
  let slug: string;
  const v2Spec = summarizeSpec({ model: 'smart', outputSchema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] } });

  const list = (cookie: string) => f.api('GET', `/api/services/${w.serviceId}/prompts`, { cookie, expect: 200 });
  const docs = (cookie: string) => f.api('GET', `/api/services/${w.serviceId}/openapi`, { cookie, expect: 200 });

  beforeAll(async () => {
    f = await createPortalFixture();
    w = await createPromptWorld(f);
    slug = (await f.api('GET', `/api/services/${w.serviceId}`, { cookie: w.owner.cookie, expect: 200 })).body.service.slug;
    summarize = await w.prompt('/summarize', summarizeSpec(), 'Summarize', w.serviceId);
    draftOnly = await w.prompt('/internal-draft', summarizeSpec(), 'Internal Draft Prompt');
  });
  afterAll(() => f.close());

  it('serves nothing before a release, even once a version is published in the working copy', async () => {
    await w.version(summarize.id);
    await w.publish(summarize.id, 1);
    expect(await w.gatewayPrompts()).toEqual([]);
    expect((await list(w.outsider.cookie)).body.prompts).toEqual([]);
    expect((await f.api('GET', `/api/prompts/${summarize.id}`, { cookie: w.outsider.cookie })).status).toBe(404);
    const diff = await f.api('GET', `/api/services/${w.serviceId}/releases/diff`, { cookie: w.owner.cookie, expect: 200 });
    expect(diff.body.changes).toEqual([
      { path: 'prompts[/summarize]', change: 'added', after: { name: 'Summarize', description: '', version: 1, spec: summarizeSpec() } },
    ]);
  });

  it('serves the published version once released: snapshot, outsiders’ list and read, without drafts', async () => {
    const release = await w.release();
    expect(release.version).toBe(2);
    expect(await w.gatewayPrompts()).toEqual([{ serviceId: w.serviceId, id: summarize.id, name: 'Summarize', path: '/summarize', version: 1, spec: summarizeSpec() }]);

    const outside = await list(w.outsider.cookie);
    expect(outside.body.prompts).toEqual([
      { id: summarize.id, serviceId: w.serviceId, name: 'Summarize', path: '/summarize', description: '', version: 1, model: 'fast', variables: summarizeSpec().variables, outputSchema: null },
    ]);
    const text = JSON.stringify(outside.body);
    for (const hidden of ['internal-draft', 'Internal Draft Prompt', 'draft', 'Summarise:', 'temperature']) expect(text).not.toContain(hidden);
    const one = await f.api('GET', `/api/prompts/${summarize.id}`, { cookie: w.outsider.cookie, expect: 200 });
    expect(one.body.prompt).toEqual(outside.body.prompts[0]);
    expect((await f.api('GET', `/api/prompts/${draftOnly.id}`, { cookie: w.outsider.cookie })).status).toBe(404);
    // The team sees its working copy: both prompts, drafts included.
    expect((await list(w.member.cookie)).body.prompts.map((p: { path: string }) => p.path)).toEqual(['/internal-draft', '/summarize']);
  });

  it('releases a new version, then a rollback brings the old one back', async () => {
    await f.api('PATCH', `/api/prompts/${summarize.id}`, { cookie: w.owner.cookie, body: { draft: v2Spec }, expect: 200 });
    await w.version(summarize.id);
    const published = await w.publish(summarize.id, 2);
    expect(published.body.liveVersion).toBe(1);
    // Still version 1 until the release.
    expect((await w.gatewayPrompts())[0]?.version).toBe(1);
    const diff = await f.api('GET', `/api/services/${w.serviceId}/releases/diff`, { cookie: w.owner.cookie, expect: 200 });
    expect(diff.body.changes).toEqual([
      {
        path: 'prompts[/summarize]',
        change: 'changed',
        before: { name: 'Summarize', description: '', version: 1, spec: summarizeSpec() },
        after: { name: 'Summarize', description: '', version: 2, spec: v2Spec },
      },
    ]);
    expect((await w.release()).version).toBe(3);
    expect((await w.gatewayPrompts()).map((p) => [p.version, p.spec])).toEqual([[2, v2Spec]]);
    expect((await list(w.outsider.cookie)).body.prompts[0]).toMatchObject({ version: 2, model: 'smart' });

    await f.api('POST', `/api/services/${w.serviceId}/releases/2/publish`, { cookie: w.owner.cookie, expect: 200 });
    expect((await w.gatewayPrompts()).map((p) => [p.version, p.spec])).toEqual([[1, summarizeSpec()]]);
    expect((await list(w.outsider.cookie)).body.prompts[0]).toMatchObject({ version: 1, model: 'fast' });
    await f.api('POST', `/api/services/${w.serviceId}/releases/3/publish`, { cookie: w.owner.cookie, expect: 200 });
  });

  it('documents released prompts as POST /<slug><path> operations tagged prompts; the team sees its working copy', async () => {
    const outside = (await docs(w.outsider.cookie)).body;
    const op = outside.paths[`/${slug}/summarize`]?.post;
    expect(op).toMatchObject({ operationId: 'prompt-summarize', summary: 'Summarize', tags: ['prompts'] });
    expect(op.requestBody.content['application/json'].schema.properties.variables).toBeDefined();
    expect(outside.paths[`/${slug}/internal-draft`]).toBeUndefined();

    // Publishing the draft-only prompt in the working copy shows it to the team's docs only.
    await w.version(draftOnly.id);
    await w.publish(draftOnly.id, 1);
    expect((await docs(w.member.cookie)).body.paths[`/${slug}/internal-draft`]?.post).toMatchObject({ summary: 'Internal Draft Prompt', tags: ['prompts'] });
    expect((await docs(w.outsider.cookie)).body.paths[`/${slug}/internal-draft`]).toBeUndefined();
  });

  it('merges prompt operations into a copy of an imported document, never into the stored one', async () => {
    const imported = { openapi: '3.1.0', info: { title: 'Writer', version: '7' }, paths: { '/health': { get: { operationId: 'prompt-summarize', responses: { '200': { description: 'ok' } } } } } };
    await f.api('PUT', `/api/services/${w.serviceId}/openapi`, { cookie: w.owner.cookie, body: imported, expect: 200 });
    const team = (await docs(w.owner.cookie)).body;
    expect(team.info).toEqual({ title: 'Writer', version: '7' });
    expect(team.paths['/health']).toEqual(imported.paths['/health']);
    // The imported document already uses the id, so the prompt's is made unique.
    expect(team.paths[`/${slug}/summarize`].post.operationId).toBe('prompt-summarize-2');
    expect(team.paths[`/${slug}/internal-draft`].post.tags).toEqual(['prompts']);
    const stored = (await f.api('GET', `/api/services/${w.serviceId}`, { cookie: w.owner.cookie })).body;
    expect(JSON.stringify(stored)).not.toContain('prompt-summarize-2');
    expect((await first(f.db.select({ openapi: services.openapi }).from(services).where(eq(services.id, w.serviceId as ServiceId))))?.openapi).toEqual(imported);
  });

  it('keeps serving a deleted prompt until the next release', async () => {
    await f.api('DELETE', `/api/prompts/${summarize.id}`, { cookie: w.owner.cookie, expect: 200 });
    expect((await w.gatewayPrompts()).map((p) => p.path)).toEqual(['/summarize']);
    expect((await list(w.outsider.cookie)).body.prompts.map((p: { path: string }) => p.path)).toEqual(['/summarize']);
    const release = await w.release();
    expect((await w.gatewayPrompts()).map((p) => p.path)).toEqual(['/internal-draft']);
    const diff = await f.api('GET', `/api/services/${w.serviceId}/releases/diff?from=3&to=${release.version}`, { cookie: w.owner.cookie, expect: 200 });
    expect(diff.body.changes.filter((c: { path: string }) => c.path.startsWith('prompts[')).map((c: { path: string; change: string }) => `${c.change} ${c.path}`)).toEqual([
      'added prompts[/internal-draft]',
      'removed prompts[/summarize]',
    ]);
  });
});
