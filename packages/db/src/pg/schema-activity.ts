// The PostgreSQL twin of ../schema-activity.ts (ADR 0039); meanings are documented there, the type mapping in columns.ts.
import { boolean, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import type { AuditEventId, DeliveryId, NotificationId, TeamId, UsageProblem, UserId, WebhookId } from '@tollgate/domain';
import type { RollupLevel } from '../schema-activity';
import { bytea, createdAt, insertionSeq, int64 } from './columns';
import { teams, users } from './schema-people';

export const callRecords = pgTable(
  'call_records',
  {
    id: text('id').primaryKey(),
    requestId: text('request_id').notNull(),
    startedAt: int64('started_at').notNull(),
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
    failed: boolean('failed').notNull(),
    stream: boolean('stream').notNull(),
    latencyMs: int64('latency_ms').notNull(),
    ttftMs: int64('ttft_ms'),
    bytesIn: int64('bytes_in').notNull(),
    bytesOut: int64('bytes_out').notNull(),
    inputTokens: int64('input_tokens').notNull(),
    cacheReadTokens: int64('cache_read_tokens').notNull(),
    cacheWriteTokens: int64('cache_write_tokens').notNull(),
    outputTokens: int64('output_tokens').notNull(),
    reasoningTokens: int64('reasoning_tokens').notNull(),
    costMicroUsd: int64('cost_micro_usd').notNull(),
    usageProblem: text('usage_problem').$type<UsageProblem>(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    promptId: text('prompt_id'),
    promptVersion: integer('prompt_version'),
    keyPrefix: text('key_prefix'),
    api: text('api'),
    traceId: text('trace_id'),
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
export const callBodies = pgTable(
  'call_bodies',
  {
    callRecordId: text('call_record_id').primaryKey(),
    startedAt: int64('started_at').notNull(),
    requestBody: text('request_body'),
    responseBody: text('response_body'),
    requestTruncated: boolean('request_truncated').notNull().default(false),
    responseTruncated: boolean('response_truncated').notNull().default(false),
  },
  (t) => [index('call_bodies_started_idx').on(t.startedAt)],
);
export const callRollups = pgTable(
  'call_rollups',
  {
    level: text('level').$type<RollupLevel>().notNull(),
    bucketStart: int64('bucket_start').notNull(),
    teamId: text('team_id').notNull(),
    serviceId: text('service_id').notNull(),
    api: text('api').notNull(),
    appId: text('app_id').notNull(),
    model: text('model').notNull(),
    statusClass: text('status_class').notNull(),
    requests: int64('requests').notNull(),
    errors: int64('errors').notNull(),
    latencyMsSum: int64('latency_ms_sum').notNull(),
    latencySketch: bytea('latency_sketch').notNull(),
    ttftSketch: bytea('ttft_sketch'),
    bytesIn: int64('bytes_in').notNull(),
    bytesOut: int64('bytes_out').notNull(),
    inputTokens: int64('input_tokens').notNull(),
    cacheReadTokens: int64('cache_read_tokens').notNull(),
    cacheWriteTokens: int64('cache_write_tokens').notNull(),
    outputTokens: int64('output_tokens').notNull(),
    reasoningTokens: int64('reasoning_tokens').notNull(),
    costMicroUsd: int64('cost_micro_usd').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.level, t.bucketStart, t.teamId, t.serviceId, t.api, t.appId, t.model, t.statusClass] }),
    index('call_rollups_service_idx').on(t.level, t.serviceId, t.bucketStart),
    index('call_rollups_app_idx').on(t.level, t.appId, t.bucketStart),
  ],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: text('id').$type<AuditEventId>().primaryKey(),
    at: int64('at').notNull(),
    actorUserId: text('actor_user_id').$type<UserId>(),
    teamId: text('team_id').$type<TeamId>(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    summary: jsonb('summary').$type<Record<string, unknown>>().notNull(),
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    seq: insertionSeq(),
  },
  (t) => [index('audit_events_team_idx').on(t.teamId, t.at), index('audit_events_target_idx').on(t.targetType, t.targetId)],
);
export const notifications = pgTable(
  'notifications',
  {
    id: text('id').$type<NotificationId>().primaryKey(),
    userId: text('user_id').$type<UserId>().notNull().references(() => users.id, { onDelete: 'cascade' }),
    teamId: text('team_id').$type<TeamId>().references(() => teams.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    title: text('title').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    readAt: int64('read_at'),
    createdAt: createdAt(),
  },
  (t) => [index('notifications_user_idx').on(t.userId, t.createdAt)],
);

export const webhooks = pgTable(
  'webhooks',
  {
    id: text('id').$type<WebhookId>().primaryKey(),
    teamId: text('team_id').$type<TeamId>().notNull().references(() => teams.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    secret: text('secret').notNull(),
    events: jsonb('events').$type<string[]>().notNull(),
    active: boolean('active').notNull().default(true),
    createdBy: text('created_by').$type<UserId>().references(() => users.id),
    createdAt: createdAt(),
    seq: insertionSeq(),
  },
  (t) => [index('webhooks_team_idx').on(t.teamId)],
);
export const webhookDeliveries = pgTable(
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
    deliveredAt: int64('delivered_at'),
    leasedUntil: int64('leased_until'),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_deliveries_webhook_idx').on(t.webhookId, t.createdAt), index('webhook_deliveries_state_idx').on(t.state)],
);
export const notificationOutbox = pgTable('notification_outbox', {
  auditEventId: text('audit_event_id')
    .$type<AuditEventId>()
    .primaryKey()
    .references(() => auditEvents.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
});
export const configRevision = pgTable('config_revision', {
  // SQLite's `integer primary key` is the rowid and numbers itself; an identity column does the same here, so
  // the insert types agree (the one row is always written with id 1).
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  revision: integer('revision').notNull(),
  updatedAt: int64('updated_at').notNull(),
});
