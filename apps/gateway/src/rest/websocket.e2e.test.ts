import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startTestGateway } from '../testing/gateway-harness';
import { restIds, restKeys, restSnapshot } from '../testing/rest-snapshot';

/** WebSocket APIs through the gateway's upgrade hook, with the `ws` package as a real client and server. */
let upstream: Server;
let upstreamUrl: string;
const handshakes: IncomingMessage[] = [];
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  upstream = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ server: upstream });
  wss.on('connection', (socket, req) => {
    handshakes.push(req);
    socket.on('message', (data, binary) => socket.send(binary ? data : `echo: ${data.toString()}`));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  closers.push(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function gateway() {
  const gw = await startTestGateway(
    restSnapshot({
      upstreams: [{ name: 'default', nodes: [{ url: upstreamUrl, weight: 1 }] }],
      apis: [
        { path: '/live', websocket: true, name: 'live' },
        { path: '/plain', name: 'plain' },
      ],
    }),
  );
  closers.push(gw.close);
  return gw;
}

const open = (url: string, headers: Record<string, string>) =>
  new Promise<{ ws: WebSocket } | { status: number; body: string; headers: IncomingMessage['headers'] }>((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), headers: res.headers }));
    });
    ws.once('error', reject);
  });

describe('WebSocket APIs', () => {
  it('proxy an upgrade after the same checks, echo both ways, and meter the session as one call', async () => {
    const gw = await gateway();
    handshakes.length = 0;
    const opened = await open(`${gw.url.replace('http', 'ws')}/pets/live`, { authorization: `Bearer ${restKeys.approved}`, 'x-tollgate-app': 'forged' });
    if (!('ws' in opened)) throw new Error(`refused: ${opened.status} ${opened.body}`);
    const { ws } = opened;
    const replies: string[] = [];
    ws.on('message', (data) => replies.push(data.toString()));
    ws.send('hello');
    ws.send('again');
    while (replies.length < 2) await new Promise((r) => setTimeout(r, 10));
    expect(replies).toEqual(['echo: hello', 'echo: again']);
    expect(handshakes[0]!.headers).toMatchObject({ 'x-tollgate-app': restIds.app, 'x-tollgate-subscription': restIds.subscription });
    expect(handshakes[0]!.headers.authorization).toBeUndefined();
    ws.close();
    await new Promise((r) => ws.once('close', r));
    await new Promise((r) => setTimeout(r, 50));
    const records = await gw.flushed();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 101, api: 'rest:api_test00000000', route: '/live', appId: restIds.app, upstream: 'default', upstreamNode: upstreamUrl });
    expect(records[0]!.bytesIn).toBeGreaterThan(10);
    expect(records[0]!.bytesOut).toBeGreaterThan(10);
  });

  it('refuse an upgrade without a key with the HTTP status and REST error body, before any switch', async () => {
    const gw = await gateway();
    handshakes.length = 0;
    const refused = await open(`${gw.url.replace('http', 'ws')}/pets/live`, {});
    expect(refused).toMatchObject({ status: 401 });
    if ('ws' in refused) throw new Error('upgraded');
    expect(JSON.parse(refused.body)).toEqual({ error: { code: 'invalid_api_key', message: expect.any(String), requestId: expect.any(String) } });
    const otherTeam = await open(`${gw.url.replace('http', 'ws')}/pets/live`, { authorization: `Bearer ${restKeys.otherTeam}` });
    expect(otherTeam).toMatchObject({ status: 403 });
    const notWs = await open(`${gw.url.replace('http', 'ws')}/pets/plain`, { authorization: `Bearer ${restKeys.approved}` });
    expect(notWs).toMatchObject({ status: 400 });
    expect(handshakes).toHaveLength(0);
  });
});
