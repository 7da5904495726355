import { request, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { snapshotDeltaMediaType, type SnapshotData, type SnapshotDelta } from '@tollgate/domain';
import { SnapshotHolder } from './snapshot-source';

export interface PortalSnapshotClientOptions {
  /** The portal's base URL, e.g. http://portal:8080. */
  portalUrl: string;
  internalToken: string;
  /** With the long-poll off: the interval between pulls. Also the longest reconnect backoff (at most 5 s). */
  pollMs: number;
  /**
   * Long-poll (ADR 0038): seconds the portal may hold a pull until it has a newer revision (default 25, at most
   * 60). 0: no long-poll, a plain pull every `pollMs` (plus a pull on each Redis announcement, if subscribed).
   */
  waitSeconds?: number;
  logger: Logger;
  dispatcher?: Dispatcher;
}

/** A 304 sooner than this did not wait (an older portal that ignores `wait`, or one stopping): pause the rest. */
const quickAnswerMs = 1_000;
const firstBackoffMs = 250;
const maxBackoffMs = 5_000;

/**
 * The split shape's snapshot source (DESIGN §2): a gateway on its own pulls the compiled snapshot from the
 * portal, sending the revision it has so an unchanged snapshot costs a 304, and asking for a delta: when the
 * portal still holds the changes since that revision (keys, apps, subscriptions: ADR 0032) it answers with
 * them, applied without re-indexing. Each pull is a long-poll: the portal answers when it publishes a newer
 * revision (ADR 0038), so a change arrives within milliseconds, and the next pull starts at once. The pull loop
 * is also the convergence guarantee: a gateway that restarts, loses its connection or misses an announcement
 * catches up by itself on its next pull, with the full snapshot when no delta reaches it.
 */
export function createPortalSnapshotClient(options: PortalSnapshotClientOptions) {
  const holder = new SnapshotHolder();
  const url = new URL('/api/internal/snapshot', options.portalUrl).toString();
  const waitSeconds = options.waitSeconds ?? 25;
  // Aborted by stop(): a held long-poll must not keep the process (or a test's portal drain) waiting.
  const abort = new AbortController();
  let started = false;
  let stopped = false;
  // A Redis announcement that came while a pull was running: that pull may have been asked before the change.
  let nudged = false;
  let wake: (() => void) | null = null;

  /** How the snapshots arrived: full ones indexed, deltas applied (for logs and tests). */
  const stats = { full: 0, deltas: 0 };
  /** Pulls that failed in a row (the backoff), and announcements that asked for a pull. */
  const health = { failures: 0, nudges: 0 };

  /** One pull. `full` asks for the whole snapshot, as after a delta that did not start at this revision. */
  async function pullOnce(full: boolean, wait: number): Promise<boolean> {
    const revision = full ? undefined : holder.current()?.revision;
    // Without a revision there is nothing to wait for: the portal answers with the whole snapshot at once.
    const query = wait > 0 && revision !== undefined ? `?wait=${wait}` : '';
    const res = await request(url + query, {
      headers: {
        authorization: `Bearer ${options.internalToken}`,
        ...(revision !== undefined ? { 'if-none-match': `"${revision}"`, accept: `${snapshotDeltaMediaType}, application/json` } : {}),
      },
      dispatcher: options.dispatcher,
      signal: abort.signal,
      // The portal sends the headers only when the wait ends: undici's default (300 s) would do, a tight one not.
      headersTimeout: (query ? wait * 1_000 : 0) + 10_000,
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
      if (!holder.applyDelta(delta)) return pullOnce(true, 0);
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

  // One pull at a time: two overlapping ones could answer out of order and install the older snapshot last.
  let inFlight: Promise<boolean> | null = null;
  const pullSerially = (wait = 0) => (inFlight ??= pullOnce(false, wait).finally(() => (inFlight = null)));

  /** Resolves after `ms`, or sooner when `nudge` or `stop` wakes it. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  /** How long to wait before the next pull, given how the last one went. */
  const nextPullIn = (outcome: { changed: boolean; tookMs: number } | { failed: true }) => {
    if ('failed' in outcome) {
      // Backs off, with jitter so gateways cut off by one portal restart do not all come back in the same tick.
      const ceiling = Math.min(firstBackoffMs * 2 ** (health.failures - 1), Math.min(options.pollMs, maxBackoffMs));
      return ceiling * (0.8 + 0.4 * Math.random());
    }
    if (waitSeconds === 0) return options.pollMs;
    return outcome.changed ? 0 : Math.max(0, quickAnswerMs - outcome.tookMs);
  };

  const loop = async () => {
    while (!stopped) {
      const begun = performance.now();
      let delay: number;
      try {
        const changed = await pullSerially(waitSeconds);
        if (health.failures > 0) options.logger.info({ after: health.failures }, 'snapshot pulls work again');
        health.failures = 0;
        delay = nextPullIn({ changed, tookMs: performance.now() - begun });
      } catch (err) {
        if (stopped) break;
        health.failures += 1;
        delay = nextPullIn({ failed: true });
        options.logger.warn({ err, failures: health.failures, retryInMs: Math.round(delay) }, 'snapshot pull failed; serving the last snapshot');
      }
      if (nudged) {
        nudged = false;
        delay = 0;
      }
      await pause(delay);
    }
  };

  return {
    source: holder,
    stats,
    health,
    /** One plain pull (no wait); while the loop's pull runs, its result. */
    pullOnce: () => pullSerially(),
    start() {
      if (started) return;
      started = true;
      void loop();
    },
    /**
     * A portal announced `revision` (over Redis), or the announcements may have been missed (no revision: the
     * subscriber reconnected). Pulls now when that is news; a running pull is followed by one more at once.
     */
    nudge(revision?: number) {
      if (!started || stopped) return;
      const held = holder.current()?.revision;
      if (revision !== undefined && held !== undefined && revision <= held) return;
      health.nudges += 1;
      if (inFlight) nudged = true;
      else wake?.();
    },
    stop() {
      stopped = true;
      wake?.();
      abort.abort();
    },
  };
}
