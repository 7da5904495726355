import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { alternatingRounds, buildBenchGateway, loopReading, mean, percentile, startBenchProcess, type LoadFigures } from './processes/spawn';
import { measureChecks, printChecks } from './ext-authz-check';
import { newTally, paced, type Send } from './processes/paced';
import { freePort, startRedisServer } from '@tollgate/jobs/testing';

/**
 * `npm run bench`: the gateway with its full chain against a bare node:http proxy, both in front of the same
 * mock OpenAI upstream, each in its own process: the AI path (POST /v1/chat/completions) and the REST path (a
 * GET and a POST with a 1 KB body through a REST service). Prints requests/s and p50/p99 latency and the ratios.
 * Also an open-loop run at 1,000 requests/s, evenly spaced (the latency the chain adds) and each server process's event-loop
 * delay. Options (env): BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50), BENCH_ROUNDS (default 2:
 * every target measured once per round, alternating), BENCH_PROFILE=<dir> writes a
 * V8 CPU profile of the gateway process there (open it in Chrome DevTools), BENCH_TSX=1 runs the gateway
 * process's TypeScript through tsx instead of the production build (scripts/build.mjs), to compare the two.
 * Last, Envoy ext_authz checks (ext-authz-check.ts) against a gateway with the check endpoint on, at
 * BENCH_CHECK_RATES (default 200,1000 checks/s) over BENCH_CHECK_CONNECTIONS (default 32); BENCH_ONLY=check
 * (`npm run bench:check`) runs only that.
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const roundCount = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const only = process.env.BENCH_ONLY;
if (only !== undefined && only !== '' && only !== 'check') throw new Error(`BENCH_ONLY=${only}: the only scenario that runs alone is "check"`);
const checkOnly = only === 'check';
// The goal is read at 1,000/s (issue 17's open-loop rate); a lighter rate beside it shows the check's own latency.
const checkRates = (process.env.BENCH_CHECK_RATES ?? process.env.BENCH_CHECK_RATE ?? '200,1000').split(',').map(Number);
if (checkRates.some((r) => !Number.isInteger(r) || r <= 0)) throw new Error(`BENCH_CHECK_RATES=${checkRates.join(',')}: use whole checks per second, comma-separated`);
const checkOptionsAt = (rate: number) => ({ seconds, rounds: roundCount, rate, connections: Number(process.env.BENCH_CHECK_CONNECTIONS ?? 32) });
const children: ChildProcess[] = [];
// A private redis-server for the gateway with the shared (Redis) limiter.
const redis = checkOnly ? null : await startRedisServer();

// The gateway process runs as production does: bundled to plain JavaScript. The mock and the bare proxy keep tsx.
const built = buildBenchGateway('.bench-build');
const startProcess = (script: string, args: string[] = [], nodeFlags: string[] = [], env: Record<string, string> = {}) =>
  startBenchProcess(children, script, { args, nodeFlags, env, built: script === './gateway.ts' ? built : null });

interface Figures extends LoadFigures {
  /** The serving process's event-loop delay p99 during the run (ms), where it reports one. */
  loopP99?: number;
  /** The serving process's CPU time per request (µs, all its threads): what the noisy machine disturbs least. */
  cpuPerRequest?: number;
}

const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say something short about toll gates.' }] });
// The REST target's POST: a chat request padded to 1 KB (the mock reads it as any client's JSON).
const kilobyteBody = (() => {
  const base = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: '' }] };
  const pad = 1_024 - Buffer.byteLength(JSON.stringify(base));
  base.messages[0]!.content = 'x'.repeat(pad);
  return JSON.stringify(base);
})();

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  request?: { method?: 'GET' | 'POST'; path?: string; body?: string };
  /** The process serving it, for its event-loop delay. */
  child?: ChildProcess;
}

/** The request a target is loaded with: its method, path, headers and body. */
function requestOf(t: Target) {
  const method = t.request?.method ?? 'POST';
  const body = method === 'GET' ? undefined : (t.request?.body ?? chatBody);
  return { path: t.request?.path ?? '/v1/chat/completions', method, headers: body ? { 'content-type': 'application/json', ...t.headers } : t.headers, body };
}

/** The serving process's loop delay and CPU per request over a measured run, around `measure`. */
async function withLoopReading(t: Target, measure: () => Promise<Figures>): Promise<Figures> {
  await loopReading(t.child, 'loop:reset');
  const figures = await measure();
  const loop = await loopReading(t.child, 'loop:read');
  const answered = figures.rps * seconds;
  return { ...figures, loopP99: loop?.p99, cpuPerRequest: loop && answered > 0 ? loop.cpuMicros / answered : undefined };
}

