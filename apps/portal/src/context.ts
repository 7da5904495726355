import type { Logger } from 'pino';
import type { Db } from '@tollgate/db';
import type { Actor } from './auth/sessions';
import type { CommitChange } from './changes/commit-change';
import type { SecretBox } from './secrets/secret-box';
import type { SnapshotPublisher } from './snapshot/publisher';

export interface PortalSettings {
  /** `auto`: Secure cookies when the request came over HTTPS or to localhost (where browsers allow it). */
  cookieSecure: 'auto' | boolean;
  sessionTtlMs: number;
  /** Bearer token a gateway running on its own presents to pull snapshots and push call records. */
  internalToken?: string;
}

export interface PortalDeps {
  db: Db;
  secrets: SecretBox;
  publisher: SnapshotPublisher;
  logger: Logger;
  settings: PortalSettings;
}

/** What every route module receives: the app's dependencies plus the one write path. */
export interface PortalContext extends PortalDeps {
  commitChange: CommitChange;
}

export type PortalEnv = {
  Variables: {
    requestId: string;
    logger: Logger;
    actor: Actor | undefined;
  };
};
