import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';

/** What every mock provider server shares: its socket, request bodies, JSON answers, early-close tracking. */

export interface RecordedRequest {
  method: string;
  /** The URL path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** The query string including `?`, or ''. */
  query: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received, to check a proxy forwarded it unchanged. */
  rawBody: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  body: unknown;
  /** Set when the client closed the connection before the answer was complete (a proxy cancelling upstream). */
  closedEarly?: boolean;
}

/**
 * Reads a request to a mock, waits the configured first-byte delay, and records it (body parsed when it is JSON)
 * with early-close tracking. `parsed` is false for an empty or non-JSON body.
 */
export async function recordRequest(req: IncomingMessage, res: ServerResponse, requests: RecordedRequest[], firstByteDelayMs: number) {
  const rawBody = await readBody(req);
  if (firstByteDelayMs > 0) await sleep(firstByteDelayMs);
  const url = new URL(req.url ?? '/', 'http://mock.invalid');
  let body: unknown;
  let parsed = rawBody.length > 0;
  if (parsed) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      parsed = false;
    }
  }
  const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.search, headers: req.headers, rawBody, body };
  requests.push(rec);
  trackClosedEarly(req, res, rec);
  return { rec, url, parsed };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** A JSON answer; `headers` may override the content type (Gemini adds a charset). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, indent?: number): void {
  const text = JSON.stringify(body, null, indent);
  res.writeHead(status, { 'content-type': 'application/json', ...headers, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** Marks `record.closedEarly` when the client hangs up before the answer is complete (a proxy cancelling). */
export function trackClosedEarly(req: IncomingMessage, res: ServerResponse, record: { closedEarly?: boolean }): void {
  // The client may already be gone (for example during a first-byte delay).
  if (req.socket.destroyed) record.closedEarly = true;
  res.once('close', () => {
    if (!res.writableFinished) record.closedEarly = true;
  });
}

export interface MockListener {
  port: number;
  /** `http://host:port`, IPv6 hosts bracketed. */
  origin: string;
  close(): Promise<void>;
}

export async function listenMock(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, options: { port?: number; host: string }): Promise<MockListener> {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    port,
    origin: `http://${urlHost}:${port}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets (the SDKs pool them) would otherwise hold close() open until they time out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