/** One closed-loop run (autocannon, `connections` at once) after a 2 s warm-up (JIT, keep-alive pools). */
async function load(t: Target): Promise<Figures> {
  const { path, ...request } = requestOf(t);
  const options = { url: `${t.url}${path}`, ...request, connections };
  await autocannon({ ...options, duration: 2 });
  return withLoopReading(t, async () => {
    const result = await autocannon({ ...options, duration: seconds });
    return { name: t.name, rps: result.requests.total / seconds, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
  });
}

/**
 * One open-loop run at `rate` requests/s, evenly spaced (processes/paced.ts says why not autocannon's rate
 * option), over up to `connections` keep-alive connections, after a 2 s warm-up at the same rate.
 */
async function loadPaced(t: Target, rate: number): Promise<Figures> {
  const { path, method, headers, body } = requestOf(t);
  const pool = new Pool(t.url, { connections, pipelining: 1 });
  const send: Send = async (at, tally) => {
    try {
      const res = await pool.request({ path, method, headers, body });
      await res.body.dump();
      if (res.statusCode === 200) tally.latencies?.push(performance.now() - at);
      else tally.non2xx++;
    } catch {
      tally.errors++;
    }
  };
  try {
    await paced(send, rate, 2, newTally(false));
    return await withLoopReading(t, async () => {
      const tally = newTally(true);
      await paced(send, rate, seconds, tally);
      const latencies = tally.latencies!.sort((a, b) => a - b);
      return { name: t.name, rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors: tally.errors, non2xx: tally.non2xx };
    });
  } finally {
    await pool.close();
  }
}

/**
 * Each target measured once per round, the targets alternating, so a noisy minute weighs on all of them
 * alike; the figures are the rounds' means (errors summed, the loop delay's worst).
 */
async function rounds(targets: Target[], run: (t: Target) => Promise<Figures> = load): Promise<Figures[]> {
  return (await alternatingRounds(targets, roundCount, run)).map(({ runs: r, means }) => ({
    ...means,
    loopP99: r.some((f) => f.loopP99 !== undefined) ? Math.max(...r.map((f) => f.loopP99 ?? 0)) : undefined,
    cpuPerRequest: r.some((f) => f.cpuPerRequest !== undefined) ? mean(r.map((f) => f.cpuPerRequest ?? 0)) : undefined,
  }));
}

const table = (rows: Figures[]) => {
  console.log('target                          req/s    p50 ms  p99 ms  errors  non-2xx  loop p99 ms  CPU µs/req');
  for (const r of rows) {
    const loop = r.loopP99 === undefined ? ''.padStart(12) : r.loopP99.toFixed(1).padStart(12);
    const cpu = r.cpuPerRequest === undefined ? '' : r.cpuPerRequest.toFixed(0).padStart(12);
    console.log(`${r.name.padEnd(30)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(7)} ${String(r.errors).padStart(7)} ${String(r.non2xx).padStart(8)}${loop}${cpu}`);
  }
};
const ratio = (a: Figures, b: Figures) => {
  const cpu = a.cpuPerRequest && b.cpuPerRequest ? `, CPU per request ${(a.cpuPerRequest / b.cpuPerRequest).toFixed(2)}×` : '';
  return `throughput ${(a.rps / b.rps).toFixed(2)}×, p50 ${(a.p50 / b.p50).toFixed(2)}×, p99 ${(a.p99 / b.p99).toFixed(2)}×${cpu}`;
};

/** BENCH_PROFILE: the measured gateway's V8 CPU profile (the full chain's, or the checker's with BENCH_ONLY=check). */
const profiled = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];

