import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What every mock provider server shares: its socket, request bodies, JSON answers, early-close tracking. */

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
