import { Hono } from 'hono';
import { and, asc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { apis, first, jsonArrayElements, services, type Db } from '@tollgate/db';
import { newId, serviceKinds } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { listedLifecycles, readableTeams, requireOwned, requireSignedIn, requireTeamRole, requireVisibleService } from '../access/policy';
import { findService, loadTeam, type ServiceRow } from '../access/load';
import { badRequest, conflict } from '../http/errors';
import { idSchema } from '../http/ids';
import { withUniqueAsConflict } from '../http/unique';
import { nameSchema, readJson, readQuery, slugSchema } from '../http/validate';
import { liveConfigFor, publishedFaces } from '../releases/published';
import { releasedServiceFields, servedNow, workingCopyEdit } from '../releases/takes-effect';
import { workingPrompts, type ReleaseConfig } from '../releases/config';
import { rateLimitsSchema } from '../plans/limits-schema';
import { chatCompletionsApi, serviceTagSchema, serviceTagsSchema } from './apis-schemas';
import { listApis } from './apis';
import { apiView, serviceViewFor } from './views';
import { captureColumns, captureSetting, captureSchema } from './capture-schema';
import { serviceRestFields, serviceRestView, takeRestFields, withServiceRestFields } from '../rest/service-fields';
import { assertHostsFree } from '../rest/hosts';

/** First path segments the gateway answers itself. */
const reservedServiceSlugs = ['v1', 'internal', 'healthz', 'readyz', 'metrics'];

const descriptionSchema = z.string().trim().max(2000);
const visibilitySchema = z.enum(['public', 'team']);

export const createServiceSchema = z.strictObject({
  name: nameSchema,
  // The gateway serves a service's APIs under `/<slug>`: its own paths cannot be slugs.
  slug: slugSchema.refine((s) => !reservedServiceSlugs.includes(s), { message: `reserved by the gateway (${reservedServiceSlugs.join(', ')})` }),
  kind: z.enum(serviceKinds),
  description: descriptionSchema.default(''),
  visibility: visibilitySchema.default('public'),
  directModels: z.boolean().default(false),
  tags: serviceTagsSchema.default([]),
  limits: rateLimitsSchema.default({}),
  ...serviceRestFields,
}).refine((o) => !o.directModels || o.kind === 'ai', { message: 'only AI services can offer direct provider models', path: ['directModels'] });

export const updateServiceSchema = z
  .strictObject({
    name: nameSchema,
    description: descriptionSchema,
    visibility: visibilitySchema,
    directModels: z.boolean(),
    tags: serviceTagsSchema,
    limits: rateLimitsSchema,
    capture: captureSchema,
    ...serviceRestFields,
  })
  .partial()
  .refine((o) => Object.keys(o).length > 0, 'send at least one field to change');

const catalogueQuerySchema = z.object({
  teamId: idSchema('team').optional(),
  tag: serviceTagSchema.optional(),
  q: z.string().trim().max(100).optional(),
});

/** `q` is matched literally: its `%`, `_` and `\` must not act as LIKE wildcards. */
const likeContaining = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** Narrowing conditions for the catalogue; they are ANDed with the visibility rule, never ORed. */
function catalogueFilters(db: Db, tag: string | undefined, q: string | undefined): SQL[] {
  const filters: SQL[] = [];
  const tags = jsonArrayElements(db, services.tags, [], 'tag');
  if (tag) filters.push(sql`exists (select 1 from ${tags.from} where ${tags.text} = ${tag})`);
  if (q) {
    const pattern = likeContaining(q);
    const like = (column: SQL) => sql`lower(${column}) like ${pattern} escape '\\'`;
    filters.push(
      or(
        like(sql`${services.name}`),
        like(sql`${services.slug}`),
        like(sql`${services.description}`),
        sql`exists (select 1 from ${tags.from} where ${like(tags.text)})`,
      )!,
    );
  }
  return filters;
}

/** A prompt API as an operation of its service: `POST /<slug><path>` on the gateway. */
export const promptApiView = (service: Pick<ServiceRow, 'id' | 'slug'>) => (p: ReleaseConfig['prompts'][number]) => ({
  serviceId: service.id,
  kind: 'prompt' as const,
  promptId: p.id,
  name: p.name,
  methods: ['POST'],
  path: `/${service.slug}${p.path}`,
  description: p.description,
  tags: ['prompts'],
});

/** Outside the team: a released operation as callers can use it (no row id, nor how it is proxied). */
export const releasedApiView = (service: Pick<ServiceRow, 'id'>) => (a: ReleaseConfig['apis'][number]) => ({
  serviceId: service.id,
  name: a.name,
  methods: a.methods,
  path: a.path,
  description: a.description,
  tags: a.tags,
});

export function serviceRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  const slugTaken = (slug: string) => `The service slug ${slug} is taken.`;

  app.post('/teams/:teamId/services', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const team = await loadTeam(ctx.db, c.req.param('teamId'));
    requireTeamRole(actor, team.id, 'admin');
    const { rest: restFields, others: input } = takeRestFields(await readJson(c, createServiceSchema));
    // Slugs are global: the gateway routes on them without knowing teams.
    if (await first(ctx.db.select({ id: services.id }).from(services).where(eq(services.slug, input.slug)))) {
      throw conflict(slugTaken(input.slug));
    }
    const id = newId('service');
    const rest = withServiceRestFields(input.kind, null, restFields);
    if (rest) await assertHostsFree(ctx.db, actor, id, rest.hosts);
    const service = await withUniqueAsConflict(
      () =>
        ctx.commitChange(
          actor.id,
          { action: 'service.create', targetType: 'service', targetId: id, teamId: team.id, summary: { name: input.name, slug: input.slug, kind: input.kind, ...restFields } },
          async (tx) => {
            const row = (await tx.insert(services).values({ id, teamId: team.id, ...input, rest, updatedAt: Date.now() }).returning())[0];
            if (input.kind === 'ai') await tx.insert(apis).values({ id: newId('api'), serviceId: id, ...chatCompletionsApi });
            return row;
          },
        ),
      slugTaken(input.slug),
    );
    return c.json({ service: serviceViewFor(actor)(service), ...workingCopyEdit(service) }, 201);
  });

  /** The catalogue: listed public services from everyone, plus every service of the caller's own teams. */
  app.get('/services', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { teamId, tag, q } = readQuery(c, catalogueQuerySchema);
    const mine = readableTeams(actor);
    const listed = and(eq(services.visibility, 'public'), inArray(services.lifecycle, [...listedLifecycles]));
    const visible: SQL | undefined = mine === null ? undefined : mine.length ? or(listed, inArray(services.teamId, mine)) : listed;
    const rows = await ctx.db
      .select()
      .from(services)
      .where(and(visible, teamId ? eq(services.teamId, teamId) : undefined, ...catalogueFilters(ctx.db, tag, q)))
      .orderBy(asc(services.name), asc(services.id));
    return c.json({ services: (await publishedFaces(ctx.db, actor, rows)).map(serviceViewFor(actor)) });
  });

  app.get('/services/:serviceId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireVisibleService(actor, await findService(ctx.db, c.req.param('serviceId')));
    return c.json({ service: serviceViewFor(actor)((await publishedFaces(ctx.db, actor, [service]))[0]!) });
  });

  app.patch('/services/:serviceId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    const { rest: restFields, others } = takeRestFields(await readJson(c, updateServiceSchema));
    const { capture, ...plain } = others;
    if (plain.directModels && service.kind !== 'ai') throw badRequest('directModels: only AI services can offer direct provider models');
    const rest = withServiceRestFields(service.kind, service.rest, restFields);
    if (restFields.hosts) await assertHostsFree(ctx.db, actor, service.id, restFields.hosts);
    const current = { ...service, ...(service.kind === 'rest' ? serviceRestView(service.rest) : {}) };
    const fields = { ...plain, ...restFields };
    // Capture is audited as the whole setting before and after, so the log shows what was captured when.
    const captured = capture && { before: captureSetting(service), after: captureSetting({ ...service, ...captureColumns(capture) }) };
    const before = { ...Object.fromEntries(Object.keys(fields).map((k) => [k, current[k as keyof typeof fields] ?? null])), ...(captured && { capture: captured.before }) };
    const after = { ...fields, ...(captured && { capture: captured.after }) };
    const updated = await ctx.commitChange(
      actor.id,
      { action: 'service.update', targetType: 'service', targetId: service.id, teamId: service.teamId, summary: after, before, after },
      async (tx) => (await tx.update(services).set({ ...plain, ...(Object.keys(restFields).length && { rest }), ...captureColumns(capture), updatedAt: Date.now() }).where(eq(services.id, service.id)).returning())[0],
    );
    // Standing settings apply from the next snapshot; the fields a release freezes wait for one (ADR 0016).
    const deferredFields = releasedServiceFields.filter((field) => field in fields);
    const when = deferredFields.length ? { ...workingCopyEdit(updated!), deferredFields } : servedNow;
    return c.json({ service: serviceViewFor(actor)(updated!), ...when });
  });

  app.get('/services/:serviceId/apis', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireVisibleService(actor, await findService(ctx.db, c.req.param('serviceId')));
    const live = await liveConfigFor(ctx.db, actor, service);
    // Prompt APIs are operations of the service too, at `POST /<slug><path>` on the gateway.
    const promptApis = (live ? live.prompts : await workingPrompts(ctx.db, service.id)).map(promptApiView(service));
    if (live) return c.json({ apis: [...live.apis.map(releasedApiView(service)), ...promptApis] });
    return c.json({ apis: [...(await listApis(ctx.db, service.id)).map((a) => apiView(a, service.kind)), ...promptApis] });
  });

  return app;
}
