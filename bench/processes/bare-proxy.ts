import http from 'node:http';
import { reportLoopDelay } from './loop-delay';

/**
 * The baseline: the least a proxy can do with node:http — pipe the request to the upstream over keep-alive
 * and pipe the answer back, with no auth, limits, parsing or metering. The gateway is measured against it.
 */
const upstream = new URL(process.argv[2] ?? 'http://127.0.0.1:1');
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

const server = http.createServer((req, res) => {
  const out = http.request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host, authorization: 'Bearer sk-bench' }, agent },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on('error', () => {
    res.writeHead(502).end();
  });
  req.pipe(out);
});
server.keepAliveTimeout = 30_000;
reportLoopDelay();
server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as { port: number }).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
