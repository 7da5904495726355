import { createHash } from 'node:crypto';
import { and, asc, eq, isNotNull, max } from 'drizzle-orm';
import { apis, first, modelRoutes, promptVersions, prompts, releases, services, type ApiRestSettings, type ServiceRestSettings } from '@tollgate/db';
import { newId, type ApiId, type ModelTarget, type PromptId, type PromptSpecJson, type ServiceId, type ServiceKind, type UserId } from '@tollgate/domain';
import type { Reader, Tx } from '../changes/tx';
import { defaultApiRest } from '../rest/api-settings';
import { fillServiceRest } from '../rest/fill';

/**
 * What a release freezes: everything about a service that the gateway serves or that callers build against —
 * its name and description, its APIs, its model routes, its OpenAPI document and, for a REST service, how the
 * gateway proxies it. Lifecycle, visibility, tags and plans are not in it: they are the service's standing in
 * the catalogue and its commercial terms, and they take effect at once (ADR 0005). Neither are upstream
 * credentials: they take effect at once, and a rollback must not bring back a removed one (ADR 0018).
 */
export interface ReleaseConfig {
  service: { name: string; description: string; kind: ServiceKind; directModels: boolean };
  /** `rest` is null for an AI service's APIs. */
  apis: Array<{ id: ApiId; name: string; methods: string[]; path: string; description: string; tags: string[]; rest: ApiRestSettings | null }>;
  models: Array<{ name: string; targets: ModelTarget[] }>;
  openapi: Record<string, unknown> | null;
  /** The prompt APIs served: each prompt's published version with its frozen spec (ADR 0011). */
  prompts: Array<{ id: PromptId; name: string; path: string; description: string; version: number; spec: PromptSpecJson }>;
  /** A REST service's hosts, upstreams (without credentials), traffic policy, CORS and key locations; null for AI. */
  rest: ServiceRestSettings | null;
}

/** The service's working copy: the tables as the publisher last edited them, in a stable order. */
export async function workingConfig(db: Reader, serviceId: ServiceId): Promise<ReleaseConfig> {
  const service = await first(db.select().from(services).where(eq(services.id, serviceId)));
  if (!service) throw new Error(`service ${serviceId} vanished inside its own change`);
  const rest = service.kind === 'rest';
  const apiRows = await db
    .select({ id: apis.id, name: apis.name, methods: apis.methods, path: apis.path, description: apis.description, tags: apis.tags, rest: apis.rest })
    .from(apis)
    .where(eq(apis.serviceId, serviceId))
    .orderBy(asc(apis.path), asc(apis.methods), asc(apis.id));
  const models = await db
    .select({ name: modelRoutes.name, targets: modelRoutes.targets })
    .from(modelRoutes)
    .where(eq(modelRoutes.serviceId, serviceId))
    .orderBy(asc(modelRoutes.name));
  return {
    service: { name: service.name, description: service.description, kind: service.kind, directModels: service.directModels },
    // APIs made before REST settings existed have none stored: they are served with the defaults.
    apis: apiRows.map((a) => ({ ...a, rest: rest ? (a.rest ?? defaultApiRest()) : null })),
    models,
    openapi: service.openapi ?? null,
    prompts: await workingPrompts(db, serviceId),
    rest: rest ? fillServiceRest(service.rest) : null,
  };
}

/** The prompts the next release would serve: those with a published version, with that version's spec. */
export async function workingPrompts(db: Reader, serviceId: ServiceId): Promise<ReleaseConfig['prompts']> {
  return db
    .select({ id: prompts.id, name: prompts.name, path: prompts.path, description: prompts.description, version: promptVersions.version, spec: promptVersions.spec })
    .from(prompts)
    .innerJoin(promptVersions, and(eq(promptVersions.promptId, prompts.id), eq(promptVersions.version, prompts.publishedVersion)))
    .where(and(eq(prompts.serviceId, serviceId), isNotNull(prompts.publishedVersion)))
    .orderBy(asc(prompts.path));
}

/**
 * Freezes the working copy as the next numbered release and makes it the live one. `createdBy` is null for a
 * release the platform made itself (the upgrade step).
 */
export async function publishWorkingCopy(tx: Tx, serviceId: ServiceId, createdBy: UserId | null) {
  const version = ((await first(tx.select({ v: max(releases.version) }).from(releases).where(eq(releases.serviceId, serviceId))))?.v ?? 0) + 1;
  const config = await workingConfig(tx, serviceId);
  const release = (await tx.insert(releases).values({ id: newId('release'), serviceId, version, config, createdBy }).returning())[0];
  await tx.update(services).set({ liveReleaseId: release.id, updatedAt: Date.now() }).where(eq(services.id, serviceId));
  return release;
}

/**
 * Releases written before the release config had its current shape are read through this, so an old release
 * can still be shown, diffed and rolled back to: those that froze plans and the whole service row, and those
 * from before REST settings, whose APIs carry no ids or settings. Such an API gets a stable id derived from
 * the service and its methods and path (`legacyApiId`), the same in every old release, and the default REST
 * settings; the service gets no hosts, upstreams or CORS (as it had none).
 */
export function readReleaseConfig(stored: unknown, serviceId: ServiceId): ReleaseConfig {
  const c = (stored ?? {}) as Partial<ReleaseConfig> & { service?: Partial<ReleaseConfig['service']> };
  const kind = c.service?.kind ?? 'rest';
  return {
    service: {
      name: c.service?.name ?? '',
      description: c.service?.description ?? '',
      kind,
      directModels: c.service?.directModels ?? false,
    },
    apis: (c.apis ?? []).map((a) => ({
      ...a,
      id: a.id ?? legacyApiId(serviceId, a),
      description: a.description ?? '',
      tags: a.tags ?? [],
      rest: kind === 'rest' ? { ...defaultApiRest(), ...a.rest } : null,
    })),
    models: c.models ?? [],
    openapi: c.openapi ?? null,
    prompts: c.prompts ?? [],
    rest: kind === 'rest' ? fillServiceRest(c.rest) : null,
  };
}

/** The id of an API in a release that froze none: from what identifies it within its service. */
export function legacyApiId(serviceId: ServiceId, api: { methods: string[]; path: string }): ApiId {
  const digest = createHash('sha256').update(`${serviceId} ${[...api.methods].sort().join(',')} ${api.path}`).digest('base64url');
  return `api_${digest.slice(0, 22)}` as ApiId;
}
