import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { configRevision, first, type Db } from '@tollgate/db';
import { openOwnTestDatabase } from '@tollgate/db/pg/testing';
import type { PlatformRole, TeamId, TeamRole, UserId } from '@tollgate/domain';
import { createInProcessQueue, type JobQueue } from '@tollgate/jobs';
import { createPortalApp } from '../app';
import { defaultMaxBodyBytes } from '../config';
import type { PortalSettings } from '../context';
import { createNotifier, type Notifier, type NotifierDeps } from '../notifications/notifier';
import type { WebhookDeliverySettings } from '../webhooks/settings';
import { createSecretBox, type SecretBox } from '../secrets/secret-box';
import { createSnapshotPublisher, type SnapshotPublisher } from '../snapshot/publisher';
import { ensureFirstAdmin } from '../users/bootstrap';

/**
 * A real portal for tests: a private in-memory database, a real secret box and snapshot publisher, and a
 * platform admin made by the installer's own `ensureFirstAdmin`. Nothing is mocked; requests go through
 * `app.request()`, so every middleware, policy check and error renderer runs.
 *
 *   const f = await createPortalFixture();
 *   const bob = await f.createUser({ email: 'bob@example.test' });
 *   const team = await f.createTeam({ slug: 'team-a', ownerUserId: bob.id });
 *   const { status, body } = await f.api('POST', `/api/teams/${team.id}/apps`, { cookie: bob.cookie, body: { name: 'x' } });
 *   afterAll(() => f.close());
 */

export interface ApiOptions {
  /** A `Cookie` header value, as returned by `login`. */
  cookie?: string;
  /** An object is sent as JSON; a string is sent as is (set `content-type` in `headers` to test a 415). */
  body?: unknown;
  headers?: Record<string, string>;
  /** When set, a different status throws with the response body: for setup steps that must succeed. */
  expect?: number;
}

export interface ApiResponse<T = any> {
  status: number;
  /** Parsed JSON; the raw text when the body is not JSON; null when empty. */
  body: T;
  headers: Headers;
}

export interface TestUser {
  id: UserId;
  email: string;
  password: string;
  /** Signed in already: pass as `cookie`. */
  cookie: string;
}

export interface PortalFixture {
  app: ReturnType<typeof createPortalApp>;
  db: Db;
  secrets: SecretBox;
  publisher: SnapshotPublisher;
  /** The platform admin from `ensureFirstAdmin`, signed in. */
  admin: TestUser;
  api<T = any>(method: string, path: string, options?: ApiOptions): Promise<ApiResponse<T>>;
  /** Signs in and returns the `Cookie` header value (`tg_session=…`). */
  login(email: string, password: string): Promise<string>;
  /** Creates a user through `POST /api/users` as the admin and signs them in. */
  createUser(input?: { email?: string; name?: string; role?: PlatformRole }): Promise<TestUser>;
  /** Creates a team through `POST /api/teams` as the admin; the owner defaults to the admin. */
  createTeam(input: { slug: string; name?: string; ownerUserId?: UserId }): Promise<{ id: TeamId; name: string; slug: string }>;
  /** Adds a member through the API as the admin. */
  addMember(teamId: TeamId, userId: UserId, role: TeamRole): Promise<void>;
  /** The config revision the next snapshot will carry. */
  revision(): Promise<number>;
  /** The notification job queue (in-process unless the test passed its own) and the notifier on it. */
  jobs: JobQueue;
  notifier: Notifier;
  /** Stops the app's and the publisher's timers, waits for running jobs and closes the database. */
  close(): Promise<void>;
}

export interface PortalFixtureOptions {
  settings?: Partial<PortalSettings>;
  adminEmail?: string;
  /** Webhook retry tuning; the fixture's defaults retry fast (3 attempts, 20 ms base) so tests see outcomes. */
  delivery?: Partial<WebhookDeliverySettings>;
  /** A job queue to run notifications on (a BullMQ one, say); the fixture closes it. Default: in-process. */
  jobs?: JobQueue;
  /** Notification outbox sweep tuning (tests of the sweep make it fast). */
  outbox?: NotifierDeps['outbox'];
}

export const fastDelivery: WebhookDeliverySettings = { attempts: 3, backoffMs: 20, timeoutMs: 2_000 };

