import { createServer } from 'node:https';
import { WebSocketServer } from 'ws';
import type { TLSSocket } from 'node:tls';
import { tlsFixture } from './fixtures';

/**
 * A real HTTPS server on a loopback port that, like an Istio ingress with `tls.mode: MUTUAL`, demands a client
 * certificate signed by the test CA and refuses the handshake without one. It answers JSON naming the client
 * certificate's subject (and echoes WebSocket messages), and keeps the handshake errors it saw.
 */
export async function startMtlsUpstream() {
  const requests: Array<{ path: string; subject: Record<string, string | string[] | undefined>; sni: string | null }> = [];
  const handshakeErrors: string[] = [];
  const server = createServer(
    { key: tlsFixture('server.key'), cert: tlsFixture('server.pem'), ca: tlsFixture('ca.pem'), requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const subject = { ...socket.getPeerCertificate().subject };
      // An Istio ingress picks its TLS server (and certificate) by SNI: record what the client sent (false: none).
      requests.push({ path: req.url ?? '', subject, sni: (socket as TLSSocket & { servername: string | false }).servername || null });
      req.resume();
      req.once('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ path: req.url, subject }));
      });
    },
  );
  server.on('tlsClientError', (err) => handshakeErrors.push(err.message));
  // WebSocket upgrades on the same TLS listener, so a client certificate is needed for those too: an echo.
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    requests.push({ path: req.url ?? '', subject: { ...(req.socket as TLSSocket).getPeerCertificate().subject }, sni: null });
    socket.on('message', (data) => socket.send(`echo: ${data.toString()}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    /** Each request's path, client certificate subject and SNI, in order. */
    requests,
    handshakeErrors,
    async close() {
      // Kept-alive connections of the gateways under test would hold close() open.
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type MtlsUpstream = Awaited<ReturnType<typeof startMtlsUpstream>>;
