/**
 * The database schema. Tables live in three files by what they hold: people and teams (schema-people.ts), the
 * catalogue and its consumers (here), and what happens (schema-activity.ts: call records, audit, notifications).
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { ApiId, AppId, ApprovalMode, CorsPolicy, CredentialId, KeyId, KeyLocations, SnapshotJwtCredential, SnapshotRestApi, SnapshotUpstream, TrafficPolicy, LifecycleState, ModelPrice, ModelRouteId, ModelTarget, PlanId, PlanLimits, PromptId, PromptSpecJson, PromptVersionId, ProviderId, ProviderType, RateLimits, ReleaseId, ServiceId, ServiceKind, SubscriptionId, SubscriptionState, TeamId, UserId } from '@tollgate/domain';
import { createdAt, insertionSeq } from './columns';
import { teams, users } from './schema-people';

export * from './schema-people';
export * from './schema-activity';

/**
 * A REST service's proxy settings as the publisher edits them (ADR 0018): the snapshot's shape with every
 * default filled in at write time, less the upstream credentials, which are sealed apart (`upstream_credentials`).
 */
export interface ServiceRestSettings {
  hosts: string[];
  keyLocations: KeyLocations;
  cors: CorsPolicy | null;
  /** Sorted by name. */
  upstreams: Array<Omit<SnapshotUpstream, 'credential'>>;
  traffic: TrafficPolicy;
}

/** One REST API's match, rewrite, header rules and limits, defaults filled in (ADR 0018). */
export type ApiRestSettings = Omit<SnapshotRestApi, 'id' | 'serviceId' | 'name' | 'methods' | 'path'>;

