import { Hono, type Context } from 'hono';
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { first, promptVersions, prompts, users } from '@tollgate/db';
import { newId, type PromptSpecJson } from '@tollgate/domain';
import { diffPromptSpecs, type SpecChange } from '@tollgate/prompts';
import type { PortalContext, PortalEnv } from '../context';
import { requireOwned, requireSignedIn } from '../access/policy';
import type { Reader } from '../changes/tx';
import { conflict, notFound } from '../http/errors';
import { withUniqueAsConflict } from '../http/unique';
import { readJson, readNoBody, readQuery } from '../http/validate';
import { promptWorkEdit, workingCopyEdit, type WhenServed } from '../releases/takes-effect';
import { liveReleaseConfig } from './live';
import { findPrompt, latestVersionOf, type PromptRow } from './load';
import { isRoutedModel } from './spec';
import { promptView } from './views';

const versionNumberSchema = z.coerce.number().int().positive().max(1_000_000);
/** A version number, `draft` (the spec being edited) or `published` (the version the next release serves). */
const sideSchema = z.union([z.literal('draft'), z.literal('published'), versionNumberSchema]);
const diffQuerySchema = z.object({ from: sideSchema.optional(), to: sideSchema.default('draft') });
const publishSchema = z.strictObject({ version: z.number().int().positive().nullable() });

type VersionRow = typeof promptVersions.$inferSelect;

export const versionView = (v: VersionRow, createdByEmail: string | null) => ({
  id: v.id,
  promptId: v.promptId,
  version: v.version,
  spec: v.spec,
  createdBy: v.createdBy,
  createdByEmail,
  createdAt: v.createdAt,
});

type Side = z.infer<typeof sideSchema>;
/** What changed from one side (a version, `draft` or `published`) to the other, one entry per field. */
export const promptDiffView = (from: Side, to: Side, changes: SpecChange[]) => ({ from, to, changes });

/** The publish answer: the prompt, what the live release serves meanwhile, and when the choice takes effect. */
export const promptPublishView = (prompt: ReturnType<typeof promptView>, liveVersion: number | null, when: WhenServed, message: string) => ({
  prompt,
  liveVersion,
  ...when,
  message,
});

/** The publish answer's sentence for what serves the working copy next. */
const nextStep = (when: WhenServed, serviceId: string) => {
  if (when.takesEffect === 'first publish') return `it takes effect when the service is first published (POST /api/services/${serviceId}/lifecycle).`;
  if (when.takesEffect === 'never') return 'the service is retired, so no release of it will serve it.';
  return `it takes effect with the service's next release (POST /api/services/${serviceId}/releases).`;
};

async function findVersion(db: Reader, prompt: PromptRow, version: number) {
  const row = await first(db.select().from(promptVersions).where(and(eq(promptVersions.promptId, prompt.id), eq(promptVersions.version, version))));
  if (!row) throw notFound(`Prompt version ${version}`);
  return row;
}

/**
 * Versions are numbered, immutable copies of a prompt's draft; publishing points the working copy at one, and
 * the service's next release freezes that choice for the gateway (ADR 0011). There is no route that edits or
 * deletes a version: a release or an audit event may name it.
 */
