import { Hono, type Context } from 'hono';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apis, first, type ApiRestSettings } from '@tollgate/db';
import { isId, newId, type ServiceId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import type { Reader } from '../changes/tx';
import { requireOwned, requireSignedIn } from '../access/policy';
import { findService, type ServiceRow } from '../access/load';
import { conflict, notFound } from '../http/errors';
import { readJson, readNoBody } from '../http/validate';
import { workingCopyEdit } from '../releases/takes-effect';
import { optionalApiRestFields, resolveApiRest, splitRestFields } from '../rest/api-settings';
import { apiDescriptionSchema, apiLabel, apiMethodsSchema, apiNameSchema, apiPathSchema, apiTagsSchema, createApiSchema, isBuiltinApi } from './apis-schemas';
import { apiView } from './views';

/** A service's APIs in the order every listing (and the release config) uses: by path, then methods. */
export const listApis = async (db: Reader, serviceId: ServiceId) =>
  db.select().from(apis).where(eq(apis.serviceId, serviceId)).orderBy(asc(apis.path), asc(apis.methods), asc(apis.id));

type ApiRow = Awaited<ReturnType<typeof listApis>>[number];

/** A REST service's API settings come as top-level fields beside the operation's own (ADR 0018). */
export const createServiceApiSchema = createApiSchema.extend(optionalApiRestFields);

export const updateApiSchema = z
  .strictObject({ name: apiNameSchema, methods: apiMethodsSchema, path: apiPathSchema, description: apiDescriptionSchema, tags: apiTagsSchema, ...optionalApiRestFields })
  .partial()
  .refine((o) => Object.keys(o).length > 0, 'send at least one field to change');

/** The match beyond method and path: two REST APIs on one path are told apart by their header and query conditions. */
const matchKey = (rest: ApiRestSettings | null) => JSON.stringify(rest ? [rest.pathType, Object.entries(rest.headers).sort(), Object.entries(rest.query).sort()] : null);

/** Two APIs answering the same call would make routing and docs ambiguous. */
function assertNoClash(existing: readonly ApiRow[], candidate: { id?: string; methods: string[]; path: string; rest: ApiRestSettings | null }): void {
  const wanted = new Set(candidate.methods);
  const clash = existing.find(
    (a) => a.id !== candidate.id && a.path === candidate.path && a.methods.some((m) => wanted.has(m)) && matchKey(a.rest) === matchKey(candidate.rest),
  );
  if (clash) throw conflict(`The service already has an API for ${apiLabel({ methods: clash.methods.filter((m) => wanted.has(m)), path: candidate.path })}.`);
}

const auditedApi = (a: Pick<ApiRow, 'id' | 'name' | 'methods' | 'path' | 'description' | 'tags' | 'rest'>) => ({
  id: a.id,
  name: a.name,
  methods: a.methods,
  path: a.path,
  description: a.description,
  tags: a.tags,
  ...(a.rest && { rest: a.rest }),
});

/**
 * APIs added, changed and removed one at a time, for services without an OpenAPI document, for small fixes,
 * and for a REST API's proxy settings. The stored document is left as imported: it is the team's own text,
 * and a re-import replaces the APIs again.
 */
export function apiRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  const loadApi = async (c: Context<PortalEnv>, service: ServiceRow) => {
    const apiId = c.req.param('apiId') ?? '';
    const api = isId('api', apiId) ? await first(ctx.db.select().from(apis).where(and(eq(apis.id, apiId), eq(apis.serviceId, service.id)))) : undefined;
    if (!api) throw notFound('API');
    return api;
  };

  app.post('/services/:serviceId/apis', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    const { base: input, rest: restSent } = splitRestFields(await readJson(c, createServiceApiSchema));
    const rest = resolveApiRest(service.kind, input.path, null, restSent);
    assertNoClash(await listApis(ctx.db, service.id), { methods: input.methods, path: input.path, rest });
    const id = newId('api');
    const row = await ctx.commitChange(
      actor.id,
      {
        action: 'service.api_create',
        targetType: 'service',
        targetId: service.id,
        teamId: service.teamId,
        summary: { apiId: id, api: apiLabel(input) },
        after: { api: auditedApi({ id, ...input, rest }) },
      },
      async (tx) => (await tx.insert(apis).values({ id, serviceId: service.id, ...input, rest }).returning())[0],
    );
    return c.json({ api: apiView(row, service.kind), ...workingCopyEdit(service) }, 201);
  });

  app.patch('/services/:serviceId/apis/:apiId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    const api = await loadApi(c, service);
    const { base: changes, rest: restSent } = splitRestFields(await readJson(c, updateApiSchema));
    if (isBuiltinApi(service.kind, api) && (changes.methods || changes.path)) {
      throw conflict('The chat completions API is how the gateway serves an AI service; its methods and path cannot change.');
    }
    const merged = { ...api, ...changes };
    const rest = resolveApiRest(service.kind, merged.path, api.rest, restSent);
    assertNoClash(await listApis(ctx.db, service.id), { id: api.id, methods: merged.methods, path: merged.path, rest });
    const row = await ctx.commitChange(
      actor.id,
      {
        action: 'service.api_update',
        targetType: 'service',
        targetId: service.id,
        teamId: service.teamId,
        summary: { apiId: api.id, api: apiLabel(merged), fields: [...Object.keys(changes), ...Object.keys(restSent)] },
        before: { api: auditedApi(api) },
        after: { api: auditedApi({ ...merged, rest }) },
      },
      async (tx) => (await tx.update(apis).set({ ...changes, rest }).where(eq(apis.id, api.id)).returning())[0]!,
    );
    return c.json({ api: apiView(row, service.kind), ...workingCopyEdit(service) });
  });

  app.delete('/services/:serviceId/apis/:apiId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    await readNoBody(c);
    const api = await loadApi(c, service);
    if (isBuiltinApi(service.kind, api)) throw conflict('The chat completions API is how the gateway serves an AI service; it cannot be deleted.');
    await ctx.commitChange(
      actor.id,
      {
        action: 'service.api_delete',
        targetType: 'service',
        targetId: service.id,
        teamId: service.teamId,
        summary: { apiId: api.id, api: apiLabel(api) },
        before: { api: auditedApi(api) },
      },
      async (tx) => {
        await tx.delete(apis).where(eq(apis.id, api.id));
      },
    );
    // 200 with a body, not 204: the live release keeps the API until the next one (ADR 0016).
    return c.json(workingCopyEdit(service));
  });

  return app;
}
