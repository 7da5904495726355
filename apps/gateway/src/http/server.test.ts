import { connect, type Socket } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer, type ServerBindings } from './server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let started: HttpServer | undefined;
afterEach(async () => {
  await started?.drain(100);
  started = undefined;
});

/** A server whose answers take `delayMs`; during the drain it refuses like the apps do (503, nothing begun). */
async function serveSlowly(delayMs: number, requestTimeoutMs = 30_000) {
  const counts = { started: 0, answered: 0, refused: 0 };
  started = startHttpServer({
    hostname: '127.0.0.1',
    port: 0,
    requestTimeoutMs,
    fetch: async (req: Request, env: ServerBindings) => {
      if (env.draining) {
        counts.refused++;
        return new Response('stopping', { status: 503 });
      }
      counts.started++;
      const { pathname, searchParams } = new URL(req.url);
      if (pathname === '/stream') {
        // Events 150 ms apart (three unless `?events=`): the headers go out long before the body ends.
        const events = Number(searchParams.get('events') ?? 3);
        const body = new ReadableStream({
          async start(controller) {
            for (let i = 0; i < events; i++) {
              controller.enqueue(new TextEncoder().encode(`data: ${i}\n\n`));
              await sleep(150);
            }
            counts.answered++;
            controller.close();
          },
        });
        return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
      }
      await req.text();
      await sleep(delayMs);
      counts.answered++;
      return new Response('ok');
    },
  });
  const port = await started.listening;
  return { http: started, counts, url: `http://127.0.0.1:${port}` };
}

/** A raw connection, to send exactly the bytes a test means (half a request, two requests on one socket). */
async function rawSocket(url: string): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString('latin1')));
  const t0 = Date.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - t0)));
  socket.on('error', () => {});
  return { socket, received: () => text, closed };
}

describe('startHttpServer: the drain', () => {
  it('drains a server kept busy on kept-alive connections long before its timeout, cutting no call', async () => {
    const { http, counts, url } = await serveSlowly(30);
    const dispatcher = new Agent({ connections: 20 });
    let received = 0;
    let stopped = false;
    const deadline = Date.now() + 5_000;
    // Twenty clients calling back to back until the server refuses them (bounded by a deadline anyway).
    const client = async () => {
      while (!stopped && Date.now() < deadline) {
        try {
          const res = await request(url, { method: 'POST', body: 'x', dispatcher });
          const text = await res.body.text();
          if (text === 'ok') received++;
          else return;
        } catch {
          return;
        }
      }
    };
    const clients = Promise.all(Array.from({ length: 20 }, client));
    await sleep(300);
    const t0 = Date.now();
    await http.drain(4_000);
    const took = Date.now() - t0;
    stopped = true;
    await clients;
    await dispatcher.close();
    // Plain server.close() waits here until the clients give up or the timeout cuts them.
    expect(took).toBeLessThan(1_000);
    expect(received).toBeGreaterThan(20);
    // Every call the server began was answered, and every answer reached its client.
    expect(counts.answered).toBe(counts.started);
    expect(received).toBe(counts.answered);
  });

  it('closes the connection of a stream that began before the signal as soon as it ends, and of every answer after it', async () => {
    const { http, counts, url } = await serveSlowly(200);
    const stream = await rawSocket(url);
    stream.socket.write('GET /stream HTTP/1.1\r\nhost: x\r\n\r\n');
    const slow = await rawSocket(url);
    slow.socket.write('POST /slow HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\n\r\nx');
    await sleep(60);
    // The stream's headers are out, saying keep-alive (Node's default); the slow answer's are not yet.
    expect(stream.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: keep-alive/i);
    expect(slow.received()).toBe('');
    const drained = http.drain(5_000);

    // The unanswered call is told to close...
    await slow.closed;
    expect(slow.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(slow.received()).toMatch(/\r\nconnection: close\r\n/i);
    // ...and the stream's connection closes when its last event is out, so no call can follow on it.
    await stream.closed;
    expect(stream.received()).toContain('data: 2\n\n');
    expect(stream.received()).toMatch(/0\r\n\r\n$/);
    await drained;
    expect(counts).toEqual({ started: 2, answered: 2, refused: 0 });
  });

  it('refuses a call that arrives on a kept-alive connection during the drain, and closes that connection', async () => {
    const { http, counts, url } = await serveSlowly(0);
    const kept = await rawSocket(url);
    kept.socket.write('GET /stream HTTP/1.1\r\nhost: x\r\n\r\n');
    await sleep(50);
    const drained = http.drain(5_000);
    // The client sends its next call on the same connection while the stream still runs: it is not begun.
    kept.socket.write('GET /two HTTP/1.1\r\nhost: x\r\n\r\n');
    await kept.closed;
    await drained;
    const second = kept.received().slice(kept.received().indexOf('0\r\n\r\n') + 5);
    expect(second).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(second).toMatch(/\r\nconnection: close\r\n/i);
    expect(second).toMatch(/stopping$/);
    expect(counts).toEqual({ started: 1, answered: 1, refused: 1 });
  });
});

describe('startHttpServer: slow clients', () => {
  it('answers 408 to a client whose headers stall, within the request timeout plus the check interval', async () => {
    const { url, counts } = await serveSlowly(0, 1_000);
    const c = await rawSocket(url);
    c.socket.write('POST /x HTTP/1.1\r\nhost: x\r\ncontent-le');
    const closedAfter = await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(closedAfter).toBeGreaterThanOrEqual(950);
    expect(closedAfter).toBeLessThan(1_000 + 100 + 400);
    expect(counts.started).toBe(0);
  });

  it('answers 408 to a client whose body stalls half way', async () => {
    const { url } = await serveSlowly(0, 1_000);
    const c = await rawSocket(url);
    c.socket.write('POST /x HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nhalf');
    const closedAfter = await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(closedAfter).toBeLessThan(1_000 + 100 + 400);
  });

  it('does not cut an answer that streams for longer than the request timeout', async () => {
    const { url } = await serveSlowly(0, 1_000);
    const c = await rawSocket(url);
    const t0 = Date.now();
    // Ten events 150 ms apart: 1.5 s of answer, on a server that gives a request 1 s to arrive.
    c.socket.write('GET /stream?events=10 HTTP/1.1\r\nhost: x\r\n\r\n');
    while (!c.received().endsWith('0\r\n\r\n') && Date.now() - t0 < 5_000) await sleep(20);
    expect(Date.now() - t0).toBeGreaterThan(1_300);
    expect(c.received()).toContain('data: 9\n\n');
    expect(c.received()).not.toContain('408');
    c.socket.end();
  });
});
