import type { ServerType } from '@hono/node-server';

/**
 * Stops accepting connections and waits for in-flight requests (streams included) to finish, so their call
 * records are complete; after `timeoutMs` the remaining connections are cut. Idle keep-alive sockets close at once.
 */
export function drainServer(server: ServerType, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}
