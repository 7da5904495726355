import type { SecureContext } from 'node:tls';
import type { Readable } from 'node:stream';
import type { Context } from 'hono';
import type { Dispatcher } from 'undici';
import type { SnapshotRestApi, SnapshotService, SnapshotUpstream } from '@tollgate/domain';
import type { GatewayEnv } from '../env';
import type { GatewayError } from '../errors';
import type { RecordMeter } from '../meter/call-meter';
import type { CallDraft } from '../steps/meter';
import { clientClosed } from '../forward/upstream-call';
import { startCapture } from '../capture/body-capture';
import type { NodeLease, RestUpstreams } from './upstreams/contract';
import type { RestCall } from './route-step';
import { prepareOutbound, type Caller, type Outbound } from './outbound';
import { nodeTarget } from './node-target';
import { startMirror, type MirrorTap } from './mirror';
import { StreamCopy } from './body';
import { relayResponse } from './relay';
import { abortReason, CallAborted, noHealthyUpstream, upstreamFailed, upstreamTimeout } from './failures';
import { CallCancel } from '../http/call-cancel';

export interface RestForwardDeps {
  /** The gateway's one keep-alive Agent. */
  dispatcher: Dispatcher;
  upstreams: RestUpstreams;
  meter: RecordMeter;
  captureMaxBytes: number;
  /** The gateway's upstream TLS (ADR 0037), for the requests it opens outside the Agent (WebSocket upgrades). */
  upstreamSecureContext?: SecureContext;
}

/** Methods a retry cannot turn into a second effect (RFC 9110 §9.2.2; POST and PATCH only with `retryAll`). */
const idempotent: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const retryableStatus = (status: number) => status === 502 || status === 503 || status === 504;

export interface Answered {
  response: Dispatcher.ResponseData;
  lease: NodeLease;
}

/**
 * Sends the call to a node of `upstream`, retrying on another node (never the same one) after a connection
 * failure or a 502/503/504, when all of these hold:
 * - the method is idempotent (GET, HEAD, OPTIONS, PUT, DELETE) or the API says `retryAll`;
 * - no byte of the request body has been handed to an upstream: a call without a body, or one whose body
 *   generator was never started (undici starts it only once the connection is up, so in practice a call with
 *   a body is retried only after a refused or unreachable connection). Nothing is buffered for a retry;
 * - the upstream's `retries.attempts` are not used up and its retry budget allows one more;
 * - a node not tried yet is available.
 * A timeout is not retried (the node may still be working on it, and the caller has already waited); the
 * client leaving ends everything. When no retry is possible the last upstream answer goes to the client as it
 * is, or the failure becomes the gateway's 502/504.
 */
