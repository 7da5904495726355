import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { GatewayEnv } from '../env';
import type { RecordMeter } from '../meter/call-meter';
import type { BodyCapture } from '../capture/body-capture';
import type { NodeOutcome } from './upstreams/contract';
import type { RestCall } from './route-step';
import type { Outbound } from './outbound';
import type { Answered } from './forward';
import { abortReason } from './failures';
import { clientResponseHeaders, type HeaderMap } from './headers';
import { StreamCopy } from './body';
import type { CallCancel } from '../http/call-cancel';

export interface RelayOptions {
  meter: RecordMeter;
  call: RestCall;
  answered: Answered;
  out: Outbound;
  capture: BodyCapture | undefined;
  captureMaxBytes: number;
  signal: CallCancel;
  /** The gateway's headers for the client: limits, CORS, deprecation, request id. */
  headers: Record<string, string>;
  /** Runs once when the call is over, before its record is finished. */
  done: () => void;
}

type Ending = 'complete' | 'client' | 'timeout' | 'upstream';

const nodeOutcome = (ending: Ending, status: number): NodeOutcome =>
  ending === 'complete' ? { kind: 'response', status } : ending === 'client' ? { kind: 'aborted' } : ending === 'timeout' ? { kind: 'timeout' } : { kind: 'connect-failure' };

const bodiless = (method: string, status: number) => method === 'HEAD' || status === 204 || status === 304;

/**
 * Streams the upstream's answer to the client chunk by chunk, with backpressure both ways (a slow client
 * pauses the upstream body, nothing piles up in the gateway), and finishes the call record when the last byte
 * is out, the client leaves (recorded 499, the upstream call cancelled), or the upstream fails mid-answer
 * (the client's connection is cut so a truncated body never looks complete).
 */
export function relayResponse(c: Context<GatewayEnv>, o: RelayOptions): Response {
  const draft = c.get('call');
  const { response, lease } = o.answered;
  const { statusCode: status, body } = response;
  draft.record.ttftMs = draft.elapsedMs();
  draft.upstreamAnswered = true;
  const contentType = String(response.headers['content-type'] ?? '');
  draft.record.stream = contentType.startsWith('text/event-stream');
  const headers = clientResponseHeaders(response.headers, o.call.match.api.api.responseHeaders, o.headers);
  const copy = o.capture ? new StreamCopy(o.captureMaxBytes) : null;
  let bytesOut = 0;
  let ended = false;
  const end = (ending: Ending, err?: unknown) => {
    if (ended) return;
    ended = true;
    o.done();
    lease.done(nodeOutcome(ending, status));
    if (o.capture && copy) {
      if (draft.record.stream) o.capture.chunk(copy.text());
      else o.capture.response(copy.text());
    }
    const record = draft.record;
    record.status = ending === 'client' ? 499 : status;
    record.bytesIn = o.out.body?.bytes ?? 0;
    record.bytesOut = bytesOut;
    const detail = err instanceof Error ? ` (${err.message})` : '';
    if (ending === 'client') draft.fail('client_closed', 'The client closed the connection before the answer was complete.');
    else if (ending === 'timeout') draft.fail('upstream_timeout', `The total timeout passed while the answer was streaming.${detail}`);
    else if (ending === 'upstream') draft.fail('upstream_body_failed', `The upstream connection failed while sending the answer.${detail}`);
    else if (status >= 400) record.failed = true;
    record.latencyMs = draft.elapsedMs();
    draft.finish(o.meter);
  };
  const failedAs = (): Ending => abortReason(o.signal) ?? 'upstream';
  const onChunk = (chunk: Buffer) => {
    bytesOut += chunk.byteLength;
    copy?.add(chunk);
  };

  const outgoing = c.env?.outgoing as ServerResponse | undefined;
  draft.deferred = true;
  if (!outgoing) return webResponse(o, status, headers, onChunk, end, failedAs);
  if (outgoing.destroyed) {
    body.destroy();
    end('client');
    return RESPONSE_ALREADY_SENT;
  }
  try {
    outgoing.writeHead(status, headers);
  } catch (err) {
    // A header value Node refuses (a publisher's rule with a control character): nothing was sent yet.
    body.destroy();
    end('upstream', err);
    outgoing.destroy();
    return RESPONSE_ALREADY_SENT;
  }
  // A length-delimited answer goes out with its first chunk; an open-ended one (SSE, chunked) shows its
  // headers at once so the client knows the call was accepted before the first event.
  if (response.headers['content-length'] === undefined) outgoing.flushHeaders();
  body.on('data', (chunk: Buffer) => {
    onChunk(chunk);
    if (!outgoing.write(chunk)) body.pause();
  });
  outgoing.on('drain', () => body.resume());
  body.once('end', () => outgoing.end());
  outgoing.once('finish', () => end('complete'));
  body.once('error', (err) => {
    const ending = failedAs();
    outgoing.destroy();
    end(ending, err);
  });
  outgoing.once('close', () => {
    if (outgoing.writableFinished) return;
    body.destroy();
    end('client');
  });
  return RESPONSE_ALREADY_SENT;
}

/** Under `app.request()` (no Node response to write to): the same relay as a web stream. */
function webResponse(o: RelayOptions, status: number, headers: HeaderMap, onChunk: (chunk: Buffer) => void, end: (e: Ending, err?: unknown) => void, failedAs: () => Ending): Response {
  const { body } = o.answered.response;
  const web = new Headers();
  for (const [name, value] of Object.entries(headers)) for (const v of Array.isArray(value) ? value : [value]) web.append(name, v);
  if (bodiless(o.out.method, status)) {
    void body.dump().then(() => end('complete'), (err: unknown) => end(failedAs(), err));
    return new Response(null, { status, headers: web });
  }
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await chunks.next();
        if (done) {
          controller.close();
          end('complete');
          return;
        }
        onChunk(value);
        controller.enqueue(value);
      } catch (err) {
        end(failedAs(), err);
        controller.error(err);
      }
    },
    cancel() {
      body.destroy();
      end('client');
    },
  });
  return new Response(stream, { status, headers: web });
}
