import { Hono } from 'hono';
import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { apis, first, releases, services } from '@tollgate/db';
import { maxOpenApiDepth, newId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import type { Actor } from '../auth/sessions';
import type { Reader } from '../changes/tx';
import { readReleaseConfig, workingPrompts } from '../releases/config';
import { workingCopyEdit } from '../releases/takes-effect';
import { withPromptOperations } from '../prompts/openapi';
import { canReadTeam, requireOwned, requireSignedIn, requireVisibleService } from '../access/policy';
import { findService, type ServiceRow } from '../access/load';
import { readQuery } from '../http/validate';
import { apiLabel, isBuiltinApi } from './apis-schemas';
import { listApis } from './apis';
import { parseDocumentText, readOpenApiDocument, readServers, valueNestsDeeperThan } from './openapi-document';
import { defaultApiRest } from '../rest/api-settings';
import { fillServiceRest } from '../rest/fill';
import { upstreamFromBody } from '../rest/upstreams';
import { defaultUpstream } from '../rest/service-schemas';
import { chooseExportFormat, generateOpenApiDocument, toYaml } from './openapi-export';
import { apiView } from './views';

const exportQuerySchema = z.object({ format: z.enum(['json', 'yaml']).optional() });

type DocumentedPrompts = Parameters<typeof withPromptOperations>[2];
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `withPromptOperations`, safe for a document nesting deeper than an import may (stored before the limit):
 * its structuredClone overflows the stack at about 1,950 levels. Such a document gets the prompts merged into
 * shallow copies instead: the prompt operations are built on a stand-in holding only the operationIds (which
 * they must not repeat), then put in place; nothing of the deep parts is copied or changed.
 */
function withPrompts(document: Record<string, unknown>, serviceSlug: string, prompts: DocumentedPrompts): Record<string, unknown> {
  if (!prompts.length || !valueNestsDeeperThan(document, maxOpenApiDepth)) return withPromptOperations(document, serviceSlug, prompts);
  const paths = isRecord(document.paths) ? document.paths : {};
  const operationIds = (item: unknown) =>
    Object.fromEntries(Object.entries(isRecord(item) ? item : {}).flatMap(([key, op]) => (isRecord(op) && typeof op.operationId === 'string' ? [[key, { operationId: op.operationId }]] : [])));
  const stand = { paths: Object.fromEntries(Object.entries(paths).map(([path, item]) => [path, operationIds(item)])) };
  const built = withPromptOperations(stand, serviceSlug, prompts).paths as Record<string, Record<string, unknown>>;
  const merged: Record<string, unknown> = { ...paths };
  for (const prompt of prompts) {
    const path = `/${serviceSlug}${prompt.path}`;
    merged[path] = { ...(isRecord(paths[path]) ? paths[path] : {}), post: built[path]!.post };
  }
  return { ...document, paths: merged };
}

/**
 * The owning team reads its working copy (what it just imported); everyone else reads the live release, since
 * an unpublished edit must not reach consumers before the release that serves it does (ADR 0005).
 */
export async function documentFor(db: Reader, actor: Actor, service: ServiceRow): Promise<Record<string, unknown>> {
  if (canReadTeam(actor, service.teamId) || !service.liveReleaseId) {
    return withPrompts(service.openapi ?? generateOpenApiDocument(service, await listApis(db, service.id)), service.slug, await workingPrompts(db, service.id));
  }
  const live = readReleaseConfig((await first(db.select().from(releases).where(eq(releases.id, service.liveReleaseId))))?.config, service.id);
  return withPrompts(live.openapi ?? generateOpenApiDocument(live.service, live.apis), service.slug, live.prompts);
}

/** A service's OpenAPI document: importing one replaces the service's APIs (ADR 0006); exporting never fails. */
export function openapiRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.put('/services/:serviceId/openapi', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    const body = parseDocumentText(c.req.header('content-type'), await c.req.text());
    const { document, info, apis: imported } = readOpenApiDocument(body);
    const previous = await listApis(ctx.db, service.id);
    const kept = previous.filter((a) => isBuiltinApi(service.kind, a));
    // An AI service's documented chat endpoint is the built-in one already; a second copy would clash.
    const added = imported.filter((a) => !kept.some((k) => k.path === a.path && a.methods.every((m) => k.methods.includes(m))));
    // A re-import must not lose a REST API's proxy settings: an operation with the same path and methods keeps them.
    const sameOperation = (a: { methods: string[]; path: string }) => previous.find((p) => p.path === a.path && [...p.methods].sort().join() === [...a.methods].sort().join());
    const restOf = (a: { methods: string[]; path: string }) => (service.kind === 'rest' ? (sameOperation(a)?.rest ?? defaultApiRest()) : null);
    // A REST service without upstreams gets its first one from the document's servers (the publisher can edit it).
    const servers = service.kind === 'rest' ? readServers(document) : null;
    const working = fillServiceRest(service.rest);
    const fromServers = servers && !working.upstreams.length && servers.urls.length ? servers.urls : null;
    const rows = await ctx.commitChange(
      actor.id,
      {
        action: 'service.openapi_import',
        targetType: 'service',
        targetId: service.id,
        teamId: service.teamId,
        summary: { operations: added.length, title: info.title, version: info.version, ...(fromServers && { upstreamFromServers: fromServers }) },
        before: { apis: previous.map(apiLabel) },
        after: { apis: [...kept, ...added].map(apiLabel) },
      },
      async (tx) => {
        const replaced = previous.filter((a) => !kept.includes(a)).map((a) => a.id);
        if (replaced.length) await tx.delete(apis).where(inArray(apis.id, replaced));
        if (added.length) await tx.insert(apis).values(added.map((a) => ({ id: newId('api'), serviceId: service.id, ...a, rest: restOf(a) })));
        const rest = fromServers ? { ...working, upstreams: [upstreamFromBody(defaultUpstream, { nodes: fromServers.map((url) => ({ url })) })] } : service.rest;
        // Stored as sent (as JSON), so an export gives back the team's own document, not a normalised copy.
        await tx.update(services).set({ openapi: document, rest, updatedAt: Date.now() }).where(eq(services.id, service.id));
        return listApis(tx, service.id);
      },
    );
    const serverNotes = servers && {
      ...(fromServers && { upstreamFromServers: fromServers }),
      ...(servers.skipped.length && { serversSkipped: servers.skipped }),
    };
    return c.json({ apis: rows.map((a) => apiView(a, service.kind)), imported: added.length, ...serverNotes, ...workingCopyEdit(service) });
  });

  app.get('/services/:serviceId/openapi', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireVisibleService(actor, await findService(ctx.db, c.req.param('serviceId')));
    const { format } = readQuery(c, exportQuerySchema);
    const document = await documentFor(ctx.db, actor, service);
    if (chooseExportFormat(format, c.req.header('accept')) === 'yaml') {
      return c.body(toYaml(document), 200, { 'content-type': 'application/yaml; charset=utf-8' });
    }
    return c.json(document);
  });

  return app;
}
