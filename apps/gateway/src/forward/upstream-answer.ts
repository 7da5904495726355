import type { Readable } from 'node:stream';
import { UpstreamFormatError, type ChatStreamTranslator } from '@tollgate/providers';
import { GatewayError } from '../errors';
import type { Cancelled } from '../http/call-cancel';
import { clientClosed } from './upstream-call';

/**
 * Upstreams that lie or stall (ADR 0025): a 2xx whose body is not an answer is the target failing, told apart
 * here so the fallback loop can try the next target while nothing has reached the client, and so the caller,
 * when none is left, hears what the provider did. The messages name nothing of the provider.
 */

/** A 2xx that is not an answer: empty, HTML, not JSON, not the provider's format, no stream. */
export const invalidAnswer = (what: string, cause?: unknown) =>
  new GatewayError(502, 'server_error', 'invalid_upstream_response', `The provider ${what}; the call was not charged. Retry later.`, null, {}, cause);

/** The provider closed the connection before the body it announced was complete. */
export const cutAnswer = (cause?: unknown) =>
  new GatewayError(502, 'server_error', 'upstream_body_failed', 'The provider closed the connection mid-body; the call was not charged. Retry later.', null, {}, cause);

/** Headers, then nothing for the idle timeout. */
export const idleTimeout = (cause?: unknown) =>
  new GatewayError(504, 'server_error', 'upstream_idle_timeout', 'The provider stopped sending before its answer was complete; the call was not charged. Retry later.', null, {}, cause);

export const isIdleTimeout = (err: unknown) => (err as { code?: string } | null)?.code === 'UND_ERR_BODY_TIMEOUT';

/** What a failed body read was: the client leaving, the provider going silent, or the provider hanging up. */
export function readFailure(err: unknown, signal: Cancelled | undefined): GatewayError {
  if (signal?.aborted) return clientClosed();
  return isIdleTimeout(err) ? idleTimeout(err) : cutAnswer(err);
}

const firstByte = (bytes: Buffer): number => {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  return -1;
};

/**
 * Translates a 2xx body with its adapter, refusing what cannot be an answer: empty and HTML bodies (a proxy's
 * error page, a captive portal) are told by their first byte, anything else the adapter's own parse refuses
 * (its UpstreamFormatError) — no second parse.
 */
export function translateAnswer<T>(bytes: Buffer, contentType: string, translate: (bytes: Buffer) => T): T {
  const first = firstByte(bytes);
  if (first === -1) throw invalidAnswer('answered 200 with an empty body');
  if (first === 0x3c /* < */ || /^text\/html/i.test(contentType)) throw invalidAnswer('answered 200 with an HTML body');
  try {
    return translate(bytes);
  } catch (err) {
    if (err instanceof UpstreamFormatError) throw invalidAnswer(`answered 200 with a body it could not have meant (${err.message.replace(/\.$/, '')})`, err);
    throw err;
  }
}

/** A stream whose first event has been translated: the relay sends `head` first, then reads on from `chunks`. */
export interface StartedStream {
  translator: ChatStreamTranslator;
  chunks: AsyncIterator<Buffer>;
  head: string;
}

const STREAM_TYPES = /^text\/event-stream|^application\/vnd\.amazon\.eventstream/;

/**
 * Reads a streamed 2xx until its translator yields the first event for the client, so a stream that is not one
 * (another content type, no event before its end, a failure or silence before it) falls back like any failing
 * target: until that event goes out, nothing has reached the client. The wait is the idle timeout's.
 */
export async function startStream(body: Readable, contentType: string, translator: ChatStreamTranslator, signal: Cancelled | undefined): Promise<StartedStream> {
  if (!STREAM_TYPES.test(contentType)) throw invalidAnswer(`answered a streaming request with ${contentType ? `'${contentType.split(';')[0]}'` : 'no content type'}, not a stream`);
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = '';
  try {
    for (;;) {
      const { value, done } = await chunks.next();
      if (done) throw invalidAnswer('ended the stream before its first event');
      head += translator.push(value);
      // SSE comments (keep-alives) are not an event: they wait with the first one.
      if (/^[^:\s]/m.test(head)) return { translator, chunks, head };
    }
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw readFailure(err, signal);
  }
}
