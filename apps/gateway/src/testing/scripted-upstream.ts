import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';

/**
 * A loopback HTTP server whose answer a test writes byte by byte, for the faults a well-behaved mock never
 * produces: a connection reset mid-body, JSON where a stream was asked for, spaced JSON. Base URL ends in /v1.
 */
export async function startScriptedUpstream(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => answer(req, res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
