import { Hono } from 'hono';
import { and, asc, eq, max } from 'drizzle-orm';
import { first, promptVersions, prompts } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { canReadTeam, canSeeService, requireOwned, requireSignedIn, requireVisibleService } from '../access/policy';
import { findService } from '../access/load';
import { fieldsOf } from '../changes/commit-change';
import { badRequest, conflict, notFound } from '../http/errors';
import { withUniqueAsConflict } from '../http/unique';
import { readJson, readNoBody } from '../http/validate';
import { liveConfigFor } from '../releases/published';
import { promptWorkEdit, workingCopyEdit } from '../releases/takes-effect';
import { findPrompt, latestVersionOf } from './load';
import { checkDraft, createPromptSchema, updatePromptSchema } from './spec';
import { promptView, releasedPromptView } from './views';

/**
 * Prompt APIs of AI services (ADR 0011). The prompt rows are part of the service's working copy: the team edits
 * drafts, freezes versions and picks the published one here; the gateway serves what a release froze.
 */
export function promptRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  const pathTaken = (path: string) => `The service already has a prompt at ${path}.`;

  app.post('/services/:serviceId/prompts', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    if (service.kind !== 'ai') throw badRequest(`kind: prompts belong to AI services; this service is of kind ${service.kind}.`);
    const input = await readJson(c, createPromptSchema);
    const draft = await checkDraft(ctx.db, service.id, input.draft);
    const samePath = and(eq(prompts.serviceId, service.id), eq(prompts.path, input.path));
    if (await first(ctx.db.select({ id: prompts.id }).from(prompts).where(samePath))) throw conflict(pathTaken(input.path));
    const id = newId('prompt');
    const fields = { name: input.name, path: input.path, description: input.description, draft };
    const row = await withUniqueAsConflict(
      () =>
        ctx.commitChange(
          actor.id,
          { action: 'prompt.create', targetType: 'prompt', targetId: id, teamId: service.teamId, summary: { serviceId: service.id, name: input.name, path: input.path }, after: fields },
          async (tx) => (await tx.insert(prompts).values({ id, serviceId: service.id, ...fields, updatedAt: Date.now() }).returning())[0],
        ),
      pathTaken(input.path),
    );
    // A new prompt has no published version: nothing of it is in the working copy yet.
    return c.json({ prompt: promptView(row, null), ...promptWorkEdit(service) }, 201);
  });

  app.get('/services/:serviceId/prompts', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireVisibleService(actor, await findService(ctx.db, c.req.param('serviceId')));
    if (!canReadTeam(actor, service.teamId)) {
      // Outside the team: the prompts the gateway serves, as the live release froze them; never the drafts.
      const live = await liveConfigFor(ctx.db, actor, service);
      return c.json({ prompts: (live?.prompts ?? []).map((p) => releasedPromptView(service.id, p)) });
    }
    const rows = await ctx.db.select().from(prompts).where(eq(prompts.serviceId, service.id)).orderBy(asc(prompts.path));
    const latestRows = await ctx.db
      .select({ promptId: promptVersions.promptId, v: max(promptVersions.version) })
      .from(promptVersions)
      .innerJoin(prompts, eq(prompts.id, promptVersions.promptId))
      .where(eq(prompts.serviceId, service.id))
      .groupBy(promptVersions.promptId);
    const latest = new Map(latestRows.map((r) => [r.promptId, r.v]));
    return c.json({ prompts: rows.map((p) => promptView(p, latest.get(p.id) ?? null)) });
  });

  app.get('/prompts/:promptId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const found = await findPrompt(ctx.db, c.req.param('promptId'));
    if (found && canReadTeam(actor, found.service.teamId)) {
      return c.json({ prompt: promptView(found.prompt, await latestVersionOf(ctx.db, found.prompt.id)) });
    }
    // Others see a prompt only while the live release serves it; otherwise it does not exist for them.
    const live = found && canSeeService(actor, found.service) ? await liveConfigFor(ctx.db, actor, found.service) : null;
    const released = live?.prompts.find((p) => p.id === found!.prompt.id);
    if (!found || !released) throw notFound('Prompt');
    return c.json({ prompt: releasedPromptView(found.service.id, released) });
  });

  app.patch('/prompts/:promptId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const found = await findPrompt(ctx.db, c.req.param('promptId'));
    const service = requireOwned(actor, found?.service, 'admin', 'Prompt');
    const prompt = found!.prompt;
    const input = await readJson(c, updatePromptSchema);
    const changes = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...('draft' in input ? { draft: await checkDraft(ctx.db, service.id, input.draft) } : {}),
    };
    const row = await ctx.commitChange(
      actor.id,
      {
        action: 'prompt.update',
        targetType: 'prompt',
        targetId: prompt.id,
        teamId: service.teamId,
        summary: { serviceId: service.id, path: prompt.path, fields: Object.keys(changes) },
        before: fieldsOf(prompt, Object.keys(changes)),
        after: changes,
      },
      async (tx) => (await tx.update(prompts).set({ ...changes, updatedAt: Date.now() }).where(eq(prompts.id, prompt.id)).returning())[0],
    );
    // Name and description of a published prompt are in the working copy; a draft waits for a version and its publish.
    const when = 'draft' in changes || prompt.publishedVersion === null ? promptWorkEdit(service) : workingCopyEdit(service);
    return c.json({ prompt: promptView(row, await latestVersionOf(ctx.db, row.id)), ...when });
  });

  app.delete('/prompts/:promptId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const found = await findPrompt(ctx.db, c.req.param('promptId'));
    const service = requireOwned(actor, found?.service, 'admin', 'Prompt');
    await readNoBody(c);
    const prompt = found!.prompt;
    // Its versions go with it; a release that froze one keeps its own copy and serves it until the next release.
    await ctx.commitChange(
      actor.id,
      {
        action: 'prompt.delete',
        targetType: 'prompt',
        targetId: prompt.id,
        teamId: service.teamId,
        summary: { serviceId: service.id, name: prompt.name, path: prompt.path },
        before: fieldsOf(prompt, ['name', 'path', 'description', 'draft', 'publishedVersion']),
      },
      async (tx) => {
        await tx.delete(prompts).where(eq(prompts.id, prompt.id));
      },
    );
    // 200 with a body, not 204: a live release that froze the prompt serves it until the next one (ADR 0016).
    return c.json(workingCopyEdit(service));
  });

  return app;
}
