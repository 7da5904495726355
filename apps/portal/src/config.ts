import path from 'node:path';
import { z } from 'zod';
import { defaultWebhookDelivery, type WebhookDeliverySettings } from './webhooks/settings';
import { defaultRetention, type RetentionSettings } from './analytics/retention';

const port = z.coerce.number().int().min(0).max(65_535);
/** Days to keep a kind of call data; 0 keeps it forever. Empty means the default. */
const retentionDays = (fallback: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0, 'use 0 (keep forever) or a number of days').max(36_500).default(fallback));

/** 1 MiB: far above any form or JSON document the portal takes, far below what would strain memory. */
export const defaultMaxBodyBytes = 1024 * 1024;

/** The portal's environment, parsed once at start; nothing reads process.env after this. */
export const portalEnvSchema = z.object({
  TOLLGATE_DATA_DIR: z.string().min(1).default('./data'),
  TOLLGATE_DB_PATH: z.string().min(1).optional(),
  /** Set: the portal's database is this PostgreSQL (ADR 0040) instead of SQLite in the data directory. Empty = unset. */
  TOLLGATE_DATABASE_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'a postgres:// or postgresql:// URL').optional(),
  ),
  TOLLGATE_MASTER_KEY: z.string().min(1).optional(),
  TOLLGATE_PORTAL_HOST: z.string().min(1).default('127.0.0.1'),
  TOLLGATE_PORTAL_PORT: port.default(8080),
  TOLLGATE_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  TOLLGATE_SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 365).default(168),
  TOLLGATE_INTERNAL_TOKEN: z.string().min(32, 'use at least 32 characters').optional(),
  /** A portal on its own: a gateway to run prompt test runs in (with TOLLGATE_INTERNAL_TOKEN). Empty = unset. */
  TOLLGATE_GATEWAY_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
  /** Where the portal's users call the gateway (shown in code samples); the all-in-one knows its own. Empty = unset. */
  TOLLGATE_PUBLIC_GATEWAY_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^https?$/ }).optional()),
  /** Longest a client may take to send a request's headers and body; past it the answer is 408. */
  TOLLGATE_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  TOLLGATE_PORTAL_MAX_BODY_BYTES: z.coerce.number().int().positive().default(defaultMaxBodyBytes),
  /** The built web app to serve at `/`; empty = the repository's apps/web/dist. */
  TOLLGATE_WEB_DIR: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional()),
  TOLLGATE_REVISION_POLL_MS: z.coerce.number().int().positive().default(2_000),
  // Not z.email(): the default admin@localhost has no dot in its domain.
  TOLLGATE_ADMIN_EMAIL: z.string().trim().toLowerCase().regex(/^[^@\s]+@[^@\s]+$/, 'an email address').default('admin@localhost'),
  TOLLGATE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Set: notification jobs go through BullMQ in Redis; unset: an in-process runner with the same semantics.
  // An empty value (a compose file's `TOLLGATE_REDIS_URL=`) means unset.
  TOLLGATE_REDIS_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL').optional(),
  ),
  /** BullMQ key prefix of the call-record queue (with TOLLGATE_REDIS_URL); the gateways must use the same one. */
  TOLLGATE_CALL_RECORD_QUEUE_PREFIX: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . - (at most 64)').default('bull'),
  TOLLGATE_WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(defaultWebhookDelivery.attempts),
  TOLLGATE_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(defaultWebhookDelivery.backoffMs),
  TOLLGATE_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(defaultWebhookDelivery.timeoutMs),
  TOLLGATE_RETENTION_RAW_DAYS: retentionDays(defaultRetention.rawDays),
  TOLLGATE_RETENTION_MINUTE_DAYS: retentionDays(defaultRetention.minuteDays),
  TOLLGATE_RETENTION_HOUR_DAYS: retentionDays(defaultRetention.hourDays),
  TOLLGATE_RETENTION_DAY_DAYS: retentionDays(defaultRetention.dayDays),
  TOLLGATE_RETENTION_SWEEP_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(60),
});