export const services = sqliteTable(
  'services',
  {
    id: text('id').$type<ServiceId>().primaryKey(),
    teamId: text('team_id').$type<TeamId>().notNull().references(() => teams.id),
    name: text('name').notNull(),
    slug: text('slug').notNull().unique(),
    kind: text('kind').$type<ServiceKind>().notNull(),
    description: text('description').notNull().default(''),
    lifecycle: text('lifecycle').$type<LifecycleState>().notNull().default('draft'),
    /** `public` services show in every user's catalogue; `team` services only to their own team. */
    visibility: text('visibility').$type<'public' | 'team'>().notNull().default('public'),
    /** AI services only: subscribers may also name `<provider>/<model>` for the providers the service routes to. */
    directModels: integer('direct_models', { mode: 'boolean' }).notNull().default(false),
    /** When the service was deprecated, and the date after which it is to be retired (announced by the gateway). */
    deprecatedAt: integer('deprecated_at'),
    sunsetAt: integer('sunset_at'),
    /** Free-form labels for the catalogue's filter and search. */
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default([]),
    /** The OpenAPI 3.x document last imported, kept verbatim (as JSON) for the docs page and export. */
    openapi: text('openapi', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** The release the gateway serves; null until the first publish. Rollback points it at an older one. */
    liveReleaseId: text('live_release_id').$type<ReleaseId>(),
    /** Limits over all subscribers together, protecting the service itself. */
    limits: text('limits', { mode: 'json' }).$type<RateLimits>().notNull().default({}),
    /** Store request and response bodies of calls to this service (off by default), with these fields redacted. */
    captureBodies: integer('capture_bodies', { mode: 'boolean' }).notNull().default(false),
    captureRedact: text('capture_redact', { mode: 'json' }).$type<string[]>().notNull().default([]),
    /** REST services: hosts, upstreams, traffic policy, CORS and key locations of the working copy; null for AI services. */
    rest: text('rest', { mode: 'json' }).$type<ServiceRestSettings>(),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('services_team_idx').on(t.teamId)],
);

export const apis = sqliteTable(
  'apis',
  {
    id: text('id').$type<ApiId>().primaryKey(),
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    methods: text('methods', { mode: 'json' }).$type<string[]>().notNull(),
    path: text('path').notNull(),
    description: text('description').notNull().default(''),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default([]),
    /** APIs of REST services: how the gateway matches and forwards them; null for AI services' APIs. */
    rest: text('rest', { mode: 'json' }).$type<ApiRestSettings>(),
    createdAt: createdAt(),
  },
  (t) => [index('apis_service_idx').on(t.serviceId)],
);

export const releases = sqliteTable(
  'releases',
  {
    id: text('id').$type<ReleaseId>().primaryKey(),
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    config: text('config', { mode: 'json' }).$type<unknown>().notNull(),
    createdBy: text('created_by').$type<UserId>().references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('releases_service_version_idx').on(t.serviceId, t.version)],
);

export const plans = sqliteTable(
  'plans',
  {
    id: text('id').$type<PlanId>().primaryKey(),
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    approval: text('approval').$type<ApprovalMode>().notNull(),
    limits: text('limits', { mode: 'json' }).$type<PlanLimits>().notNull(),
    state: text('state').$type<'active' | 'deprecated' | 'closed'>().notNull().default('active'),
    /** `public` plans are offered to every team that sees the service; `team` plans only to the publishing team. */
    visibility: text('visibility').$type<'public' | 'team'>().notNull().default('public'),
    createdAt: createdAt(),
    /** Insertion order, for rows created in the same millisecond (columns.ts). */
    seq: insertionSeq(),
  },
  (t) => [index('plans_service_idx').on(t.serviceId)],
);

export const apps = sqliteTable(
  'apps',
  {
    id: text('id').$type<AppId>().primaryKey(),
    teamId: text('team_id').$type<TeamId>().notNull().references(() => teams.id),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** Spend cap per calendar month across all the app's subscriptions; null = none. */
    costBudgetMicroUsdPerMonth: integer('cost_budget_micro_usd_per_month'),
    /** Request and token limits across all the app's subscriptions: the consumer's own safety cap. */
    limits: text('limits', { mode: 'json' }).$type<RateLimits>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('apps_team_idx').on(t.teamId)],
);

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').$type<KeyId>().primaryKey(),
    appId: text('app_id').$type<AppId>().notNull().references(() => apps.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The first characters of the secret, shown in lists so a person can tell keys apart. */
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull().unique(),
    expiresAt: integer('expires_at'),
    revokedAt: integer('revoked_at'),
    lastUsedAt: integer('last_used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('api_keys_app_idx').on(t.appId)],
);

export const subscriptions = sqliteTable(
  'subscriptions',
  {
    id: text('id').$type<SubscriptionId>().primaryKey(),
    appId: text('app_id').$type<AppId>().notNull().references(() => apps.id, { onDelete: 'cascade' }),
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id),
    planId: text('plan_id').$type<PlanId>().notNull().references(() => plans.id),
    state: text('state').$type<SubscriptionState>().notNull(),
    requestNote: text('request_note').notNull().default(''),
    decisionReason: text('decision_reason'),
    requestedBy: text('requested_by').$type<UserId>().references(() => users.id),
    decidedBy: text('decided_by').$type<UserId>().references(() => users.id),
    decidedAt: integer('decided_at'),
    /** A plan change: the approved subscription this one replaces once approved; the old one works until then. */
    replacesId: text('replaces_id').$type<SubscriptionId>(),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('subscriptions_app_idx').on(t.appId), index('subscriptions_service_state_idx').on(t.serviceId, t.state)],
);

export const providers = sqliteTable('providers', {
  id: text('id').$type<ProviderId>().primaryKey(),
  name: text('name').notNull().unique(),
  type: text('type').$type<ProviderType>().notNull(),
  baseUrl: text('base_url').notNull(),
  /** AES-256-GCM ciphertext of the credentials JSON; never stored or returned in plain text. */
  credentials: text('credentials').notNull(),
  priceOverrides: text('price_overrides', { mode: 'json' }).$type<Record<string, ModelPrice>>().notNull(),
  /** Provider-specific, non-secret settings, e.g. `{ apiVersion }` for Azure OpenAI or `{ region }` for Bedrock. */
  settings: text('settings', { mode: 'json' }).$type<Record<string, string>>().notNull().default({}),
  createdAt: createdAt(),
});

export const modelRoutes = sqliteTable(
  'model_routes',
  {
    id: text('id').$type<ModelRouteId>().primaryKey(),
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    targets: text('targets', { mode: 'json' }).$type<ModelTarget[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('model_routes_service_name_idx').on(t.serviceId, t.name)],
);

/**
 * A prompt API of an AI service: a template served as `POST /<service slug><path>`. The row is part of the
 * service's working copy; what the gateway serves is the version a release froze (ADR 0011).
 */
export const prompts = sqliteTable(
  'prompts',
  {
    id: text('id').$type<PromptId>().primaryKey(),
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    path: text('path').notNull(),
    description: text('description').notNull().default(''),
    /** The spec being edited; versions freeze copies of it. */
    draft: text('draft', { mode: 'json' }).$type<PromptSpecJson>().notNull(),
    /** The version the service's next release will serve; null = not served. */
    publishedVersion: integer('published_version'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('prompts_service_path_idx').on(t.serviceId, t.path)],
);

/** Immutable, numbered copies of a prompt's draft: what publishing and releases point at. */
export const promptVersions = sqliteTable(
  'prompt_versions',
  {
    id: text('id').$type<PromptVersionId>().primaryKey(),
    promptId: text('prompt_id').$type<PromptId>().notNull().references(() => prompts.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    spec: text('spec', { mode: 'json' }).$type<PromptSpecJson>().notNull(),
    createdBy: text('created_by').$type<UserId>().references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('prompt_versions_prompt_version_idx').on(t.promptId, t.version)],
);

/**
 * The static credential the gateway adds when it calls one upstream of a REST service (an upstream API key).
 * Apart from the working copy on purpose: it takes effect at once and no release or rollback carries it
 * (ADR 0018). The header name is shown to the team; the value is AES-256-GCM sealed and never shown again.
 */
export const upstreamCredentials = sqliteTable(
  'upstream_credentials',
  {
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id, { onDelete: 'cascade' }),
    upstream: text('upstream').notNull(),
    header: text('header').notNull(),
    /** The sealed header value (`SecretBox`): read back only to compile the snapshot. */
    value: text('value').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.upstream] })],
);

