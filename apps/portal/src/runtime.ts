import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { closeDatabase, createDb, type Db } from '@tollgate/db';
import type { JobQueue } from '@tollgate/jobs';
import type { PortalConfig } from './config';
import { createPortalApp } from './app';
import { scheduleRetention } from './analytics/retention';
import { createNotifier } from './notifications/notifier';
import { createNotificationQueue } from './notifications/queue';
import { createSecretBox, generateMasterKey, parseMasterKey, type SecretBox } from './secrets/secret-box';
import { createSnapshotPublisher, type SnapshotPublisher } from './snapshot/publisher';
import { announceRevisions } from './snapshot/revision-notify';
import { ensureFirstAdmin } from './users/bootstrap';
import { releaseWhatWasServedBeforeUpgrade } from './releases/upgrade';
import { createHttpPromptRunner, type PromptRunner } from './prompts/test-run';
import { startCallRecordWorker } from './call-records/queue-worker';
import type { BatchConsumer } from '@tollgate/jobs';

/**
 * The master key for provider credentials: from TOLLGATE_MASTER_KEY, else `<data dir>/master.key`, which is
 * generated (mode 0600) on first start. Losing it makes stored provider keys unreadable: back it up.
 */
export function loadMasterKey(config: PortalConfig): Buffer {
  if (config.masterKey) return parseMasterKey(config.masterKey);
  const file = path.join(config.dataDir, 'master.key');
  if (!existsSync(file)) writeFileSync(file, `${generateMasterKey()}\n`, { mode: 0o600, flag: 'wx' });
  return parseMasterKey(readFileSync(file, 'utf8'));
}

export interface PortalRuntime {
  db: Db;
  secrets: SecretBox;
  publisher: SnapshotPublisher;
  app: ReturnType<typeof createPortalApp>;
  /** Notification and retention jobs: BullMQ when TOLLGATE_REDIS_URL is set, else in-process. */
  jobs: JobQueue;
  /** With Redis: the worker storing the call-record batches separate gateways queue. */
  callRecordWorker?: BatchConsumer;
  /** Set when this start created the first admin: shown once, then never again. */
  firstAdmin?: { email: string; password: string };
  /** Waits for running notification jobs before the database closes. */
  close(): Promise<void>;
}

/** Data directory, master key, migrated database, first admin, snapshot publisher and the portal app. */
export async function createPortalRuntime(
  config: PortalConfig,
  logger: Logger,
  hooks: { onStatement?: (sql: string) => void; promptRunner?: PromptRunner; ownGatewayUrl?: () => string | undefined } = {},
): Promise<PortalRuntime> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secrets = createSecretBox(loadMasterKey(config));
  const db = await openPortalDatabase(config, logger, hooks.onStatement);
  const admin = await ensureFirstAdmin(db, config.adminEmail);
  const upgraded = await releaseWhatWasServedBeforeUpgrade(db);
  if (upgraded.length) logger.info({ services: upgraded }, 'released the working copies the gateway served before releases were served');
  const publisher = await createSnapshotPublisher({ db, secrets, logger, pollMs: config.revisionPollMs });
  // With Redis, gateways (and the other portals) hear of each new revision at once (ADR 0038).
  const announcer = config.redisUrl ? announceRevisions({ redisUrl: config.redisUrl, publisher, logger }) : undefined;
  const jobs = createNotificationQueue(config.redisUrl, logger);
  const notifier = createNotifier({ db, secrets, queue: jobs, logger, delivery: config.webhookDelivery });
  await notifier.start();
  // On the notification queue: a timer in this process without Redis, one BullMQ job scheduler for all portals with it.
  const retention = await scheduleRetention({ db, jobs, settings: config.retention, everyMs: config.retentionSweepMs, logger: logger.child({ component: 'retention' }) });
  const callRecordWorker = config.redisUrl
    ? startCallRecordWorker({ redisUrl: config.redisUrl, prefix: config.callRecordQueuePrefix, db, logger })
    : undefined;
  const promptRunner =
    hooks.promptRunner ?? (config.gatewayUrl && config.internalToken ? createHttpPromptRunner(config.gatewayUrl, config.internalToken) : undefined);
  const app = createPortalApp({
    promptRunner,
    db,
    secrets,
    publisher,
    logger,
    changeListeners: [notifier.listener],
    transactionalChangeListeners: [notifier.transactionalListener],
    settings: {
      cookieSecure: config.cookieSecure,
      sessionTtlMs: config.sessionTtlMs,
      internalToken: config.internalToken,
      maxBodyBytes: config.maxBodyBytes,
      webDir: config.webDir,
      retention: config.retention,
      // Configured wins: behind a proxy the gateway's own listen address is not what users reach.
      publicGatewayUrl: config.publicGatewayUrl ? () => config.publicGatewayUrl : hooks.ownGatewayUrl,
    },
  });
  return {
    db,
    secrets,
    publisher,
    app,
    jobs,
    callRecordWorker,
    firstAdmin: admin.created && admin.password ? { email: admin.email, password: admin.password } : undefined,
    async close() {
      app.close();
      publisher.close();
      await announcer?.close();
      retention.stop();
      await jobs.close();
      await notifier.close();
      // The job being written finishes; jobs still waiting stay in Redis for the next start.
      await callRecordWorker?.close();
      await closeDatabase(db);
    },
  };
}

/**
 * SQLite in the data directory, or with TOLLGATE_DATABASE_URL the PostgreSQL it names, migrated either way
 * (ADR 0040). pg is loaded only then: the embedded default never loads it.
 */
async function openPortalDatabase(config: PortalConfig, logger: Logger, onStatement?: (sql: string) => void): Promise<Db> {
  if (!config.databaseUrl) {
    mkdirSync(path.dirname(config.dbPath), { recursive: true });
    return createDb({ path: config.dbPath, onStatement });
  }
  const { openPgDatabase } = await import('@tollgate/db/pg');
  const db = await openPgDatabase(config.databaseUrl, {
    onIdleError: (err) => logger.warn({ err }, 'an idle PostgreSQL connection failed; the pool opens another'),
  });
  return db as unknown as Db;
}

export function announceFirstAdmin(runtime: PortalRuntime): void {
  if (!runtime.firstAdmin) return;
  const { email, password } = runtime.firstAdmin;
  process.stdout.write(
    `\nFirst admin created. This password is shown once; sign in and keep it safe.\n  email:    ${email}\n  password: ${password}\n\n`,
  );
}
