/**
 * Run by install.test.ts in a child process: health checks run against a real server, then `close()` and the
 * server's close must leave nothing that keeps the process alive. It must exit on its own, without process.exit.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRestUpstreams } from './rest-upstreams';
import { service, upstream } from './upstream-fixtures';

let probes = 0;
const server = createServer((_req, res) => {
  probes++;
  res.end('ok');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const hanging = createServer(() => {});
await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
const hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;

const upstreams = createRestUpstreams();
const healthCheck = { path: '/healthz', intervalMs: 20, timeoutMs: 60_000, healthyThreshold: 1, unhealthyThreshold: 1 };
upstreams.install([service([upstream('default', [url, hangingUrl], { healthCheck })])]);
while (probes < 3) await new Promise((resolve) => setTimeout(resolve, 10));

upstreams.close();
// No closeAllConnections: the probe stuck on `hanging` must be ended by our close(), or this process hangs.
server.close();
hanging.close();
process.stdout.write(`closed after ${probes} probes\n`);