/** The AI path, the REST path and the open loop, each against the bare proxy. */
async function proxyScenarios(upstreamUrl: string): Promise<void> {
  const proxy = await startProcess('./bare-proxy.ts', [upstreamUrl]);
  const gateway = await startProcess('./gateway.ts', [`${upstreamUrl}/v1`], profiled);
  const redisGateway = await startProcess('./gateway.ts', [`${upstreamUrl}/v1`, redis!.url]);
  const bare: Target = { name: 'bare node:http proxy', url: `http://127.0.0.1:${proxy.fields[0]}`, headers: {}, child: proxy.child };
  const chain: Target = { name: 'tollgate gateway (full chain)', url: `http://127.0.0.1:${gateway.fields[0]}`, headers: { authorization: `Bearer ${gateway.fields[1]}` }, child: gateway.child };
  const withRedis: Target = { name: 'gateway, Redis limiter', url: `http://127.0.0.1:${redisGateway.fields[0]}`, headers: { authorization: `Bearer ${redisGateway.fields[1]}` }, child: redisGateway.child };

  const ai = await rounds([{ name: 'mock upstream (direct)', url: upstreamUrl, headers: { authorization: 'Bearer sk-bench' } }, bare, chain, withRedis]);
  // The REST path: the same full chain (key, subscription, limits, metering) proxying to the same mock, against
  // the bare proxy doing the same GET and the same 1 KB POST.
  const get = { method: 'GET' as const, path: '/v1/models' };
  const post = { method: 'POST' as const, path: '/v1/chat/completions', body: kilobyteBody };
  const rest = await rounds([
    { ...bare, name: 'bare proxy GET', request: get },
    { ...chain, name: 'REST gateway GET', request: { ...get, path: '/bench-rest/models' } },
    { ...bare, name: 'bare proxy POST 1 KB', request: post },
    { ...chain, name: 'REST gateway POST 1 KB', request: { ...post, path: '/bench-rest/chat' } },
  ]);
  // Open loop: a fixed offered rate well under both capacities, so the latency added is the chain's own.
  const openLoop = await rounds([{ ...bare, name: 'bare proxy at 1,000/s' }, { ...chain, name: 'gateway at 1,000/s' }], (t) => loadPaced(t, 1_000));

  const cores = (await import('node:os')).cpus().length;
  console.log(`\nPOST /v1/chat/completions, ${connections} connections, ${seconds} s each, ${roundCount} alternating rounds, on ${cores} cores\n`);
  table(ai);
  const [, bareAi, chainAi, redisAi] = ai as [Figures, Figures, Figures, Figures];
  console.log(`\ngateway / bare proxy: ${ratio(chainAi, bareAi)}`);
  console.log(`gateway with Redis / bare proxy: ${ratio(redisAi, bareAi)}`);
  console.log(`Redis limiter / in-memory limiter: ${ratio(redisAi, chainAi)}`);
  console.log(`\nREST: GET /models and POST /chat (1 KB body) through the full chain, to the same mock\n`);
  table(rest);
  const [bareGet, restGet, barePost, restPost] = rest as [Figures, Figures, Figures, Figures];
  console.log(`\nREST gateway / bare proxy, GET: ${ratio(restGet, bareGet)}`);
  console.log(`REST gateway / bare proxy, POST 1 KB: ${ratio(restPost, barePost)}`);
  console.log(`\nOpen loop: POST /v1/chat/completions offered at 1,000 requests/s, evenly spaced, over up to ${connections} connections\n`);
  table(openLoop);
  const [bareOpen, chainOpen] = openLoop as [Figures, Figures];
  console.log(`\nlatency the gateway adds at 1,000/s: p50 ${(chainOpen.p50 - bareOpen.p50).toFixed(2)} ms, p99 ${(chainOpen.p99 - bareOpen.p99).toFixed(2)} ms`);
  if ([...ai, ...rest, ...openLoop].some((r) => r.errors > 0 || r.non2xx > 0)) process.exitCode = 1;
  // Stopped before the check scenario: on 2 cores even idle gateways (snapshot polls, meter flushes) weigh on it.
  const done = [proxy.child, gateway.child, redisGateway.child];
  for (const child of done) child.kill('SIGTERM');
  await Promise.all(done.map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
}

try {
  const { fields: [upstreamPort] } = await startProcess('./mock-upstream.ts');
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  if (!checkOnly) await proxyScenarios(upstreamUrl);
  // Its own gateway, so the scenarios above run without the check endpoint and trusted proxies.
  const grpcPort = await freePort();
  const checker = await startProcess('./gateway.ts', [`${upstreamUrl}/v1`], checkOnly ? profiled : [], { BENCH_EXT_AUTHZ: '1', TOLLGATE_EXT_AUTHZ_GRPC_PORT: String(grpcPort) });
  const floorServer = await startProcess('./bare-authorizer.ts');
  const floorTarget = { url: `http://127.0.0.1:${floorServer.fields[0]}`, secret: 'none', child: floorServer.child };
  const target = { url: `http://127.0.0.1:${checker.fields[0]}`, secret: checker.fields[1]!, child: checker.child };
  for (const rate of checkRates) {
    const options = checkOptionsAt(rate);
    const floor = await measureChecks(floorTarget, options);
    const http = await measureChecks(target, options);
    const grpc = await measureChecks({ ...target, grpc: `127.0.0.1:${grpcPort}` }, options);
    printChecks(options, floor, [['HTTP check', http], ['gRPC check', grpc]]);
    if ([http, grpc].some((f) => f.errors > 0 || f.non2xx > 0)) process.exitCode = 1;
  }
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
  await redis?.close();
}
