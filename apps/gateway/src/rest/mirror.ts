import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ServiceId, SnapshotUpstream } from '@tollgate/domain';
import type { MirrorOutcome, NodeOutcome, RequestFacts, RestUpstreams } from './upstreams/contract';
import type { HeaderMap } from './headers';
import { nodeTarget } from './node-target';

/** What the main call feeds its mirror: body chunks as they are sent, and how the body ended. */
export interface MirrorTap {
  chunk(chunk: Uint8Array): void;
  end(complete: boolean): void;
}

export interface MirrorRequest {
  dispatcher: Dispatcher;
  upstreams: RestUpstreams;
  serviceId: ServiceId;
  shadow: SnapshotUpstream;
  facts: RequestFacts;
  method: string;
  /** Path and query before the node's base path. */
  path: string;
  /** The call's headers for the shadow upstream (its credential and Host included). */
  headers: HeaderMap;
  withBody: boolean;
  /** Bytes of body the mirror may lag behind the main call before it is given up (default 1 MiB). */
  maxBufferedBytes?: number;
}

/** A mirror with no total timeout of its own still ends: shadows must not pile up open connections. */
const defaultMirrorTotalMs = 30_000;

/**
 * Sends a copy of the call to the shadow upstream and returns at once: the main call never waits for it, and
 * its answer is read and discarded. The body is teed as the main call sends it; if the shadow falls more than
 * `maxBufferedBytes` behind, the copy is aborted and counted dropped rather than held in memory. Every
 * mirrored call is counted once (RestUpstreams.countMirror): sent (it got an answer, any status), failed, dropped.
 */
export function startMirror(o: MirrorRequest): MirrorTap | null {
  const lease = o.upstreams.lease(o.serviceId, o.shadow, o.facts, new Set());
  if (!lease) {
    o.upstreams.countMirror('failed');
    return null;
  }
  const cap = o.maxBufferedBytes ?? 1024 * 1024;
  const controller = new AbortController();
  let outcome: MirrorOutcome | null = null;
  const settle = (how: MirrorOutcome, node: NodeOutcome) => {
    if (outcome) return;
    outcome = how;
    clearTimeout(timer);
    o.upstreams.countMirror(how);
    lease.done(node);
  };
  const body = o.withBody ? new Readable({ read() {} }) : null;
  const drop = () => {
    if (outcome) return;
    settle('dropped', { kind: 'aborted' });
    controller.abort();
    body?.destroy();
  };
  const timer = setTimeout(() => controller.abort(), o.shadow.timeouts.totalMs || defaultMirrorTotalMs);
  timer.unref();
  const { origin, basePath } = nodeTarget(lease.node);
  // Tells the shadow it is one: its answer goes nowhere, and it may skip side effects.
  const headers = { ...o.headers, 'x-tollgate-mirror': 'true' };
  o.dispatcher
    .request({
      origin,
      path: basePath + o.path,
      method: o.method as Dispatcher.HttpMethod,
      headers,
      body,
      signal: controller.signal,
      headersTimeout: o.shadow.timeouts.firstByteMs,
      bodyTimeout: 0,
    })
    .then(async (res) => {
      await res.body.dump().catch(() => undefined);
      settle('sent', { kind: 'response', status: res.statusCode });
    })
    .catch((err: { code?: string }) => {
      if (controller.signal.aborted) settle('failed', { kind: 'timeout' });
      else settle('failed', err.code === 'UND_ERR_HEADERS_TIMEOUT' ? { kind: 'timeout' } : { kind: 'connect-failure' });
    });
  return {
    chunk(chunk) {
      if (!body || outcome) return;
      body.push(chunk);
      if (body.readableLength > cap) drop();
    },
    end(complete) {
      if (!body || outcome) return;
      // A body the main call did not send whole cannot be copied whole either.
      if (complete) body.push(null);
      else drop();
    },
  };
}
