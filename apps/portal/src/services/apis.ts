import { Hono } from 'hono';
import { and, asc, eq } from 'drizzle-orm';
import { apis } from '@tollgate/db';
import { isId, newId, type ServiceId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import type { Reader } from '../changes/tx';
import { requireOwned, requireSignedIn } from '../access/policy';
import { findService } from '../access/load';
import { conflict, notFound } from '../http/errors';
import { readJson, readNoBody } from '../http/validate';
import { workingCopyEdit } from '../releases/takes-effect';
import { apiLabel, createApiSchema, isBuiltinApi } from './apis-schemas';
import { apiView } from './views';

/** A service's APIs in the order every listing (and the release config) uses: by path, then methods. */
export const listApis = (db: Reader, serviceId: ServiceId) =>
  db.select().from(apis).where(eq(apis.serviceId, serviceId)).orderBy(asc(apis.path), asc(apis.methods), asc(apis.id)).all();

/**
 * APIs added and removed one at a time, for services without an OpenAPI document or for small fixes. The
 * stored document is left as imported: it is the team's own text, and a re-import replaces the APIs again.
 */
export function apiRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.post('/services/:serviceId/apis', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    const input = await readJson(c, createApiSchema);
    // Two APIs answering the same method on the same path would make routing and docs ambiguous.
    const wanted = new Set<string>(input.methods);
    const clash = listApis(ctx.db, service.id).find((a) => a.path === input.path && a.methods.some((m) => wanted.has(m)));
    if (clash) throw conflict(`The service already has an API for ${apiLabel({ methods: clash.methods.filter((m) => wanted.has(m)), path: input.path })}.`);
    const id = newId('api');
    const row = ctx.commitChange(
      actor.id,
      {
        action: 'service.api_create',
        targetType: 'service',
        targetId: service.id,
        teamId: service.teamId,
        summary: { apiId: id, api: apiLabel(input) },
        after: { api: { id, ...input } },
      },
      (tx) => tx.insert(apis).values({ id, serviceId: service.id, ...input }).returning().get(),
    );
    return c.json({ api: apiView(row), ...workingCopyEdit(service) }, 201);
  });

  app.delete('/services/:serviceId/apis/:apiId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    await readNoBody(c);
    const apiId = c.req.param('apiId');
    const api = isId('api', apiId) ? ctx.db.select().from(apis).where(and(eq(apis.id, apiId), eq(apis.serviceId, service.id))).get() : undefined;
    if (!api) throw notFound('API');
    if (isBuiltinApi(service.kind, api)) throw conflict('The chat completions API is how the gateway serves an AI service; it cannot be deleted.');
    ctx.commitChange(
      actor.id,
      {
        action: 'service.api_delete',
        targetType: 'service',
        targetId: service.id,
        teamId: service.teamId,
        summary: { apiId: api.id, api: apiLabel(api) },
        before: { api: { id: api.id, name: api.name, methods: api.methods, path: api.path, description: api.description, tags: api.tags } },
      },
      (tx) => tx.delete(apis).where(eq(apis.id, api.id)).run(),
    );
    // 200 with a body, not 204: the live release keeps the API until the next one (ADR 0016).
    return c.json(workingCopyEdit(service));
  });

  return app;
}
