import { request, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { SnapshotData } from '@tollgate/domain';
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
 * portal, sending the revision it has so an unchanged snapshot costs a 304. Polling is the convergence
 * guarantee: a gateway that restarts or misses a change catches up by itself on the next poll.
 */
export function createPortalSnapshotClient(options: PortalSnapshotClientOptions) {
  const holder = new SnapshotHolder();
  const url = new URL('/api/internal/snapshot', options.portalUrl).toString();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  async function pullOnce(): Promise<boolean> {
    const revision = holder.current()?.revision;
    const res = await request(url, {
      headers: {
        authorization: `Bearer ${options.internalToken}`,
        ...(revision !== undefined ? { 'if-none-match': `"${revision}"` } : {}),
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
    const swapped = holder.install((await res.body.json()) as SnapshotData);
    if (swapped) options.logger.info({ revision: holder.current()?.revision }, 'snapshot installed');
    return swapped;
  }

  const loop = async () => {
    try {
      await pullOnce();
    } catch (err) {
      options.logger.warn({ err }, 'snapshot pull failed; serving the last snapshot');
    }
    if (!stopped) timer = setTimeout(loop, options.pollMs);
  };

  return {
    source: holder,
    pullOnce,
    start() {
      void loop();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
