import http, { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import https from 'node:https';
import { Readable, type Duplex } from 'node:stream';
import type { Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { GatewayEnv } from '../env';
import { clientClosed } from '../forward/upstream-call';
import type { RestCall } from './route-step';
import type { RestForwardDeps } from './forward';
import { prepareOutbound, type Caller } from './outbound';
import { nodeTarget } from './node-target';
import { noHealthyUpstream, upstreamFailed, upstreamTimeout } from './failures';
import { pendingUpgradeOf, registerUpgrade, type PendingUpgrade } from './upgrade-registry';

/**
 * A WebSocket upgrade to an API with `websocket: true`, after the same route, identify, authorize and limit
 * steps as any call: the handshake goes to one node (one attempt: a handshake refused mid-way cannot be
 * replayed to another without the client noticing), and once the node switched protocols the two sockets are
 * piped both ways. The call is metered as one record when the tunnel closes: status 101, the session's
 * length as latency, time to the switch as TTFT, and the bytes each way. A node that answers the handshake
 * with a plain HTTP response (a refusal) has that answer passed to the client.
 */
export function proxyWebSocket(c: Context<GatewayEnv>, deps: RestForwardDeps, call: RestCall, caller: Caller, limitHeaders: Record<string, string>): Promise<Response> {
  const pending = pendingUpgradeOf(c)!;
  const draft = c.get('call');
  const { service, rest } = call.route;
  const out = prepareOutbound(c, call, caller);
  const upstream = deps.upstreams.pickUpstream(rest, out.facts);
  draft.record.upstream = upstream.name;
  const lease = deps.upstreams.lease(service.id, upstream, out.facts, new Set());
  if (!lease) return Promise.reject(noHealthyUpstream(service));
  draft.record.upstreamNode = lease.node;
  const { origin, basePath } = nodeTarget(lease.node);
  const url = new URL(origin);
  const incoming = c.env!.incoming as IncomingMessage;
  const headers = {
    ...out.headersFor(upstream),
    connection: 'Upgrade',
    upgrade: String(incoming.headers.upgrade ?? 'websocket'),
  };
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pending.socket.off('close', onClientGone);
      fn();
    };
    const request = (url.protocol === 'https:' ? https : http).request({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (url.protocol === 'https:' ? 443 : 80),
      path: basePath + out.path,
      method: 'GET',
      headers,
      agent: false,
      // The client certificate and extra CAs the Agent's connections use (an ingress with tls.mode: MUTUAL).
      ...(url.protocol === 'https:' && deps.upstreamSecureContext ? { secureContext: deps.upstreamSecureContext } : {}),
    });
    const waitMs = upstream.timeouts.connectMs + upstream.timeouts.firstByteMs;
    const timer = setTimeout(() => {
      settle(() => {
        lease.done({ kind: 'timeout' });
        request.destroy();
        reject(upstreamTimeout(service, waitMs));
      });
    }, waitMs);
    const onClientGone = () =>
      settle(() => {
        lease.done({ kind: 'aborted' });
        request.destroy();
        reject(clientClosed());
      });
    pending.socket.once('close', onClientGone);
    request.once('error', (err) =>
      settle(() => {
        lease.done({ kind: 'connect-failure' });
        reject(upstreamFailed(service, err));
      }),
    );
    request.once('response', (res) =>
      settle(() => {
        lease.done({ kind: 'response', status: res.statusCode ?? 502 });
        const answer = new Headers({ ...limitHeaders, ...call.answerHeaders, 'x-request-id': c.get('requestId') });
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!.toLowerCase();
          if (name !== 'connection' && name !== 'transfer-encoding' && name !== 'keep-alive' && name !== 'upgrade') answer.append(name, res.rawHeaders[i + 1]!);
        }
        resolve(new Response(Readable.toWeb(res) as ReadableStream, { status: res.statusCode ?? 502, headers: answer }));
      }),
    );
    request.once('upgrade', (res, upSocket, upHead) =>
      settle(() => {
        draft.record.ttftMs = draft.elapsedMs();
        draft.upstreamAnswered = true;
        draft.deferred = true;
        pending.taken = true;
        const lines = [`HTTP/1.1 101 ${STATUS_CODES[101]}`, `x-request-id: ${c.get('requestId')}`];
        for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        tunnel(pending, upSocket, upHead, lines.join('\r\n') + '\r\n\r\n', (bytesIn, bytesOut) => {
          lease.done({ kind: 'response', status: 101 });
          draft.record.status = 101;
          draft.record.bytesIn = bytesIn;
          draft.record.bytesOut = bytesOut;
          draft.record.latencyMs = draft.elapsedMs();
          draft.finish(deps.meter);
        });
        resolve(RESPONSE_ALREADY_SENT);
      }),
    );
    request.end();
  });
}

function tunnel(client: PendingUpgrade, upstream: Duplex, upstreamHead: Buffer, handshake: string, closed: (bytesIn: number, bytesOut: number) => void): void {
  const socket = client.socket;
  let bytesIn = client.head.length;
  let bytesOut = upstreamHead.length;
  socket.write(handshake);
  if (upstreamHead.length > 0) socket.write(upstreamHead);
  if (client.head.length > 0) upstream.write(client.head);
  socket.on('data', (chunk: Buffer) => (bytesIn += chunk.length));
  upstream.on('data', (chunk: Buffer) => (bytesOut += chunk.length));
  socket.pipe(upstream);
  upstream.pipe(socket);
  client.tunnels.add(socket);
  let done = false;
  const close = () => {
    if (done) return;
    done = true;
    client.tunnels.delete(socket);
    socket.destroy();
    upstream.destroy();
    closed(bytesIn, bytesOut);
  };
  for (const s of [socket, upstream]) {
    s.once('close', close);
    s.once('error', close);
    s.once('end', close);
  }
}

/** Writes a (small) web Response to a raw socket: the answer to an upgrade that was refused before any switch. */
async function writeRawResponse(socket: Duplex, res: Response): Promise<void> {
  const body = Buffer.from(await res.arrayBuffer());
  let head = `HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ''}\r\n`;
  res.headers.forEach((value, name) => {
    if (name !== 'content-length' && name !== 'connection' && name !== 'transfer-encoding') head += `${name}: ${value}\r\n`;
  });
  head += `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

type Fetch = (request: Request, env: { incoming: IncomingMessage }) => Response | Promise<Response>;

/**
 * The Node server's `upgrade` hook: each upgrade request runs through the gateway's app like any request (the
 * REST surface takes WebSocket upgrades to its APIs; anything else gets its ordinary HTTP answer, written on
 * the raw socket, and the connection is closed).
 */
export function attachRestUpgrades(server: Server, fetch: Fetch): void {
  const tunnels = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const upgrade: PendingUpgrade = { socket, head, taken: false, tunnels };
    registerUpgrade(req, upgrade);
    let request: Request;
    try {
      const headers = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
      request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, { method: req.method, headers });
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    Promise.resolve(fetch(request, { incoming: req }))
      .then((res) => (upgrade.taken || res.headers.get('x-hono-already-sent') ? undefined : writeRawResponse(socket, res)))
      .catch(() => socket.destroy());
  });
  // Tunnels are not HTTP connections the server can drain: a stopping server ends them, or close() would
  // wait for every open session.
  const close = server.close.bind(server);
  server.close = ((callback?: (err?: Error) => void) => {
    for (const socket of tunnels) socket.destroy();
    return close(callback);
  }) as Server['close'];
}