let userCounter = 0;

export async function createPortalFixture(options: PortalFixtureOptions = {}): Promise<PortalFixture> {
  // SQLite in memory, or a fresh PostgreSQL database with TOLLGATE_TEST_DATABASE=postgres (ADR 0040).
  const own = await openOwnTestDatabase();
  const db = own.db;
  const secrets = createSecretBox(randomBytes(32));
  // TOLLGATE_TEST_LOG=error shows what the portal logs (a 500's cause, say) while a test runs.
  const logger = pino({ level: process.env.TOLLGATE_TEST_LOG ?? 'silent' });
  const publisher = await createSnapshotPublisher({ db, secrets, logger });
  const jobs = options.jobs ?? createInProcessQueue({ logger });
  const notifier = createNotifier({ db, secrets, queue: jobs, logger, delivery: { ...fastDelivery, ...options.delivery }, outbox: options.outbox });
  await notifier.start();
  const app = createPortalApp({
    db,
    secrets,
    publisher,
    logger,
    changeListeners: [notifier.listener],
    transactionalChangeListeners: [notifier.transactionalListener],
    settings: { cookieSecure: false, sessionTtlMs: 3600_000, maxBodyBytes: defaultMaxBodyBytes, ...options.settings },
  });

  async function api<T = any>(method: string, path: string, opts: ApiOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.cookie) headers.cookie = opts.cookie;
    let body: string | undefined;
    if (typeof opts.body === 'string') body = opts.body;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await app.request(path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (opts.expect !== undefined && res.status !== opts.expect) {
      throw new Error(`${method} ${path}: expected ${opts.expect}, got ${res.status} ${text}`);
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  async function login(email: string, password: string): Promise<string> {
    const res = await app.request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const cookie = res.headers.get('set-cookie');
    if (res.status !== 200 || !cookie) throw new Error(`login as ${email} failed: ${res.status} ${await res.text()}`);
    return cookie.split(';')[0]!;
  }

  const bootstrap = await ensureFirstAdmin(db, options.adminEmail);
  if (!bootstrap.created || !bootstrap.password) throw new Error('the fixture needs a fresh database');
  const adminCookie = await login(bootstrap.email, bootstrap.password);
  const adminId = (await api('GET', '/api/auth/me', { cookie: adminCookie, expect: 200 })).body.user.id as UserId;
  const admin: TestUser = { id: adminId, email: bootstrap.email, password: bootstrap.password, cookie: adminCookie };

  return {
    app,
    db,
    secrets,
    publisher,
    admin,
    api,
    login,
    async createUser(input = {}) {
      const email = input.email ?? `user${++userCounter}-${randomBytes(3).toString('hex')}@example.test`;
      const { body } = await api('POST', '/api/users', {
        cookie: adminCookie,
        body: { email, name: input.name ?? email.split('@')[0], role: input.role ?? 'user' },
        expect: 201,
      });
      return { id: body.user.id, email, password: body.password, cookie: await login(email, body.password) };
    },
    async createTeam(input) {
      const { body } = await api('POST', '/api/teams', {
        cookie: adminCookie,
        body: { name: input.name ?? input.slug, slug: input.slug, ...(input.ownerUserId ? { ownerUserId: input.ownerUserId } : {}) },
        expect: 201,
      });
      return body.team;
    },
    async addMember(teamId, userId, role) {
      await api('POST', `/api/teams/${teamId}/members`, { cookie: adminCookie, body: { userId, role }, expect: 201 });
    },
    revision: async () => (await first(db.select().from(configRevision)))!.revision,
    jobs,
    notifier,
    async close() {
      app.close();
      publisher.close();
      await jobs.close();
      await notifier.close();
      await own.close();
    },
  };
}

/**
 * For test files that need a fresh portal per test: `const fixture = fixturePerTest(afterEach)`, then
 * `await fixture(options)` inside a test; every fixture made during a test is closed after it.
 */
export function fixturePerTest(afterEach: (fn: () => Promise<void>) => void) {
  const open: PortalFixture[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((f) => f.close()));
  });
  return async (options?: Parameters<typeof createPortalFixture>[0]) => {
    const f = await createPortalFixture(options);
    open.push(f);
    return f;
  };
}
