import { request, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { snapshotDeltaMediaType, type SnapshotData, type SnapshotDelta } from '@tollgate/domain';
import { SnapshotHolder } from './snapshot-source';

export interface PortalSnapshotClientOptions {
  /** The portal's base URL, e.g. http://portal:8080. */
  portalUrl: string;
  internalToken: string;
  pollMs: number;
  logger: Logger;
  dispatcher?: Dispatcher;
}

/**
 * The split shape's snapshot source (DESIGN §2): a gateway on its own pulls the compiled snapshot from the
 * portal, sending the revision it has so an unchanged snapshot costs a 304, and asking for a delta: when the
 * portal still holds the changes since that revision (keys, apps, subscriptions: ADR 0032) it answers with
 * them, applied without re-indexing. Polling is the convergence guarantee: a gateway that restarts or misses a
 * change catches up by itself on the next poll, with the full snapshot when no delta reaches it.
 */
export function createPortalSnapshotClient(options: PortalSnapshotClientOptions) {
  const holder = new SnapshotHolder();
  const url = new URL('/api/internal/snapshot', options.portalUrl).toString();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  /** How the snapshots arrived: full ones indexed, deltas applied (for logs and tests). */
  const stats = { full: 0, deltas: 0 };

  /** One pull. `full` asks for the whole snapshot, as after a delta that did not start at this revision. */
  async function pullOnce(full = false): Promise<boolean> {
    const revision = full ? undefined : holder.current()?.revision;
    const res = await request(url, {
      headers: {
        authorization: `Bearer ${options.internalToken}`,
        ...(revision !== undefined ? { 'if-none-match': `"${revision}"`, accept: `${snapshotDeltaMediaType}, application/json` } : {}),
      },
      dispatcher: options.dispatcher,
      headersTimeout: 10_000,
      bodyTimeout: 30_000,
    });
    if (res.statusCode === 304) {
      await res.body.dump();
      return false;
    }
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      throw new Error(`portal answered ${res.statusCode} for the snapshot: ${text.slice(0, 200)}`);
    }
    if (String(res.headers['content-type'] ?? '').startsWith(snapshotDeltaMediaType)) {
      const delta = (await res.body.json()) as SnapshotDelta;
      // Another pull may have moved the snapshot on meanwhile: then the delta no longer fits, take it all.
      if (!holder.applyDelta(delta)) return pullOnce(true);
      stats.deltas += 1;
      options.logger.info({ revision: delta.to, from: delta.from }, 'snapshot delta applied');
      return true;
    }
    const swapped = holder.install((await res.body.json()) as SnapshotData);
    if (swapped) {
      stats.full += 1;
      options.logger.info({ revision: holder.current()?.revision }, 'snapshot installed');
    }
    return swapped;
  }

  const loop = async () => {
    try {
      await pullSerially();
    } catch (err) {
      options.logger.warn({ err }, 'snapshot pull failed; serving the last snapshot');
    }
    if (!stopped) timer = setTimeout(loop, options.pollMs);
  };

  // One pull at a time: two overlapping ones could answer out of order and install the older snapshot last.
  let inFlight: Promise<boolean> | null = null;
  const pullSerially = () => (inFlight ??= pullOnce().finally(() => (inFlight = null)));

  return {
    source: holder,
    stats,
    pullOnce: pullSerially,
    start() {
      void loop();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
