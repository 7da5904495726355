import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What a test upstream saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body's first 64 KiB as text (bigger bodies are only counted). */
  body: string;
  bodyBytes: number;
  /** Set when the request's connection closed before the answer was finished. */
  closedEarly: boolean;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void | Promise<void>;

/** The default: reads the body, answers JSON naming what it saw (so a test can read it back from the client). */
export const echo = (name: string): UpstreamHandler => async (req, res, seen) => {
  await readBody(req, seen);
  res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': name });
  res.end(JSON.stringify({ node: name, method: seen.method, url: seen.url, headers: seen.headers, bodyBytes: seen.bodyBytes, body: seen.body }));
};

export async function readBody(req: IncomingMessage, seen: SeenRequest): Promise<void> {
  const parts: Buffer[] = [];
  let kept = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    seen.bodyBytes += chunk.length;
    if (kept < 65_536) {
      parts.push(chunk.subarray(0, 65_536 - kept));
      kept += Math.min(chunk.length, 65_536 - kept);
    }
  }
  seen.body = Buffer.concat(parts).toString('utf8');
}

/** A real HTTP server on a loopback port that records every request it gets. */
export async function startRestUpstream(name: string, handler: UpstreamHandler = echo(name)) {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '', bodyBytes: 0, closedEarly: false };
    requests.push(seen);
    res.once('close', () => {
      if (!res.writableFinished) seen.closedEarly = true;
    });
    Promise.resolve(handler(req, res, seen)).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type RestUpstreamServer = Awaited<ReturnType<typeof startRestUpstream>>;

/** A node that accepts connections and resets each one at once: a connection failure on every call. */
export async function startResettingNode() {
  const { createServer: createTcpServer } = await import('node:net');
  let accepted = 0;
  const server = createTcpServer((socket) => {
    accepted++;
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
