import http from 'node:http';
import { reportLoopDelay } from './loop-delay';

/**
 * The check scenario's floor: the least an HTTP ext_authz service can do with node:http — answer every check
 * 200 with one identity header, deciding nothing. The same paced client against it shows what this machine and
 * the client alone add to a check's latency, as the bare proxy does for the proxy scenarios.
 */
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'x-tollgate-app': 'app_bench', 'x-request-id': String(req.headers['x-request-id'] ?? '') }).end();
});
server.keepAliveTimeout = 30_000;
reportLoopDelay();
server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as { port: number }).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
