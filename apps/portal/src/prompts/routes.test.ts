import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, first, promptVersions } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { createPortalFixture, type PortalFixture } from '../testing/portal-fixture';
import { createPromptWorld, summarizeSpec, type PromptWorld } from './test-world';

describe('prompts API: create, read, update, delete', () => {
  let f: PortalFixture;
  let w: PromptWorld;

  const create = (body: unknown, cookie = w.owner.cookie, serviceId: string = w.serviceId) => f.api('POST', `/api/services/${serviceId}/prompts`, { cookie, body });
  const auditOf = (targetId: string, action: string) =>
    first(f.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, targetId), eq(auditEvents.action, action))));

  beforeAll(async () => {
    f = await createPortalFixture();
    w = await createPromptWorld(f);
  });
  afterAll(() => f.close());

  it('creates a prompt on an AI service, audited, with the checked draft and nothing published', async () => {
    const res = await create({ name: 'Summarize', path: '/summarize', description: 'Short summaries', draft: summarizeSpec() }, w.admin.cookie);
    expect(res.status).toBe(201);
    expect(res.body.prompt).toMatchObject({ serviceId: w.serviceId, name: 'Summarize', path: '/summarize', description: 'Short summaries', draft: summarizeSpec(), publishedVersion: null, latestVersion: null });
    expect(res.body.prompt.id).toMatch(/^prm_/);
    const audit = await auditOf(res.body.prompt.id, 'prompt.create');
    expect(audit).toMatchObject({ actorUserId: w.admin.id, teamId: w.teamId, targetType: 'prompt', before: null });
    expect(audit?.after).toMatchObject({ name: 'Summarize', path: '/summarize', draft: summarizeSpec() });
  });

  it('names the failing path inside an invalid draft', async () => {
    const badRole = await create({ name: 'x', path: '/bad-role', draft: summarizeSpec({ messages: [{ role: 'wizard', content: 'hi' }] }) });
    expect(badRole.status).toBe(400);
    expect(badRole.body.error.message).toMatch(/^draft\.messages\.0\.role: /);
    const undeclared = await create({ name: 'x', path: '/undeclared', draft: summarizeSpec({ messages: [{ role: 'user', content: 'Hi {{name}}' }] }) });
    expect(undeclared.body.error.message).toMatch(/^draft\.messages\.0\.content: uses \{\{name\}\}/);
    // Each issue also by field, for an editor to show beside its input.
    expect(undeclared.body.error.fields).toEqual([{ path: 'draft.messages.0.content', message: expect.stringMatching(/^uses \{\{name\}\}/) }]);
    const extra = await create({ name: 'x', path: '/extra', draft: { ...summarizeSpec(), temperature: 1 } });
    expect(extra.body.error.message).toMatch(/^draft\.temperature: is not a known field/);
    const notObject = await create({ name: 'x', path: '/not-object', draft: 'say hi' });
    expect(notObject.status).toBe(400);
    expect(notObject.body.error.message).toMatch(/^draft: /);
    const missing = await create({ name: 'x', path: '/missing' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^draft: /);
  });

  it('refuses a model the service does not route, naming draft.model', async () => {
    const res = await create({ name: 'x', path: '/unknown-model', draft: summarizeSpec({ model: 'gpt-5-turbo' }) });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^draft\.model: the service has no model named gpt-5-turbo/);
    expect(res.body.error.fields).toEqual([{ path: 'draft.model', message: expect.stringMatching(/^the service has no model named gpt-5-turbo/) }]);
  });

  it('validates name and path, naming the field', async () => {
    for (const path of ['summarize', '/Summarize', '/a//b', '/a-', '/a_b', `/${'a'.repeat(100)}`, '/']) {
      const res = await create({ name: 'x', path, draft: summarizeSpec() });
      expect(res.status, path).toBe(400);
      expect(res.body.error.message, path).toMatch(/^path: /);
    }
    expect((await create({ name: '', path: '/ok', draft: summarizeSpec() })).body.error.message).toMatch(/^name: /);
    expect((await create({ name: 'x', path: '/support/triage-v2', draft: summarizeSpec() })).status).toBe(201);
  });

  it('answers 409 for a path the service already has, and allows it on another service', async () => {
    await w.prompt('/taken');
    const res = await create({ name: 'again', path: '/taken', draft: summarizeSpec() });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe('The service already has a prompt at /taken.');
    const other = await w.service(`other-ai-${Date.now()}`, 'ai');
    await f.api('POST', `/api/services/${other}/models`, { cookie: w.owner.cookie, body: { name: 'fast', targets: [{ providerId: w.providerId, model: 'm' }] }, expect: 201 });
    expect((await create({ name: 'again', path: '/taken', draft: summarizeSpec() }, w.owner.cookie, other)).status).toBe(201);
  });

  it('refuses prompts on a REST service, naming kind', async () => {
    const res = await create({ name: 'x', path: '/rest', draft: summarizeSpec() }, w.owner.cookie, w.restServiceId);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^kind: prompts belong to AI services/);
  });

  it('lets team admins write, tells plain members 403 and outsiders 404', async () => {
    const body = { name: 'x', path: '/perm', draft: summarizeSpec() };
    expect((await create(body, w.member.cookie)).status).toBe(403);
    expect((await create(body, w.outsider.cookie)).status).toBe(404);
    expect((await create(body, '')).status).toBe(401);
    expect((await create(body, w.owner.cookie, newId('service'))).status).toBe(404);
    expect((await create(body, w.owner.cookie, 'not-an-id')).status).toBe(404);
    const prompt = await w.prompt('/perm');
    for (const user of [w.member, w.outsider]) {
      const status = user === w.member ? 403 : 404;
      expect((await f.api('PATCH', `/api/prompts/${prompt.id}`, { cookie: user.cookie, body: { name: 'y' } })).status).toBe(status);
      expect((await f.api('DELETE', `/api/prompts/${prompt.id}`, { cookie: user.cookie })).status).toBe(status);
      expect((await f.api('POST', `/api/prompts/${prompt.id}/versions`, { cookie: user.cookie })).status).toBe(status);
      expect((await f.api('POST', `/api/prompts/${prompt.id}/publish`, { cookie: user.cookie, body: { version: null } })).status).toBe(status);
    }
    // The member reads everything the team has, drafts included.
    const read = await f.api('GET', `/api/prompts/${prompt.id}`, { cookie: w.member.cookie });
    expect(read.status).toBe(200);
    expect(read.body.prompt.draft).toEqual(summarizeSpec());
    expect((await f.api('GET', `/api/prompts/${prompt.id}/versions`, { cookie: w.member.cookie })).status).toBe(200);
    expect((await f.api('GET', `/api/prompts/${prompt.id}/versions`, { cookie: w.outsider.cookie })).status).toBe(404);
    expect((await f.api('GET', `/api/prompts/${newId('prompt')}`, { cookie: w.owner.cookie })).status).toBe(404);
    expect((await f.api('GET', '/api/prompts/prm_', { cookie: w.owner.cookie })).status).toBe(404);
  });

  it('hides a draft service’s prompts from outsiders (404) and shows them none of a live one’s unreleased prompts', async () => {
    const draftService = await w.service(`draft-ai-${Date.now()}`, 'ai');
    expect((await f.api('GET', `/api/services/${draftService}/prompts`, { cookie: w.outsider.cookie })).status).toBe(404);
    expect((await f.api('GET', `/api/services/${draftService}/prompts`, { cookie: w.member.cookie })).body.prompts).toEqual([]);
    const outside = await f.api('GET', `/api/services/${w.serviceId}/prompts`, { cookie: w.outsider.cookie });
    expect(outside.status).toBe(200);
    expect(outside.body.prompts).toEqual([]);
  });

  it('lists every prompt with its draft to the team and the platform admin', async () => {
    const list = await f.api('GET', `/api/services/${w.serviceId}/prompts`, { cookie: w.member.cookie });
    expect(list.status).toBe(200);
    const paths = list.body.prompts.map((p: { path: string }) => p.path);
    expect(paths).toEqual([...paths].sort());
    expect(paths).toEqual(expect.arrayContaining(['/summarize', '/taken', '/perm', '/support/triage-v2']));
    expect(list.body.prompts[0]).toHaveProperty('draft');
    const asAdmin = await f.api('GET', `/api/services/${w.serviceId}/prompts`, { cookie: f.admin.cookie });
    expect(asAdmin.body.prompts.map((p: { path: string }) => p.path)).toEqual(paths);
  });

  it('updates name, description and draft with the same checks, auditing before and after', async () => {
    const prompt = await w.prompt('/edit');
    const edited = summarizeSpec({ model: 'smart' });
    const res = await f.api('PATCH', `/api/prompts/${prompt.id}`, { cookie: w.admin.cookie, body: { name: 'Edited', draft: edited } });
    expect(res.status).toBe(200);
    expect(res.body.prompt).toMatchObject({ name: 'Edited', path: '/edit', draft: edited });
    const audit = await auditOf(prompt.id, 'prompt.update');
    expect(audit?.before).toEqual({ name: 'Prompt /edit', draft: summarizeSpec() });
    expect(audit?.after).toEqual({ name: 'Edited', draft: edited });

    const patch = (body: unknown) => f.api('PATCH', `/api/prompts/${prompt.id}`, { cookie: w.owner.cookie, body });
    expect((await patch({ draft: summarizeSpec({ model: 'nope' }) })).body.error.message).toMatch(/^draft\.model: /);
    expect((await patch({ draft: { ...summarizeSpec(), messages: [] } })).body.error.message).toMatch(/^draft\.messages: /);
    const moved = await patch({ path: '/elsewhere' });
    expect(moved.status).toBe(400);
    expect(moved.body.error.message).toMatch(/path/);
    expect((await patch({})).status).toBe(400);
    expect((await patch({ description: 'x'.repeat(2001) })).body.error.message).toMatch(/^description: /);
    // Refused edits changed nothing.
    expect((await f.api('GET', `/api/prompts/${prompt.id}`, { cookie: w.owner.cookie })).body.prompt).toMatchObject({ name: 'Edited', path: '/edit', draft: edited });
  });

  it('deletes a prompt with its versions, audited with what it was', async () => {
    const prompt = await w.prompt('/gone');
    await w.version(prompt.id);
    const res = await f.api('DELETE', `/api/prompts/${prompt.id}`, { cookie: w.admin.cookie });
    expect(res.status).toBe(200);
    expect((await f.api('GET', `/api/prompts/${prompt.id}`, { cookie: w.owner.cookie })).status).toBe(404);
    expect(await f.db.select().from(promptVersions).where(eq(promptVersions.promptId, prompt.id))).toEqual([]);
    expect((await auditOf(prompt.id, 'prompt.delete'))?.before).toMatchObject({ path: '/gone', publishedVersion: null });
    expect((await f.api('DELETE', `/api/prompts/${prompt.id}`, { cookie: w.owner.cookie })).status).toBe(404);
    // The path is free again.
    expect((await create({ name: 'back', path: '/gone', draft: summarizeSpec() })).status).toBe(201);
  });
});
