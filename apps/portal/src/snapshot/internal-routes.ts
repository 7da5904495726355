import { timingSafeEqual, createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { PortalContext, PortalEnv } from '../context';
import { ApiError, payloadTooLarge } from '../http/errors';
import { readJson } from '../http/validate';
import { createCallRecordWriter } from '../call-records/store';
import { checkCallRecords, sentCallRecordBatchSchema } from '../call-records/record-schema';
import { configRevision, first } from '@tollgate/db';
import { deltaMediaType } from './delta';
import { snapshotWaiters } from './revision-notify';

/**
 * A gateway pushes up to 1,000 records a request and drops a batch the portal answers with 413. The portal's
 * general 1 MiB limit would drop exactly the batches that matter, failing calls with long error messages;
 * 32 MiB leaves room for 1,000 records with every text field near its longest.
 */
const callRecordBatchBytes = 32 * 1024 * 1024;

/** The longest a gateway may hold a snapshot request open: far below any sane proxy idle timeout. */
export const maxSnapshotWaitSeconds = 60;

function parseWait(value: string | undefined): number {
  if (value === undefined) return 0;
  const seconds = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds <= maxSnapshotWaitSeconds)) {
    const message = `seconds to hold the request for a newer revision, a whole number from 0 to ${maxSnapshotWaitSeconds}; got '${value.slice(0, 40)}'`;
    throw new ApiError(400, 'invalid_query', `wait: ${message}`, [{ path: 'wait', message }]);
  }
  return seconds;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The channel a gateway running on its own uses (DESIGN §2, like Kong's hybrid mode): pull the compiled
 * snapshot, push call records. Closed unless an internal token is configured.
 */
export function internalRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  const expected = ctx.settings.internalToken ? digest(ctx.settings.internalToken) : null;
  const writeCallRecords = createCallRecordWriter(ctx.db);

  const requireGateway = (c: Context) => {
    if (!expected) throw new ApiError(404, 'not_found', 'The internal gateway channel is not enabled.');
    const header = c.req.header('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!timingSafeEqual(digest(token), expected)) throw new ApiError(401, 'unauthenticated', 'Invalid internal token.');
  };

  const waiters = snapshotWaiters(ctx.publisher);

  /** The answer for a gateway at `since` (its `if-none-match`), as before long-polls: 304, a delta, or all of it. */
  const answer = (c: Context, since: string | undefined) => {
    const snapshot = ctx.publisher.current();
    const etag = `"${snapshot.revision}"`;
    c.header('etag', etag);
    c.header('cache-control', 'no-store');
    if (since === etag) return c.body(null, 304);
    // A gateway that says it takes deltas and is a few revisions behind gets what changed since (ADR 0032):
    // a revoke costs it a few hundred bytes instead of the whole snapshot (43 MB at 100,000 keys) and its parse.
    const revision = /^"(\d+)"$/.exec(since ?? '')?.[1];
    if (revision !== undefined && (c.req.header('accept') ?? '').includes(deltaMediaType)) {
      const delta = ctx.publisher.deltaSince(Number(revision));
      if (delta) return c.body(JSON.stringify(delta), 200, { 'content-type': deltaMediaType });
    }
    return c.json(snapshot);
  };

  app.get('/snapshot', async (c) => {
    requireGateway(c);
    const waitSeconds = parseWait(c.req.query('wait'));
    const since = c.req.header('if-none-match');
    const revision = Number(/^"(\d+)"$/.exec(since ?? '')?.[1] ?? Number.NaN);
    // A long-poll (ADR 0038): a gateway already at this portal's revision is answered when the publisher has a
    // newer one, or with a 304 when the wait ends. No timer in the portal looks for changes: the publisher's
    // listener wakes the waiters. The request is whole once its headers are in, so TOLLGATE_REQUEST_TIMEOUT_MS
    // (headers and body) does not cut the wait.
    if (waitSeconds > 0 && Number.isSafeInteger(revision) && revision >= ctx.publisher.current().revision && !c.env?.draining) {
      // Ahead of this portal: either this portal lags a write made through another one (then the revision row
      // is there already, and a look now catches up), or the database went back (restored, or new): then the
      // gateway gets this portal's snapshot at once instead of serving config that no longer exists.
      if (revision > ctx.publisher.current().revision) {
        const stored = (await first(ctx.db.select({ revision: configRevision.revision }).from(configRevision)))?.revision ?? 0;
        if (stored < revision) return answer(c, since);
        ctx.publisher.configChanged();
      }
      await waiters.wait(revision, waitSeconds * 1_000, c.req.raw.signal);
    }
    return answer(c, since);
  });

  // The token is checked before the body limit reads a byte, so only a gateway can make the portal buffer.
  const gatewayOnly = async (c: Context, next: () => Promise<void>) => {
    requireGateway(c);
    await next();
  };
  const limitBatch = bodyLimit({
    maxSize: callRecordBatchBytes,
    onError: () => {
      throw payloadTooLarge(callRecordBatchBytes);
    },
  });

  app.post('/call-records', gatewayOnly, limitBatch, async (c) => {
    const { records } = await readJson(c, sentCallRecordBatchSchema);
    const { valid, invalid } = checkCallRecords(records);
    await writeCallRecords(valid);
    // The valid records are stored; the gateway counts the others as rejected (they can never be stored).
    if (invalid.length) ctx.logger.error({ rejected: invalid.length, problems: invalid.slice(0, 5) }, 'call records refused: invalid');
    return c.json({ accepted: valid.length, rejected: invalid.length, problems: invalid.slice(0, 20) });
  });

  return app;
}
