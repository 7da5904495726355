import { Hono } from 'hono';
import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { apis, releases, services } from '@tollgate/db';
import { newId } from '@tollgate/domain';
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
import { parseDocumentText, readOpenApiDocument } from './openapi-document';
import { chooseExportFormat, generateOpenApiDocument, toYaml } from './openapi-export';
import { apiView } from './views';

const exportQuerySchema = z.object({ format: z.enum(['json', 'yaml']).optional() });

/**
 * The owning team reads its working copy (what it just imported); everyone else reads the live release, since
 * an unpublished edit must not reach consumers before the release that serves it does (ADR 0005).
 */
function documentFor(db: Reader, actor: Actor, service: ServiceRow): Record<string, unknown> {
  if (canReadTeam(actor, service.teamId) || !service.liveReleaseId) {
    return withPromptOperations(service.openapi ?? generateOpenApiDocument(service, listApis(db, service.id)), service.slug, workingPrompts(db, service.id));
  }
  const live = readReleaseConfig(db.select().from(releases).where(eq(releases.id, service.liveReleaseId)).get()?.config);
  return withPromptOperations(live.openapi ?? generateOpenApiDocument(live.service, live.apis), service.slug, live.prompts);
}

/** A service's OpenAPI document: importing one replaces the service's APIs (ADR 0006); exporting never fails. */
export function openapiRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.put('/services/:serviceId/openapi', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    const body = parseDocumentText(c.req.header('content-type'), await c.req.text());
    const { document, info, apis: imported } = readOpenApiDocument(body);
    const previous = listApis(ctx.db, service.id);
    const kept = previous.filter((a) => isBuiltinApi(service.kind, a));
    // An AI service's documented chat endpoint is the built-in one already; a second copy would clash.
    const added = imported.filter((a) => !kept.some((k) => k.path === a.path && a.methods.every((m) => k.methods.includes(m))));
    const rows = ctx.commitChange(
      actor.id,
      {
        action: 'service.openapi_import',
        targetType: 'service',
        targetId: service.id,
        teamId: service.teamId,
        summary: { operations: added.length, title: info.title, version: info.version },
        before: { apis: previous.map(apiLabel) },
        after: { apis: [...kept, ...added].map(apiLabel) },
      },
      (tx) => {
        const replaced = previous.filter((a) => !kept.includes(a)).map((a) => a.id);
        if (replaced.length) tx.delete(apis).where(inArray(apis.id, replaced)).run();
        if (added.length) tx.insert(apis).values(added.map((a) => ({ id: newId('api'), serviceId: service.id, ...a }))).run();
        // Stored as sent (as JSON), so an export gives back the team's own document, not a normalised copy.
        tx.update(services).set({ openapi: document, updatedAt: Date.now() }).where(eq(services.id, service.id)).run();
        return listApis(tx, service.id);
      },
    );
    return c.json({ apis: rows.map(apiView), imported: added.length, ...workingCopyEdit(service) });
  });

  app.get('/services/:serviceId/openapi', (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireVisibleService(actor, findService(ctx.db, c.req.param('serviceId')));
    const { format } = readQuery(c, exportQuerySchema);
    const document = documentFor(ctx.db, actor, service);
    if (chooseExportFormat(format, c.req.header('accept')) === 'yaml') {
      return c.body(toYaml(document), 200, { 'content-type': 'application/yaml; charset=utf-8' });
    }
    return c.json(document);
  });

  return app;
}