export async function sendWithRetries(deps: RestForwardDeps, o: {
  draft: CallDraft;
  service: SnapshotService;
  api: SnapshotRestApi;
  upstream: SnapshotUpstream;
  out: Outbound;
  signal: CallCancel;
}): Promise<Answered> {
  const { draft, service, upstream, out, signal } = o;
  const tried = new Set<string>();
  let lease = deps.upstreams.lease(service.id, upstream, out.facts, tried);
  if (!lease) throw noHealthyUpstream(service);
  const mayRetry = idempotent.has(out.method) || o.api.retryAll;
  const headers = out.headersFor(upstream);
  for (let attempt = 0; ; attempt++) {
    tried.add(lease.node);
    draft.record.upstreamNode = lease.node;
    const { origin, basePath } = nodeTarget(lease.node);
    let response: Dispatcher.ResponseData | null = null;
    let failure: GatewayError | null = null;
    try {
      response = await deps.dispatcher.request({
        origin,
        path: basePath + out.path,
        method: out.method as Dispatcher.HttpMethod,
        headers,
        // undici takes async iterables as bodies (its types lag behind): pulled only once the socket is up.
        body: (out.body?.forAttempt() ?? null) as Readable | null,
        signal,
        headersTimeout: upstream.timeouts.firstByteMs,
        // Server-sent events and long downloads may idle between chunks: only `totalMs` bounds a body.
        bodyTimeout: 0,
      });
    } catch (err) {
      const why = abortReason(signal);
      if (why === 'client' || out.body?.clientFailed) {
        lease.done({ kind: 'aborted' });
        throw clientClosed();
      }
      if (why === 'timeout' || (err as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT') {
        lease.done({ kind: 'timeout' });
        throw upstreamTimeout(service, why === 'timeout' ? upstream.timeouts.totalMs : upstream.timeouts.firstByteMs, err);
      }
      lease.done({ kind: 'connect-failure' });
      failure = upstreamFailed(service, err);
    }
    if (response && !retryableStatus(response.statusCode)) return { response, lease };
    const next = attempt < upstream.retries.attempts && mayRetry && !out.body?.started ? deps.upstreams.lease(service.id, upstream, out.facts, tried) : null;
    if (next && !deps.upstreams.retryAllowed(service.id, upstream)) next.done({ kind: 'aborted' });
    else if (next) {
      if (response) {
        lease.done({ kind: 'response', status: response.statusCode });
        await response.body.dump().catch(() => undefined);
      }
      lease = next;
      continue;
    }
    if (response) return { response, lease };
    throw failure!;
  }
}

/**
 * The forward step of a REST call: upstream by split or pin, node by balancer, the request streamed to it (and
 * teed to a mirror), the answer streamed back. Timeouts: connect (per origin, in the shared Agent's connector),
 * first byte (undici's headersTimeout), total (an abort timer over the whole call; 0 = none).
 */
export async function forwardRest(c: Context<GatewayEnv>, deps: RestForwardDeps, call: RestCall, caller: Caller, limitHeaders: Record<string, string>): Promise<Response> {
  const draft = c.get('call');
  const { service, rest } = call.route;
  const api = call.match.api.api;
  const out = prepareOutbound(c, call, caller);
  const upstream = deps.upstreams.pickUpstream(rest, out.facts);
  draft.record.upstream = upstream.name;

  const capture = startCapture(draft, service, deps.captureMaxBytes);
  if (capture && out.body) {
    const copy = new StreamCopy(deps.captureMaxBytes);
    out.body.tap(copy.add, () => capture.request(copy.text()));
  }
  const shadow = deps.upstreams.mirrorTarget(rest);
  let mirror: MirrorTap | null = null;
  if (shadow) {
    mirror = startMirror({
      dispatcher: deps.dispatcher,
      upstreams: deps.upstreams,
      serviceId: service.id,
      shadow,
      facts: out.facts,
      method: out.method,
      path: out.path,
      headers: out.headersFor(shadow),
      withBody: out.body !== null,
    });
    if (mirror && out.body) out.body.tap(mirror.chunk, mirror.end);
  }

  // One cancellation per call: the client leaving and the total timeout both abort the upstream call.
  const abort = new CallCancel();
  const outgoing = c.env?.outgoing;
  outgoing?.once('close', () => {
    if (!outgoing.writableFinished) abort.abort(new CallAborted('client'));
  });
  const totalMs = upstream.timeouts.totalMs;
  const timer = totalMs > 0 ? setTimeout(() => abort.abort(new CallAborted('timeout')), totalMs) : null;
  // The body never reached an upstream: a mirror waiting for it is given up.
  const abandonBody = () => {
    if (out.body && !out.body.started) mirror?.end(false);
  };
  let answered: Answered;
  try {
    answered = await sendWithRetries(deps, { draft, service, api, upstream, out, signal: abort });
  } catch (err) {
    if (timer) clearTimeout(timer);
    abandonBody();
    draft.record.bytesIn = out.body?.bytes ?? 0;
    throw err;
  }
  return relayResponse(c, {
    meter: deps.meter,
    call,
    answered,
    out,
    capture,
    captureMaxBytes: deps.captureMaxBytes,
    signal: abort,
    headers: { ...limitHeaders, ...call.answerHeaders, 'x-request-id': c.get('requestId') },
    done: () => {
      if (timer) clearTimeout(timer);
      abandonBody();
    },
  });
}
