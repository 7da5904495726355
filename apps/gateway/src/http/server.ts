import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { serve, type HttpBindings } from '@hono/node-server';

/**
 * The Node HTTP server of the gateway and of the portal: slow-client timeouts (issue 16, item 8) and a drain
 * that sheds every client on SIGTERM (item 3). One factory, so every process (gateway, portal, all-in-one,
 * test harness) serves alike.
 */

/**
 * What the app sees in `c.env`: `draining` is set while the server drains, so it refuses the call in its own
 * error shape. A request that did not come over this server (an ext_authz gRPC check, described as a Request)
 * has no IncomingMessage: its transport says who sent it instead (read through `peerAddressOf`).
 */
export type ServerBindings = Partial<HttpBindings> & {
  draining?: true;
  /** The transport peer when there is no IncomingMessage (the gRPC check's `call.getPeer()`, parsed). */
  peerAddress?: string;
  /**
   * The client's address as a trusted peer reports it out of band (Envoy's downstream address in a gRPC check's
   * `attributes.source`): believed only when the peer is a trusted proxy, and then instead of `x-forwarded-for`.
   */
  clientAddress?: string;
};

type Fetch = (request: Request, env: ServerBindings) => Response | Promise<Response>;

export interface HttpServerOptions {
  fetch: Fetch;
  hostname: string;
  port: number;
  /**
   * Longest a client may take to send its headers and its whole body: past it Node answers 408 and closes
   * the connection. Node's own defaults (60 s for headers, 300 s for the request, checked every 30 s) let a
   * stalled client hold a connection for up to 318 s. The response is not bounded by it: streams go on.
   */
  requestTimeoutMs: number;
}

export interface HttpServer {
  server: Server;
  /** The port it listens on, once listening (the one asked for, or the one the OS chose for port 0). */
  listening: Promise<number>;
  /**
   * Stops accepting, sheds every client and waits for the calls in flight (streams included) to finish, so
   * their records are complete; after `timeoutMs` the remaining connections are cut.
   */
  drain(timeoutMs?: number): Promise<void>;
}

/**
 * How often Node looks for requests past their timeout: the 408 comes at most this late. Node's 30 s would
 * double a 30 s limit; the check walks the open connections, cheap at this rate.
 */
const checkEveryMs = (requestTimeoutMs: number) => Math.max(25, Math.min(1_000, Math.floor(requestTimeoutMs / 10)));

export function startHttpServer(o: HttpServerOptions): HttpServer {
  let draining = false;
  // Responses begun and not yet finished or abandoned: at the drain, each must close its connection.
  const inFlight = new Set<ServerResponse>();
  let server!: Server;
  const track = (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    if (draining) res.setHeader('connection', 'close');
  };
  const serverOptions: ServerOptions = {
    requestTimeout: o.requestTimeoutMs,
    headersTimeout: o.requestTimeoutMs,
    connectionsCheckingInterval: checkEveryMs(o.requestTimeoutMs),
  };
  serve({
    // A request arriving during the drain (on a connection kept alive from before) is the app's to refuse, in
    // its own error shape; it is marked in the bindings.
    fetch: (request, env) => o.fetch(request, (draining ? { ...env, draining: true } : env) as ServerBindings),
    hostname: o.hostname,
    port: o.port,
    serverOptions,
    // Tracking listens before the app's listener, so a response gets `Connection: close` before it is written.
    createServer: ((options: ServerOptions, listener: (req: IncomingMessage, res: ServerResponse) => void) => {
      server = createServer(options);
      server.on('request', track);
      server.on('request', listener);
      return server;
    }) as typeof createServer,
  });
  const listening = new Promise<number>((resolve, reject) => {
    // Only a failure to listen rejects: once listening, the listener goes, so later errors are not swallowed here.
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });

  function drain(timeoutMs = 10_000): Promise<void> {
    draining = true;
    return new Promise((resolve) => {
      for (const res of inFlight) {
        // Not yet answered: the answer says close. Already streaming (its headers went out saying keep-alive):
        // the connection is closed as soon as the answer ends, before the client can send another call on it.
        if (!res.headersSent) res.setHeader('connection', 'close');
        else res.once('finish', () => server.closeIdleConnections());
      }
      // Connections that went idle between a request and the signal, and any a finished answer left idle.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
      sweep.unref();
      cut.unref();
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  return { server, listening, drain };
}