/**
 * Consumer credentials of an app other than API keys. Today JWTs: tokens from `issuer`, for one of `audiences`,
 * whose `subjectClaim` is `subject`, identify the app (ADR 0018). Revoked ones are kept for the audit trail.
 */
export const appCredentials = sqliteTable(
  'app_credentials',
  {
    id: text('id').$type<CredentialId>().primaryKey(),
    appId: text('app_id').$type<AppId>().notNull().references(() => apps.id, { onDelete: 'cascade' }),
    issuer: text('issuer').notNull(),
    jwksUrl: text('jwks_url'),
    keys: text('keys', { mode: 'json' }).$type<Array<Record<string, unknown>>>(),
    audiences: text('audiences', { mode: 'json' }).$type<string[]>().notNull(),
    subjectClaim: text('subject_claim').notNull().default('sub'),
    subject: text('subject').notNull(),
    algorithms: text('algorithms', { mode: 'json' }).$type<SnapshotJwtCredential['algorithms']>().notNull(),
    createdBy: text('created_by').$type<UserId>().references(() => users.id),
    createdAt: createdAt(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('app_credentials_app_idx').on(t.appId), index('app_credentials_subject_idx').on(t.issuer, t.subject)],
);

/**
 * Workload credentials of an app: a SPIFFE ID (`spiffe://<trust domain>/<path>`) that the mesh proved with mTLS
 * and forwards in `x-forwarded-client-cert` names the app (ADR 0033). Revoked ones are kept for the audit trail;
 * an active SPIFFE ID belongs to one app only, so the gateway never has to choose (the partial unique index
 * holds even against a writer that skipped the route's check).
 */
export const appWorkloadCredentials = sqliteTable(
  'app_workload_credentials',
  {
    id: text('id').$type<CredentialId>().primaryKey(),
    appId: text('app_id').$type<AppId>().notNull().references(() => apps.id, { onDelete: 'cascade' }),
    spiffeId: text('spiffe_id').notNull(),
    createdBy: text('created_by').$type<UserId>().references(() => users.id),
    createdAt: createdAt(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [
    index('app_workload_credentials_app_idx').on(t.appId),
    uniqueIndex('app_workload_credentials_active_spiffe_idx').on(t.spiffeId).where(sql`${t.revokedAt} is null`),
  ],
);
