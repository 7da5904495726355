import { and, asc, eq, isNotNull, max } from 'drizzle-orm';
import { apis, modelRoutes, promptVersions, prompts, releases, services } from '@tollgate/db';
import { newId, type ModelTarget, type PromptId, type PromptSpecJson, type ServiceId, type ServiceKind, type UserId } from '@tollgate/domain';
import type { Reader, Tx } from '../changes/tx';

/**
 * What a release freezes: everything about a service that the gateway serves or that callers build against —
 * its name and description, its APIs, its model routes and its OpenAPI document. Lifecycle, visibility, tags
 * and plans are not in it: they are the service's standing in the catalogue and its commercial terms, and they
 * take effect at once (ADR 0005).
 */
export interface ReleaseConfig {
  service: { name: string; description: string; kind: ServiceKind; directModels: boolean };
  apis: Array<{ name: string; methods: string[]; path: string; description: string; tags: string[] }>;
  models: Array<{ name: string; targets: ModelTarget[] }>;
  openapi: Record<string, unknown> | null;
  /** The prompt APIs served: each prompt's published version with its frozen spec (ADR 0011). */
  prompts: Array<{ id: PromptId; name: string; path: string; description: string; version: number; spec: PromptSpecJson }>;
}

/** The service's working copy: the tables as the publisher last edited them, in a stable order. */
export function workingConfig(db: Reader, serviceId: ServiceId): ReleaseConfig {
  const service = db.select().from(services).where(eq(services.id, serviceId)).get();
  if (!service) throw new Error(`service ${serviceId} vanished inside its own change`);
  return {
    service: { name: service.name, description: service.description, kind: service.kind, directModels: service.directModels },
    apis: db
      .select({ name: apis.name, methods: apis.methods, path: apis.path, description: apis.description, tags: apis.tags })
      .from(apis)
      .where(eq(apis.serviceId, serviceId))
      .orderBy(asc(apis.path), asc(apis.methods), asc(apis.id))
      .all(),
    models: db
      .select({ name: modelRoutes.name, targets: modelRoutes.targets })
      .from(modelRoutes)
      .where(eq(modelRoutes.serviceId, serviceId))
      .orderBy(asc(modelRoutes.name))
      .all(),
    openapi: service.openapi ?? null,
    prompts: workingPrompts(db, serviceId),
  };
}

/** The prompts the next release would serve: those with a published version, with that version's spec. */
export function workingPrompts(db: Reader, serviceId: ServiceId): ReleaseConfig['prompts'] {
  return db
    .select({ id: prompts.id, name: prompts.name, path: prompts.path, description: prompts.description, version: promptVersions.version, spec: promptVersions.spec })
    .from(prompts)
    .innerJoin(promptVersions, and(eq(promptVersions.promptId, prompts.id), eq(promptVersions.version, prompts.publishedVersion)))
    .where(and(eq(prompts.serviceId, serviceId), isNotNull(prompts.publishedVersion)))
    .orderBy(asc(prompts.path))
    .all();
}

/**
 * Freezes the working copy as the next numbered release and makes it the live one. `createdBy` is null for a
 * release the platform made itself (the upgrade step).
 */
export function publishWorkingCopy(tx: Tx, serviceId: ServiceId, createdBy: UserId | null) {
  const version = (tx.select({ v: max(releases.version) }).from(releases).where(eq(releases.serviceId, serviceId)).get()?.v ?? 0) + 1;
  const config = workingConfig(tx, serviceId);
  const release = tx.insert(releases).values({ id: newId('release'), serviceId, version, config, createdBy }).returning().get();
  tx.update(services).set({ liveReleaseId: release.id, updatedAt: Date.now() }).where(eq(services.id, serviceId)).run();
  return release;
}

/**
 * Releases written before the release config had its current shape (they froze plans and the whole service
 * row) are read through this, so an old release can still be diffed and rolled back to.
 */
export function readReleaseConfig(stored: unknown): ReleaseConfig {
  const c = (stored ?? {}) as Partial<ReleaseConfig> & { service?: Partial<ReleaseConfig['service']> };
  return {
    service: {
      name: c.service?.name ?? '',
      description: c.service?.description ?? '',
      kind: c.service?.kind ?? 'rest',
      directModels: c.service?.directModels ?? false,
    },
    apis: (c.apis ?? []).map((a) => ({ ...a, description: a.description ?? '', tags: a.tags ?? [] })),
    models: c.models ?? [],
    openapi: c.openapi ?? null,
    prompts: c.prompts ?? [],
  };
}
