import type { RetentionSettings } from './analytics/retention';
import type { ServerBindings } from '@tollgate/gateway';
import type { Logger } from 'pino';
import type { Limiter } from '@tollgate/limiter';
import type { Db } from '@tollgate/db';
import type { Actor } from './auth/sessions';
import type { ChangeListener, CommitChange, TransactionalChangeListener } from './changes/commit-change';
import type { SecretBox } from './secrets/secret-box';
import type { SnapshotPublisher } from './snapshot/publisher';
import type { PromptRunner } from './prompts/test-run';

export interface PortalSettings {
  /**
   * `auto`: Secure cookies when the request came over HTTPS (directly or, per `x-forwarded-proto`, through a
   * TLS-terminating proxy) or to localhost (where browsers allow it).
   */
  cookieSecure: 'auto' | boolean;
  sessionTtlMs: number;
  /** Bearer token a gateway running on its own presents to pull snapshots and push call records. */
  internalToken?: string;
  /** Largest request body `/api/*` reads; larger ones get 413 before any handler runs. */
  maxBodyBytes: number;
  /** The built web app served at `/` with an SPA fallback; unset, apps/web/dist. */
  webDir?: string;
  /** How long each rollup level is kept, so analytics picks a level that still holds the range; unset, forever. */
  retention?: RetentionSettings;
  /**
   * The gateway's address as users reach it, for the web app's code samples. A function: the all-in-one learns
   * its gateway's port only once it listens, after the portal is made.
   */
  publicGatewayUrl?: () => string | undefined;
}

export interface PortalDeps {
  db: Db;
  secrets: SecretBox;
  publisher: SnapshotPublisher;
  logger: Logger;
  settings: PortalSettings;
  /** Runs a prompt test in a gateway (in-process in the all-in-one, over HTTP otherwise); unset, test runs are off. */
  promptRunner?: PromptRunner;
  /** Told of every committed change (notifications listen here); a listener must not throw. */
  changeListeners?: readonly ChangeListener[];
  /** Told of every change inside its transaction (the notification outbox); throwing rolls the change back. */
  transactionalChangeListeners?: readonly TransactionalChangeListener[];
}

/** What every route module receives: the app's dependencies plus the one write path. */
export interface PortalContext extends PortalDeps {
  commitChange: CommitChange;
  /** Counts sign-in attempts; owned by the app, closed with it. */
  loginLimiter: Limiter;
}

export type PortalEnv = {
  /** Set by @hono/node-server (and `draining` by the server's drain); absent under `app.request()` in tests. */
  Bindings: ServerBindings;
  Variables: {
    requestId: string;
    logger: Logger;
    actor: Actor | undefined;
  };
};