export interface PortalConfig {
  dataDir: string;
  /** The SQLite file, when `databaseUrl` is unset. */
  dbPath: string;
  /** A PostgreSQL URL: the portal runs on it instead of SQLite. */
  databaseUrl?: string;
  masterKey?: string;
  host: string;
  port: number;
  cookieSecure: 'auto' | boolean;
  sessionTtlMs: number;
  internalToken?: string;
  gatewayUrl?: string;
  /** The gateway's address as the portal's users reach it (no trailing slash). */
  publicGatewayUrl?: string;
  /** Largest request body the portal API reads; larger ones are refused with 413. */
  maxBodyBytes: number;
  /** Longest a client may take to send a request's headers and body (408 past it). */
  requestTimeoutMs: number;
  /** The built web app served at `/` (unset: apps/web/dist). */
  webDir?: string;
  /** How often the portal looks for config changes made by another portal process. */
  revisionPollMs: number;
  adminEmail: string;
  logLevel: string;
  /** BullMQ's Redis for notification jobs and the call-record worker; absent → the in-process runner, no worker. */
  redisUrl?: string;
  callRecordQueuePrefix: string;
  webhookDelivery: WebhookDeliverySettings;
  /** How long raw call records and each rollup level are kept. */
  retention: RetentionSettings;
  /** How often the retention job runs. */
  retentionSweepMs: number;
}

export function parsePortalConfig(env: NodeJS.ProcessEnv): PortalConfig {
  const parsed = portalEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid portal configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.TOLLGATE_DATA_DIR);
  return {
    dataDir,
    dbPath: e.TOLLGATE_DB_PATH ?? path.join(dataDir, 'tollgate.db'),
    ...(e.TOLLGATE_DATABASE_URL ? { databaseUrl: e.TOLLGATE_DATABASE_URL } : {}),
    masterKey: e.TOLLGATE_MASTER_KEY,
    host: e.TOLLGATE_PORTAL_HOST,
    port: e.TOLLGATE_PORTAL_PORT,
    cookieSecure: e.TOLLGATE_COOKIE_SECURE === 'auto' ? 'auto' : e.TOLLGATE_COOKIE_SECURE === 'true',
    sessionTtlMs: e.TOLLGATE_SESSION_TTL_HOURS * 3_600_000,
    internalToken: e.TOLLGATE_INTERNAL_TOKEN,
    gatewayUrl: e.TOLLGATE_GATEWAY_URL,
    ...(e.TOLLGATE_PUBLIC_GATEWAY_URL ? { publicGatewayUrl: e.TOLLGATE_PUBLIC_GATEWAY_URL.replace(/\/+$/, '') } : {}),
    maxBodyBytes: e.TOLLGATE_PORTAL_MAX_BODY_BYTES,
    requestTimeoutMs: e.TOLLGATE_REQUEST_TIMEOUT_MS,
    ...(e.TOLLGATE_WEB_DIR ? { webDir: path.resolve(e.TOLLGATE_WEB_DIR) } : {}),
    revisionPollMs: e.TOLLGATE_REVISION_POLL_MS,
    adminEmail: e.TOLLGATE_ADMIN_EMAIL,
    logLevel: e.TOLLGATE_LOG_LEVEL,
    redisUrl: e.TOLLGATE_REDIS_URL,
    callRecordQueuePrefix: e.TOLLGATE_CALL_RECORD_QUEUE_PREFIX,
    webhookDelivery: {
      attempts: e.TOLLGATE_WEBHOOK_ATTEMPTS,
      backoffMs: e.TOLLGATE_WEBHOOK_BACKOFF_MS,
      timeoutMs: e.TOLLGATE_WEBHOOK_TIMEOUT_MS,
    },
    retention: {
      rawDays: e.TOLLGATE_RETENTION_RAW_DAYS,
      minuteDays: e.TOLLGATE_RETENTION_MINUTE_DAYS,
      hourDays: e.TOLLGATE_RETENTION_HOUR_DAYS,
      dayDays: e.TOLLGATE_RETENTION_DAY_DAYS,
    },
    retentionSweepMs: e.TOLLGATE_RETENTION_SWEEP_MINUTES * 60_000,
  };
}
