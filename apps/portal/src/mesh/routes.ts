import { Hono } from 'hono';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import YAML from 'yaml';
import { appCredentials, first, releases, subscriptions } from '@tollgate/db';
import type { SubscriptionState } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import type { Reader } from '../changes/tx';
import { requireOwned, requireSignedIn } from '../access/policy';
import { findService, type ServiceRow } from '../access/load';
import { conflict } from '../http/errors';
import { readKnownQuery } from '../http/validate';
import { readReleaseConfig } from '../releases/config';
import { credentialHeaders } from '../rest/upstream-credentials';
import { chooseExportFormat } from '../services/openapi-export';
import { buildMeshManifests } from './manifests';
import type { MeshManifests, MeshService } from './model';
import { meshQueryKeys, meshQuerySchema } from './options';

/**
 * Subscriptions whose app may call (or soon may): their JWT issuers must be known to Envoy, which rejects a
 * token from an issuer no RequestAuthentication names before Tollgate could say why (a pending one, say).
 */
const callingStates: SubscriptionState[] = ['pending', 'approved', 'paused'];

/** The service as its live release serves it: what the gateway routes is what the mesh must route. */
async function meshServiceOf(db: Reader, service: ServiceRow): Promise<MeshService> {
  if (service.lifecycle === 'draft' || !service.liveReleaseId) {
    throw conflict('The service is a draft: the gateway serves nothing of it yet. Publish it (POST /lifecycle with state published) first.');
  }
  if (service.lifecycle === 'retired') throw conflict('The service is retired: the gateway answers 410 to its calls. Delete its mesh objects instead (kubectl delete -l tollgate/service=' + service.slug + ').');
  const live = readReleaseConfig((await first(db.select().from(releases).where(eq(releases.id, service.liveReleaseId))))?.config, service.id);
  const appIds = (
    await db
      .select({ appId: subscriptions.appId })
      .from(subscriptions)
      .where(and(eq(subscriptions.serviceId, service.id), inArray(subscriptions.state, callingStates)))
  ).map((s) => s.appId);
  const jwt = appIds.length
    ? await db
        .select({ issuer: appCredentials.issuer, jwksUrl: appCredentials.jwksUrl, keys: appCredentials.keys, audiences: appCredentials.audiences })
        .from(appCredentials)
        .where(and(inArray(appCredentials.appId, [...new Set(appIds)]), isNull(appCredentials.revokedAt)))
        .orderBy(appCredentials.issuer, appCredentials.id)
    : [];
  return { slug: service.slug, kind: live.service.kind, rest: live.rest, apis: live.apis, jwt, upstreamCredentials: Object.fromEntries(await credentialHeaders(db, service.id)) };
}

/** Commented YAML, so the notes and the meshConfig entry travel with objects `kubectl apply -f` takes as they are. */
const commented = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => (line ? `# ${line}` : '#'))
    .join('\n');

export function meshYaml(m: MeshManifests): string {
  const head = [`# Tollgate mesh objects: target=${m.target}, mode=${m.mode}. Apply with kubectl apply -f.`, ...m.notes.map((n) => commented(`Note: ${n}`))].join('\n');
  const docs = m.items.map((item) => YAML.stringify(item)).join('---\n');
  const mesh = m.meshConfig ? `${commented(`Merge into Istio's meshConfig (IstioOperator spec.meshConfig, or the istio ConfigMap's mesh key):\n${YAML.stringify(m.meshConfig)}`)}\n` : '';
  return `${head}\n---\n${docs}${mesh}`;
}

/** `GET /api/services/{id}/mesh`: the owning team's view, since the objects name its upstreams and consumers' issuers. */
export function meshRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.get('/services/:serviceId/mesh', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const service = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'member', 'Service');
    const query = readKnownQuery(c, meshQuerySchema, meshQueryKeys);
    const manifests = buildMeshManifests(await meshServiceOf(ctx.db, service), query);
    if (chooseExportFormat(query.format, c.req.header('accept')) === 'yaml') {
      return c.body(meshYaml(manifests), 200, { 'content-type': 'application/yaml; charset=utf-8' });
    }
    return c.json({ service: { id: service.id, slug: service.slug }, ...manifests });
  });

  return app;
}
