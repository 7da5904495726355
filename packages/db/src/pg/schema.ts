/**
 * The PostgreSQL twin of ../schema.ts, table for table and column for column (ADR 0039). What each table and
 * column means is written once, beside the SQLite definition; this file only states the PostgreSQL types. The
 * parity test (parity.test.ts) fails when the two drift apart, so change both in the same commit.
 */
import { sql } from 'drizzle-orm';
import { boolean, index, integer, json, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { ApiId, AppId, ApprovalMode, CredentialId, KeyId, SnapshotJwtCredential, LifecycleState, ModelPrice, ModelRouteId, ModelTarget, PlanId, PlanLimits, PromptId, PromptSpecJson, PromptVersionId, ProviderId, ProviderType, RateLimits, ReleaseId, ServiceId, ServiceKind, SubscriptionId, SubscriptionState, TeamId, UserId } from '@tollgate/domain';
import type { ApiRestSettings, ServiceRestSettings } from '../schema';
import { createdAt, insertionSeq, int64 } from './columns';
import { teams, users } from './schema-people';

export * from './schema-people';
export * from './schema-activity';
export type { ApiRestSettings, ServiceRestSettings } from '../schema';

export const services = pgTable(
  'services',
  {
    id: text('id').$type<ServiceId>().primaryKey(),
    teamId: text('team_id').$type<TeamId>().notNull().references(() => teams.id),
    name: text('name').notNull(),
    slug: text('slug').notNull().unique(),
    kind: text('kind').$type<ServiceKind>().notNull(),
    description: text('description').notNull().default(''),
    lifecycle: text('lifecycle').$type<LifecycleState>().notNull().default('draft'),
    visibility: text('visibility').$type<'public' | 'team'>().notNull().default('public'),
    directModels: boolean('direct_models').notNull().default(false),
    deprecatedAt: int64('deprecated_at'),
    sunsetAt: int64('sunset_at'),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    // json, not jsonb: the imported document keeps the publisher's key order (columns.ts).
    openapi: json('openapi').$type<Record<string, unknown>>(),
    liveReleaseId: text('live_release_id').$type<ReleaseId>(),
    limits: jsonb('limits').$type<RateLimits>().notNull().default({}),
    captureBodies: boolean('capture_bodies').notNull().default(false),
    captureRedact: jsonb('capture_redact').$type<string[]>().notNull().default([]),
    rest: jsonb('rest').$type<ServiceRestSettings>(),
    createdAt: createdAt(),
    updatedAt: int64('updated_at').notNull(),
  },
  (t) => [index('services_team_idx').on(t.teamId)],
);

export const apis = pgTable(
  'apis',
  {
    id: text('id').$type<ApiId>().primaryKey(),
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    methods: jsonb('methods').$type<string[]>().notNull(),
    path: text('path').notNull(),
    description: text('description').notNull().default(''),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    rest: jsonb('rest').$type<ApiRestSettings>(),
    createdAt: createdAt(),
  },
  (t) => [index('apis_service_idx').on(t.serviceId)],
);

export const releases = pgTable(
  'releases',
  {
    id: text('id').$type<ReleaseId>().primaryKey(),
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    config: jsonb('config').$type<unknown>().notNull(),
    createdBy: text('created_by').$type<UserId>().references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('releases_service_version_idx').on(t.serviceId, t.version)],
);

export const plans = pgTable(
  'plans',
  {
    id: text('id').$type<PlanId>().primaryKey(),
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    approval: text('approval').$type<ApprovalMode>().notNull(),
    limits: jsonb('limits').$type<PlanLimits>().notNull(),
    state: text('state').$type<'active' | 'deprecated' | 'closed'>().notNull().default('active'),
    visibility: text('visibility').$type<'public' | 'team'>().notNull().default('public'),
    createdAt: createdAt(),
    seq: insertionSeq(),
  },
  (t) => [index('plans_service_idx').on(t.serviceId)],
);

export const apps = pgTable(
  'apps',
  {
    id: text('id').$type<AppId>().primaryKey(),
    teamId: text('team_id').$type<TeamId>().notNull().references(() => teams.id),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    costBudgetMicroUsdPerMonth: int64('cost_budget_micro_usd_per_month'),
    limits: jsonb('limits').$type<RateLimits>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('apps_team_idx').on(t.teamId)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').$type<KeyId>().primaryKey(),
    appId: text('app_id').$type<AppId>().notNull().references(() => apps.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull().unique(),
    expiresAt: int64('expires_at'),
    revokedAt: int64('revoked_at'),
    lastUsedAt: int64('last_used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('api_keys_app_idx').on(t.appId)],
);

export const subscriptions = pgTable(
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
    decidedAt: int64('decided_at'),
    replacesId: text('replaces_id').$type<SubscriptionId>(),
    createdAt: createdAt(),
    updatedAt: int64('updated_at').notNull(),
  },
  (t) => [index('subscriptions_app_idx').on(t.appId), index('subscriptions_service_state_idx').on(t.serviceId, t.state)],
);

export const providers = pgTable('providers', {
  id: text('id').$type<ProviderId>().primaryKey(),
  name: text('name').notNull().unique(),
  type: text('type').$type<ProviderType>().notNull(),
  baseUrl: text('base_url').notNull(),
  credentials: text('credentials').notNull(),
  priceOverrides: jsonb('price_overrides').$type<Record<string, ModelPrice>>().notNull(),
  settings: jsonb('settings').$type<Record<string, string>>().notNull().default({}),
  createdAt: createdAt(),
});

export const modelRoutes = pgTable(
  'model_routes',
  {
    id: text('id').$type<ModelRouteId>().primaryKey(),
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    targets: jsonb('targets').$type<ModelTarget[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('model_routes_service_name_idx').on(t.serviceId, t.name)],
);
export const prompts = pgTable(
  'prompts',
  {
    id: text('id').$type<PromptId>().primaryKey(),
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    path: text('path').notNull(),
    description: text('description').notNull().default(''),
    draft: jsonb('draft').$type<PromptSpecJson>().notNull(),
    publishedVersion: integer('published_version'),
    createdAt: createdAt(),
    updatedAt: int64('updated_at').notNull(),
  },
  (t) => [uniqueIndex('prompts_service_path_idx').on(t.serviceId, t.path)],
);
export const promptVersions = pgTable(
  'prompt_versions',
  {
    id: text('id').$type<PromptVersionId>().primaryKey(),
    promptId: text('prompt_id').$type<PromptId>().notNull().references(() => prompts.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    spec: jsonb('spec').$type<PromptSpecJson>().notNull(),
    createdBy: text('created_by').$type<UserId>().references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('prompt_versions_prompt_version_idx').on(t.promptId, t.version)],
);
export const upstreamCredentials = pgTable(
  'upstream_credentials',
  {
    serviceId: text('service_id').$type<ServiceId>().notNull().references(() => services.id, { onDelete: 'cascade' }),
    upstream: text('upstream').notNull(),
    header: text('header').notNull(),
    value: text('value').notNull(),
    updatedAt: int64('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.upstream] })],
);
export const appCredentials = pgTable(
  'app_credentials',
  {
    id: text('id').$type<CredentialId>().primaryKey(),
    appId: text('app_id').$type<AppId>().notNull().references(() => apps.id, { onDelete: 'cascade' }),
    issuer: text('issuer').notNull(),
    jwksUrl: text('jwks_url'),
    keys: jsonb('keys').$type<Array<Record<string, unknown>>>(),
    audiences: jsonb('audiences').$type<string[]>().notNull(),
    subjectClaim: text('subject_claim').notNull().default('sub'),
    subject: text('subject').notNull(),
    algorithms: jsonb('algorithms').$type<SnapshotJwtCredential['algorithms']>().notNull(),
    createdBy: text('created_by').$type<UserId>().references(() => users.id),
    createdAt: createdAt(),
    revokedAt: int64('revoked_at'),
  },
  (t) => [index('app_credentials_app_idx').on(t.appId), index('app_credentials_subject_idx').on(t.issuer, t.subject)],
);
export const appWorkloadCredentials = pgTable(
  'app_workload_credentials',
  {
    id: text('id').$type<CredentialId>().primaryKey(),
    appId: text('app_id').$type<AppId>().notNull().references(() => apps.id, { onDelete: 'cascade' }),
    spiffeId: text('spiffe_id').notNull(),
    createdBy: text('created_by').$type<UserId>().references(() => users.id),
    createdAt: createdAt(),
    revokedAt: int64('revoked_at'),
  },
  (t) => [
    index('app_workload_credentials_app_idx').on(t.appId),
    uniqueIndex('app_workload_credentials_active_spiffe_idx').on(t.spiffeId).where(sql`${t.revokedAt} is null`),
  ],
);
