import type { Context } from 'hono';
import { JsonDepthGauge, maxJsonDepth } from '@tollgate/domain';
import type { GatewayEnv } from '../env';
import { GatewayError } from '../errors';
import { CallCancel } from './call-cancel';

/**
 * Request access that skips the WHATWG Request when the gateway runs on Node: `c.req.text()` makes
 * @hono/node-server build a full Request (web-stream body, validated Headers, AbortController), which cost
 * more than the rest of the pipeline together in `npm run bench`. Under `app.request()` (tests) there is no
 * IncomingMessage and the standard path is used.
 */
export function requestHeader(c: Context<GatewayEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The transport peer's address: the socket's for a request this process's HTTP server received (an IPv4 peer
 * on a dual-stack socket loses its `::ffff:` prefix), else the one the transport put in the bindings (a gRPC
 * check); undefined under `app.request()` (tests), where each caller picks its own stand-in. The one place
 * the peer is read, so every step trusts (or not) the same address.
 */
export function peerAddressOf(c: Context<GatewayEnv>): string | undefined {
  const env = c.env;
  const socketPeer = env?.incoming?.socket.remoteAddress;
  if (socketPeer) return socketPeer.replace(/^::ffff:/, '');
  return env?.peerAddress;
}

const tooLarge = (max: number) =>
  new GatewayError(413, 'invalid_request_error', 'request_too_large', `The request body exceeds ${max} bytes.`);

const tooDeep = (max: number) =>
  new GatewayError(400, 'invalid_request_error', 'json_too_deep', `The request body is nested deeper than ${max} levels.`);

/**
 * The JSON body as text, refused with 413 as soon as it passes `maxBytes` (declared or streamed), and with 400
 * as soon as it nests deeper than `maxDepth`: the depth is counted on the bytes as they arrive, so a hostile
 * body is refused after its first few KB and never reaches JSON.parse (which would hold the event loop).
 */
export async function readBodyText(c: Context<GatewayEnv>, maxBytes: number, maxDepth = maxJsonDepth): Promise<string> {
  const declared = Number(requestHeader(c, 'content-length') ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const depth = new JsonDepthGauge(maxDepth);
  const incoming = c.env?.incoming;
  if (!incoming) {
    const text = await c.req.text();
    if (Buffer.byteLength(text) > maxBytes) throw tooLarge(maxBytes);
    if (!depth.push(Buffer.from(text, 'utf8'))) throw tooDeep(maxDepth);
    return text;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of incoming as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      if (!depth.push(chunk)) throw tooDeep(maxDepth);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    // The client went away mid-body: its fault, not a server error (and nobody is left to read the answer).
    throw new GatewayError(400, 'invalid_request_error', 'incomplete_body', 'The request body ended before it was complete.', null, {}, err);
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
}

/**
 * The call's cancellation: aborted when the client goes away before its answer was sent in full, so the
 * upstream call is cancelled and the call is recorded rather than forgotten; the upstream call's total deadline
 * aborts the same one (a second controller, linked by an abort listener, cost 5 µs a call in
 * `npm run bench:hot-path`). @hono/node-server does not cancel a response stream
 * whose socket closed before the first write, so the signal comes from the response itself.
 */
export function cancelOnClientGone(c: Context<GatewayEnv>): CallCancel | undefined {
  const outgoing = c.env?.outgoing;
  if (!outgoing) return undefined;
  const cancel = new CallCancel();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) cancel.abort();
  });
  return cancel;
}
