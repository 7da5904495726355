import { blob, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { AuditEventId, DeliveryId, NotificationId, TeamId, UsageProblem, UserId, WebhookId } from '@tollgate/domain';
import { createdAt, insertionSeq } from './columns';
import { teams, users } from './schema-people';

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
    /** `usage_invalid` / `usage_missing`: the tokens are the gateway's estimate (ADR 0026); null: the provider's. */
    usageProblem: text('usage_problem').$type<UsageProblem>(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    promptId: text('prompt_id'),
    promptVersion: integer('prompt_version'),
    /** The key's visible prefix, kept with the call so the log explorer can find calls by it after a key is gone. */
    keyPrefix: text('key_prefix'),
    /** The API called: a unified endpoint (`/v1/chat/completions`, …) or `prompt:<prompt id>`; see `apiOfCall`. */
    api: text('api'),
    /** The W3C trace id the call ran under, to find its spans. */
    traceId: text('trace_id'),
    /** REST calls: the matched API's path template, the upstream that served it and the node that answered. */
    route: text('route'),
    upstream: text('upstream'),
    upstreamNode: text('upstream_node'),
  },
  (t) => [
    index('call_records_started_idx').on(t.startedAt),
    index('call_records_app_idx').on(t.appId, t.startedAt),
    index('call_records_service_idx').on(t.serviceId, t.startedAt),
    index('call_records_team_idx').on(t.teamId, t.startedAt),
    index('call_records_request_idx').on(t.requestId),
  ],
);

/**
 * Request and response bodies of a call, captured only for services that turned capture on, after redaction.
 * Kept apart from call_records so the common row stays small; deleted with the raw records by retention.
 */
export const callBodies = sqliteTable(
  'call_bodies',
  {
    callRecordId: text('call_record_id').primaryKey(),
    startedAt: integer('started_at').notNull(),
    requestBody: text('request_body'),
    responseBody: text('response_body'),
    /** A body longer than the capture limit is cut; these say so. */
    requestTruncated: integer('request_truncated', { mode: 'boolean' }).notNull().default(false),
    responseTruncated: integer('response_truncated', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('call_bodies_started_idx').on(t.startedAt)],
);

/** A rollup level: buckets of one minute, hour or day (UTC). */
export type RollupLevel = 'minute' | 'hour' | 'day';

/**
 * Call records summed per time bucket and dimension set, at three levels. Dimensions are '' (never NULL) when
 * a call has none, so the primary key can hold them. Latency and TTFT quantiles come from DDSketches stored as
 * protobuf, which merge across rows and levels without losing their relative-error guarantee.
 */
export const callRollups = sqliteTable(
  'call_rollups',
  {
    level: text('level').$type<RollupLevel>().notNull(),
    bucketStart: integer('bucket_start').notNull(),
    teamId: text('team_id').notNull(),
    serviceId: text('service_id').notNull(),
    api: text('api').notNull(),
    appId: text('app_id').notNull(),
    model: text('model').notNull(),
    /** `2xx`, `4xx`, `5xx`, … (`499` stays its own: the client left). */
    statusClass: text('status_class').notNull(),
    requests: integer('requests').notNull(),
    errors: integer('errors').notNull(),
    latencyMsSum: integer('latency_ms_sum').notNull(),
    latencySketch: blob('latency_sketch', { mode: 'buffer' }).notNull(),
    ttftSketch: blob('ttft_sketch', { mode: 'buffer' }),
    bytesIn: integer('bytes_in').notNull(),
    bytesOut: integer('bytes_out').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    cacheReadTokens: integer('cache_read_tokens').notNull(),
    cacheWriteTokens: integer('cache_write_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    reasoningTokens: integer('reasoning_tokens').notNull(),
    costMicroUsd: integer('cost_micro_usd').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.level, t.bucketStart, t.teamId, t.serviceId, t.api, t.appId, t.model, t.statusClass] }),
    index('call_rollups_service_idx').on(t.level, t.serviceId, t.bucketStart),
    index('call_rollups_app_idx').on(t.level, t.appId, t.bucketStart),
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
    /** Insertion order, for events at the same millisecond (one change's are: columns.ts). */
    seq: insertionSeq(),
  },
  (t) => [index('audit_events_team_idx').on(t.teamId, t.at), index('audit_events_target_idx').on(t.targetType, t.targetId)],
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
    /** Insertion order, for rows created in the same millisecond (columns.ts). */
    seq: insertionSeq(),
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
    /**
     * Until when one sender holds the delivery's current attempt (epoch ms): another portal's job or sweep leaves
     * it alone meanwhile, so one attempt is one request to the receiver. A sender that died frees it by expiry.
     */
    leasedUntil: integer('leased_until'),
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
