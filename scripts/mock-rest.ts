import { createServer } from 'node:http';

// `npm run mock:rest`: stand-in REST upstream nodes for the README's REST tour, on one port (MOCK_REST_PORT or
// 9101). Each first path segment is a node of its own (`/a`, `/b`, `/canary`: use them as node URLs), so a tour
// can see which node served a call. Answers JSON: the node, the call as it arrived, and the identity headers the
// gateway added. `GET /<node>/health` is a health-check path.
const port = Number(process.env.MOCK_REST_PORT ?? 9101);

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://mock');
  const [, node = '', ...rest] = url.pathname.split('/');
  let bytes = 0;
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        node,
        method: req.method,
        path: `/${rest.join('/')}`,
        query: url.search,
        bodyBytes: bytes,
        app: req.headers['x-tollgate-app'] ?? null,
        sawAuthorization: req.headers.authorization !== undefined,
      }),
    );
  });
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`mock REST nodes listening: http://127.0.0.1:${port}/<node>\n`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));