export function promptVersionRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  const loadFor = async (c: Context<PortalEnv>, minRole: 'member' | 'admin') => {
    const actor = requireSignedIn(c.get('actor'));
    const found = await findPrompt(ctx.db, c.req.param('promptId') ?? '');
    const service = requireOwned(actor, found?.service, minRole, 'Prompt');
    return { actor, prompt: found!.prompt, service };
  };

  const specOf = async (prompt: PromptRow, side: z.infer<typeof sideSchema>): Promise<PromptSpecJson> => {
    if (side === 'draft') return prompt.draft;
    if (side === 'published') {
      if (prompt.publishedVersion === null) throw conflict('The prompt has no published version: publish one first (POST /publish).');
      return (await findVersion(ctx.db, prompt, prompt.publishedVersion)).spec;
    }
    return (await findVersion(ctx.db, prompt, side)).spec;
  };

  app.post('/prompts/:promptId/versions', async (c) => {
    const { actor, prompt, service } = await loadFor(c, 'admin');
    await readNoBody(c);
    const latest = await latestVersionOf(ctx.db, prompt.id);
    if (latest !== null && diffPromptSpecs((await findVersion(ctx.db, prompt, latest)).spec, prompt.draft).length === 0) {
      throw conflict(`Nothing to version: the draft equals version ${latest}.`);
    }
    const version = (latest ?? 0) + 1;
    const id = newId('promptVersion');
    const row = await withUniqueAsConflict(
      () =>
        ctx.commitChange(
          actor.id,
          {
            action: 'prompt.version_create',
            targetType: 'prompt',
            targetId: prompt.id,
            teamId: service.teamId,
            summary: { serviceId: service.id, path: prompt.path, version },
            after: { version, spec: prompt.draft },
          },
          async (tx) => (await tx.insert(promptVersions).values({ id, promptId: prompt.id, version, spec: prompt.draft, createdBy: actor.id }).returning())[0],
        ),
      `Version ${version} was just created by another request; try again.`,
    );
    return c.json({ version: versionView(row, null), ...promptWorkEdit(service) }, 201);
  });

  app.get('/prompts/:promptId/versions', async (c) => {
    const { prompt } = await loadFor(c, 'member');
    const rows = await ctx.db
      .select({ version: promptVersions, email: users.email })
      .from(promptVersions)
      .leftJoin(users, eq(users.id, promptVersions.createdBy))
      .where(eq(promptVersions.promptId, prompt.id))
      .orderBy(desc(promptVersions.version));
    return c.json({ publishedVersion: prompt.publishedVersion, versions: rows.map((r) => versionView(r.version, r.email)) });
  });

  // Registered before `/:version` so `diff` is not read as a version number.
  app.get('/prompts/:promptId/versions/diff', async (c) => {
    const { prompt } = await loadFor(c, 'member');
    const query = readQuery(c, diffQuerySchema);
    let from = query.from;
    if (from === undefined) {
      const latest = await latestVersionOf(ctx.db, prompt.id);
      if (latest === null) throw conflict('The prompt has no versions yet: name `from` (for example from=draft) or create one (POST /versions).');
      from = latest;
    }
    return c.json(promptDiffView(from, query.to, diffPromptSpecs(await specOf(prompt, from), await specOf(prompt, query.to))));
  });

  app.get('/prompts/:promptId/versions/:version', async (c) => {
    const { prompt } = await loadFor(c, 'member');
    const version = versionNumberSchema.safeParse(c.req.param('version'));
    if (!version.success) throw notFound('Prompt version');
    const row = await findVersion(ctx.db, prompt, version.data);
    const email = row.createdBy ? ((await first(ctx.db.select({ email: users.email }).from(users).where(eq(users.id, row.createdBy))))?.email ?? null) : null;
    return c.json({ version: versionView(row, email) });
  });

  app.post('/prompts/:promptId/publish', async (c) => {
    const { actor, prompt, service } = await loadFor(c, 'admin');
    const { version } = await readJson(c, publishSchema);
    // A release would freeze a prompt the gateway cannot route; refuse it while the fix is still easy to name.
    const model = version === null ? null : (await findVersion(ctx.db, prompt, version)).spec.model;
    if (model !== null && !(await isRoutedModel(ctx.db, service.id, model))) {
      throw conflict(`Version ${version} uses the model ${model}, which the service no longer routes: add that model route again or publish another version.`);
    }
    const row = await ctx.commitChange(
      actor.id,
      {
        action: version === null ? 'prompt.unpublish' : 'prompt.publish',
        targetType: 'prompt',
        targetId: prompt.id,
        teamId: service.teamId,
        summary: { serviceId: service.id, path: prompt.path, version },
        before: { publishedVersion: prompt.publishedVersion },
        after: { publishedVersion: version },
      },
      async (tx) => (await tx.update(prompts).set({ publishedVersion: version, updatedAt: Date.now() }).where(eq(prompts.id, prompt.id)).returning())[0],
    );
    // The live release still serves what it froze; say so, and what serves now, so nobody expects an instant change.
    const liveVersion = (await liveReleaseConfig(ctx.db, service))?.prompts.find((p) => p.id === prompt.id)?.version ?? null;
    const what = version === null ? 'The prompt is unpublished' : `Version ${version} is published`;
    const when = workingCopyEdit(service);
    return c.json(promptPublishView(promptView(row, await latestVersionOf(ctx.db, row.id)), liveVersion, when, `${what} in the working copy; ${nextStep(when, service.id)}`));
  });

  return app;
}
