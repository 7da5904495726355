import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ServerType } from '@hono/node-server';

/**
 * Stops accepting connections and waits for in-flight requests (streams included) to finish, so their call
 * records are complete; after `timeoutMs` the remaining connections are cut.
 *
 * `server.close()` alone is not enough under load: Node keeps serving every request that arrives on a
 * kept-alive connection, so a busy client holds the server open until the timeout cuts its calls mid-answer.
 * So each request that still arrives is answered with `Connection: close` (the client opens its next
 * connection elsewhere), and connections that went idle are closed as soon as they do.
 */
export function drainServer(server: ServerType, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const http = 'closeIdleConnections' in server ? (server as Server) : undefined;
    const lastOnItsConnection = (_req: IncomingMessage, res: ServerResponse) => {
      if (!res.headersSent) res.setHeader('connection', 'close');
    };
    http?.on('request', lastOnItsConnection);
    const sweep = setInterval(() => http?.closeIdleConnections(), 100);
    const cut = setTimeout(() => http?.closeAllConnections(), timeoutMs);
    sweep.unref();
    cut.unref();
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      http?.off('request', lastOnItsConnection);
      resolve();
    });
    http?.closeIdleConnections();
  });
}
