import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { startRedisServer } from '@tollgate/jobs/testing';

/**
 * `npm run bench`: the gateway with its full chain against a bare node:http proxy, both in front of the same
 * mock OpenAI upstream, each in its own process: the AI path (POST /v1/chat/completions) and the REST path (a
 * GET and a POST with a 1 KB body through a REST service). Prints requests/s and p50/p99 latency and the ratios.
 * Options (env): BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50), BENCH_PROFILE=<dir> writes a
 * V8 CPU profile of the gateway process there (open it in Chrome DevTools), BENCH_TSX=1 runs the gateway
 * process's TypeScript through tsx instead of the production build (scripts/build.mjs), to compare the two.
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const children: ChildProcess[] = [];
// A private redis-server for the gateway with the shared (Redis) limiter.
const redis = await startRedisServer();

// The gateway process runs as production does: bundled to plain JavaScript. The mock and the bare proxy keep tsx.
const builtGateway = (() => {
  if (process.env.BENCH_TSX === '1') return null;
  // One level below the repository root, like dist/: the build finds the migrations and the web app from there.
  const out = new URL('../.bench-build', import.meta.url).pathname;
  const build = new URL('../scripts/build.mjs', import.meta.url).pathname;
  execFileSync(process.execPath, [build, out, `gateway=${new URL('./processes/gateway.ts', import.meta.url).pathname}`], { stdio: 'ignore' });
  return path.join(out, 'gateway.mjs');
})();

async function startProcess(script: string, args: string[] = [], nodeFlags: string[] = []): Promise<string[]> {
  const entry = script === './processes/gateway.ts' && builtGateway ? [builtGateway] : ['--import', 'tsx', new URL(script, import.meta.url).pathname];
  const child = spawn(process.execPath, [...nodeFlags, ...entry, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) if (line.startsWith('READY ')) return line.split(' ').slice(1);
  throw new Error(`${script} exited before it was ready`);
}

interface Figures {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say something short about toll gates.' }] });
// The REST target's POST: a chat request padded to 1 KB (the mock reads it as any client's JSON).
const kilobyteBody = (() => {
  const base = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: '' }] };
  const pad = 1_024 - Buffer.byteLength(JSON.stringify(base));
  base.messages[0]!.content = 'x'.repeat(pad);
  return JSON.stringify(base);
})();

async function load(name: string, url: string, headers: Record<string, string>, request: { method?: 'GET' | 'POST'; path?: string; body?: string } = {}): Promise<Figures> {
  const method = request.method ?? 'POST';
  const body = method === 'GET' ? undefined : (request.body ?? chatBody);
  const options = {
    url: `${url}${request.path ?? '/v1/chat/completions'}`,
    method,
    headers: body ? { 'content-type': 'application/json', ...headers } : headers,
    body,
    connections,
  };
  await autocannon({ ...options, duration: 2 }); // warm-up: JIT, keep-alive pools
  const result = await autocannon({ ...options, duration: seconds });
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

try {
  const [upstreamPort] = await startProcess('./processes/mock-upstream.ts');
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const [proxyPort] = await startProcess('./processes/bare-proxy.ts', [upstreamUrl]);
  const [gatewayPort, key] = await startProcess(
    './processes/gateway.ts',
    [`${upstreamUrl}/v1`],
    process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
  );

  const [redisGatewayPort, redisKey] = await startProcess('./processes/gateway.ts', [`${upstreamUrl}/v1`, redis.url]);

  const bareUrl = `http://127.0.0.1:${proxyPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const results = [
    await load('mock upstream (direct)', upstreamUrl, { authorization: 'Bearer sk-bench' }),
    await load('bare node:http proxy', bareUrl, {}),
    await load('tollgate gateway (full chain)', gatewayUrl, { authorization: `Bearer ${key}` }),
    await load('gateway, Redis limiter', `http://127.0.0.1:${redisGatewayPort}`, { authorization: `Bearer ${redisKey}` }),
  ];
  // The REST path: the same full chain (key, subscription, limits, metering) proxying to the same mock, against
  // the bare proxy doing the same GET and the same 1 KB POST.
  const get = { method: 'GET' as const, path: '/v1/models' };
  const post = { method: 'POST' as const, path: '/v1/chat/completions', body: kilobyteBody };
  const rest = [
    await load('bare proxy GET', bareUrl, {}, get),
    await load('REST gateway GET', gatewayUrl, { authorization: `Bearer ${key}` }, { ...get, path: '/bench-rest/models' }),
    await load('bare proxy POST 1 KB', bareUrl, {}, post),
    await load('REST gateway POST 1 KB', gatewayUrl, { authorization: `Bearer ${key}` }, { ...post, path: '/bench-rest/chat' }),
  ];
  console.log(`\nPOST /v1/chat/completions, ${connections} connections, ${seconds} s each, one run on ${(await import('node:os')).cpus().length} cores\n`);
  console.log('target                          req/s    p50 ms  p99 ms  errors  non-2xx');
  for (const r of results) {
    console.log(`${r.name.padEnd(30)} ${r.rps.toFixed(0).padStart(7)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(7)} ${String(r.errors).padStart(7)} ${String(r.non2xx).padStart(8)}`);
  }
  const [, bare, gateway, withRedis] = results as [Figures, Figures, Figures, Figures];
  const ratio = (a: Figures, b: Figures) => `throughput ${(a.rps / b.rps).toFixed(2)}×, p50 ${(a.p50 / b.p50).toFixed(2)}×, p99 ${(a.p99 / b.p99).toFixed(2)}×`;
  console.log(`\ngateway / bare proxy: ${ratio(gateway, bare)}`);
  console.log(`Redis limiter / in-memory limiter: ${ratio(withRedis, gateway)}`);
  console.log(`\nREST: GET /models and POST /chat (1 KB body) through the full chain, to the same mock\n`);
  console.log('target                          req/s    p50 ms  p99 ms  errors  non-2xx');
  for (const r of rest) {
    console.log(`${r.name.padEnd(30)} ${r.rps.toFixed(0).padStart(7)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(7)} ${String(r.errors).padStart(7)} ${String(r.non2xx).padStart(8)}`);
  }
  const [bareGet, restGet, barePost, restPost] = rest as [Figures, Figures, Figures, Figures];
  console.log(`\nREST gateway / bare proxy, GET: ${ratio(restGet, bareGet)}`);
  console.log(`REST gateway / bare proxy, POST 1 KB: ${ratio(restPost, barePost)}`);
  if ([...results, ...rest].some((r) => r.errors > 0 || r.non2xx > 0)) process.exitCode = 1;
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
  await redis.close();
}
