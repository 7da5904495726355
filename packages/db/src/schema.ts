import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type {
  ApiId,
  AppId,
  ApprovalMode,
  AuditEventId,
  DeliveryId,
  InvitationId,
  NotificationId,
  KeyId,
  LifecycleState,
  ModelPrice,
  ModelRouteId,
  ModelTarget,
  PlanId,
  PlanLimits,
  RateLimits,
  PlatformRole,
  ProviderId,
  PromptId,
  PromptSpecJson,
  PromptVersionId,
  ProviderType,
  ReleaseId,
  ServiceId,
  ServiceKind,
  SubscriptionId,
  SubscriptionState,
  TeamId,
  TeamRole,
  UserId,
  WebhookId,
} from '@tollgate/domain';

// Timestamps are epoch milliseconds in integer columns: sortable, zone-free and cheap to compare.
const createdAt = () =>
  integer('created_at', { mode: 'number' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

export const users = sqliteTable('users', {
  id: text('id').$type<UserId>().primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<PlatformRole>().notNull().default('user'),
  createdAt: createdAt(),
});

export const sessions = sqliteTable(
  'sessions',
  {
    // SHA-256 of the cookie's token: a leaked database does not hand out live sessions.
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id').$type<UserId>().notNull().references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: integer('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const teams = sqliteTable('teams', {
  id: text('id').$type<TeamId>().primaryKey(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  /** Spend cap per calendar month across all the team's apps; null = none. */
  costBudgetMicroUsdPerMonth: integer('cost_budget_micro_usd_per_month'),
  createdAt: createdAt(),
});

export const teamMembers = sqliteTable(
  'team_members',
  {
    teamId: text('team_id').$type<TeamId>().notNull().references(() => teams.id, { onDelete: 'cascade' }),
    userId: text('user_id').$type<UserId>().notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<TeamRole>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index('team_members_user_idx').on(t.userId)],
);

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

export const callRecords = sqliteTable(
  'call_records',
  {
    id: text('id').primaryKey(),
    requestId: text('request_id').notNull(),
    startedAt: integer('started_at').notNull(),
    teamId: text('team_id'),
    appId: text('app_id'),
    keyId: text('key_id'),
    serviceId: text('service_id'),
    subscriptionId: text('subscription_id'),
    providerId: text('provider_id'),
    model: text('model'),
    upstreamModel: text('upstream_model'),
    method: text('method').notNull(),
    path: text('path').notNull(),
    status: integer('status').notNull(),
    failed: integer('failed', { mode: 'boolean' }).notNull(),
    stream: integer('stream', { mode: 'boolean' }).notNull(),
    latencyMs: integer('latency_ms').notNull(),
    ttftMs: integer('ttft_ms'),
    bytesIn: integer('bytes_in').notNull(),
    bytesOut: integer('bytes_out').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    cacheReadTokens: integer('cache_read_tokens').notNull(),
    cacheWriteTokens: integer('cache_write_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    reasoningTokens: integer('reasoning_tokens').notNull(),
    costMicroUsd: integer('cost_micro_usd').notNull(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    promptId: text('prompt_id'),
    promptVersion: integer('prompt_version'),
  },
  (t) => [
    index('call_records_started_idx').on(t.startedAt),
    index('call_records_app_idx').on(t.appId, t.startedAt),
    index('call_records_service_idx').on(t.serviceId, t.startedAt),
    index('call_records_request_idx').on(t.requestId),
  ],
);

export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: text('id').$type<AuditEventId>().primaryKey(),
    at: integer('at').notNull(),
    actorUserId: text('actor_user_id').$type<UserId>(),
    teamId: text('team_id').$type<TeamId>(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    summary: text('summary', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** The changed fields as they were and as they became; null for a creation's before or a deletion's after. */
    before: text('before', { mode: 'json' }).$type<Record<string, unknown>>(),
    after: text('after', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_events_team_idx').on(t.teamId, t.at), index('audit_events_target_idx').on(t.targetType, t.targetId)],
);

export const invitations = sqliteTable(
  'invitations',
  {
    id: text('id').$type<InvitationId>().primaryKey(),
    teamId: text('team_id').$type<TeamId>().notNull().references(() => teams.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role').$type<TeamRole>().notNull(),
    /** SHA-256 of the link's token: the link works once, and a leaked database does not hand out invitations. */
    tokenHash: text('token_hash').notNull().unique(),
    invitedBy: text('invited_by').$type<UserId>().references(() => users.id),
    expiresAt: integer('expires_at').notNull(),
    acceptedAt: integer('accepted_at'),
    acceptedBy: text('accepted_by').$type<UserId>().references(() => users.id),
    revokedAt: integer('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [index('invitations_team_idx').on(t.teamId)],
);

/** The in-portal notification list: one row per person told. */
export const notifications = sqliteTable(
  'notifications',
  {
    id: text('id').$type<NotificationId>().primaryKey(),
    userId: text('user_id').$type<UserId>().notNull().references(() => users.id, { onDelete: 'cascade' }),
    teamId: text('team_id').$type<TeamId>().references(() => teams.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    title: text('title').notNull(),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    readAt: integer('read_at'),
    createdAt: createdAt(),
  },
  (t) => [index('notifications_user_idx').on(t.userId, t.createdAt)],
);

export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').$type<WebhookId>().primaryKey(),
    teamId: text('team_id').$type<TeamId>().notNull().references(() => teams.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    /** AES-256-GCM ciphertext of the signing secret: it must be read back to sign, so it is sealed, not hashed. */
    secret: text('secret').notNull(),
    /** Event names delivered; empty means all. */
    events: text('events', { mode: 'json' }).$type<string[]>().notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdBy: text('created_by').$type<UserId>().references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index('webhooks_team_idx').on(t.teamId)],
);

/** One row per webhook per event: the delivery's outcome, kept so a restart can resume what was not delivered. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').$type<DeliveryId>().primaryKey(),
    webhookId: text('webhook_id').$type<WebhookId>().notNull().references(() => webhooks.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    payload: text('payload').notNull(),
    state: text('state').$type<'pending' | 'delivered' | 'failed'>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    deliveredAt: integer('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_deliveries_webhook_idx').on(t.webhookId, t.createdAt), index('webhook_deliveries_state_idx').on(t.state)],
);

/**
 * Changes whose notifications are not yet written: the row commits with the change and is deleted in the
 * transaction that writes the notifications, so a lost or repeated `notify` job neither loses nor doubles one.
 */
export const notificationOutbox = sqliteTable('notification_outbox', {
  auditEventId: text('audit_event_id')
    .$type<AuditEventId>()
    .primaryKey()
    .references(() => auditEvents.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
});

/** A single row counting config changes; the gateway's snapshot is compiled for a revision. */
export const configRevision = sqliteTable('config_revision', {
  id: integer('id').primaryKey(),
  revision: integer('revision').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
