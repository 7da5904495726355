import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { alternatingRounds, buildBenchGateway, loopReading, mean, startBenchProcess, type LoadFigures } from './processes/spawn';
import { PortalClient } from '@tollgate/all-in-one/portal-client';
import { oneTenant, scaledShape, seedScale, type SeededScale } from './processes/scale-seed';

/**
 * `npm run bench:scale` (issue 17 item 5): does a gateway's cost stay flat as tenants grow? Seeds one data
 * directory with 10,000 teams, 50,000 apps, 100,000 keys and 100,000 subscriptions straight into SQLite
 * (processes/scale-seed.ts) and one with a single tenant, then prints: the seed time; the snapshot's compile
 * time, JSON size and heap, and what a gateway pays to take it (processes/scale-measure.ts); both all-in-one
 * processes' throughput through the full chain in the same run; and how long one revoked key takes to be
 * refused, idle and under load, with the gateway's worst latency and event-loop stall meanwhile.
 * Options (env): BENCH_SCALE (default 1) scales the counts, BENCH_SECONDS (5), BENCH_CONNECTIONS (50),
 * BENCH_ROUNDS (2, at least 2, alternating), BENCH_PROFILE=<dir> writes CPU profiles of both all-in-one
 * processes into <dir>/big and <dir>/one-tenant.
 */
const factor = Number(process.env.BENCH_SCALE ?? 1);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const roundCount = Math.max(2, Number(process.env.BENCH_ROUNDS ?? 2));
if (!(factor > 0 && factor <= 1)) throw new Error('BENCH_SCALE must be a number in (0, 1]');
const children: ChildProcess[] = [];
const dirs: string[] = [];
const ms = (n: number) => `${n.toFixed(0)} ms`;
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

// The all-in-one runs as production does: bundled by scripts/build.mjs (the mock and the measuring keep tsx).
const built = buildBenchGateway('.bench-build-scale', { 'scale-gateway': './scale-gateway.ts' });
const startProcess = (script: string, args: string[], nodeFlags: string[] = []) =>
  startBenchProcess(children, script, { args, nodeFlags, built: script === './scale-gateway.ts' ? built : null, readyWords: ['READY', 'RESULT'] });

interface Gateway {
  name: string;
  child: ChildProcess;
  url: string;
  admin: PortalClient;
  seed: SeededScale;
  startMs: number;
}

async function startGateway(name: string, seed: SeededScale, dataDir: string): Promise<Gateway> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(process.env.BENCH_PROFILE, name.replaceAll(' ', '-'))}`] : [];
  const { child, fields } = await startProcess('./scale-gateway.ts', [dataDir], profile);
  const [gatewayPort, portalPort, email, password, startMs] = fields as [string, string, string, string, string];
  const admin = new PortalClient(`http://127.0.0.1:${portalPort}`);
  await admin.login(email, password);
  return { name, child, url: `http://127.0.0.1:${gatewayPort}`, admin, seed, startMs: Number(startMs) };
}

const chatBody = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'Say something short about toll gates.' }] });
/** The status a key gets from the gateway: 200 while it is served, 401 once the gateway no longer knows it. */
async function keyStatus(g: Gateway, secret: string): Promise<number> {
  const res = await fetch(`${g.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
  await res.arrayBuffer();
  return res.status;
}
async function waitForStatus(g: Gateway, secret: string, status: number, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  while ((await keyStatus(g, secret)) !== status) {
    if (performance.now() - started > timeoutMs) throw new Error(`${g.name}: the key did not reach ${status} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}

interface Timings {
  deliveredMs: number | null;
  installMs: number;
  gcMs: number;
  gcTotalMs: number;
  gcMaxMs: number;
}
/** What the process measured since the last `scale:mark` (processes/scale-gateway.ts). */
function timings(g: Gateway): Promise<Timings> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (!m || typeof m !== 'object' || !('deliveredMs' in m)) return;
      g.child.off('message', onMessage);
      resolve(m as Timings);
    };
    g.child.on('message', onMessage);
    g.child.send('scale:read');
  });
}

interface Target {
  name: string;
  gateway: Gateway;
  model: string;
}
interface Figures extends LoadFigures {
  max: number;
  loopMax?: number;
  /** The share of the run the process spent paused in garbage collection. */
  gcShare: number;
  /** The longest single GC pause in the run (ms). */
  gcMax: number;
  /** The process's CPU time per request (µs): what the other processes' load disturbs least. */
  cpuPerRequest?: number;
}
const cannon = (t: Target, duration: number, overallRate?: number) =>
  autocannon({
    url: `${t.gateway.url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.gateway.seed.secret}` },
    body: chatBody(t.model),
    connections,
    duration,
    ...(overallRate ? { overallRate } : {}),
  });

async function load(t: Target): Promise<Figures> {
  await cannon(t, 2);
  await loopReading(t.gateway.child, 'loop:reset');
  t.gateway.child.send('scale:mark');
  const r = await cannon(t, seconds);
  const loop = await loopReading(t.gateway.child, 'loop:read');
  const { gcTotalMs, gcMaxMs } = await timings(t.gateway);
  const cpuPerRequest = loop?.cpuMicros === undefined ? undefined : loop.cpuMicros / r.requests.total;
  return { name: t.name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, errors: r.errors, non2xx: r.non2xx, loopMax: loop?.max, gcShare: gcTotalMs / (seconds * 1_000), gcMax: gcMaxMs, cpuPerRequest };
}

/** Each target once per round, alternating, so a noisy minute weighs on all alike; the rounds' means. */
async function rounds(targets: Target[]): Promise<Figures[]> {
  return (await alternatingRounds(targets, roundCount, load)).map(({ runs: r, means }) => ({
    ...means,
    max: Math.max(...r.map((f) => f.max)),
    loopMax: Math.max(...r.map((f) => f.loopMax ?? 0)),
    gcShare: mean(r.map((f) => f.gcShare)),
    gcMax: Math.max(...r.map((f) => f.gcMax)),
    cpuPerRequest: r.every((f) => f.cpuPerRequest !== undefined) ? mean(r.map((f) => f.cpuPerRequest!)) : undefined,
  }));
}

/**
 * One key revoked through the portal's API, as an admin would: the write commits, the publisher recompiles
 * the whole snapshot and the gateway installs it. Timed from sending the revoke to the first 401.
 */
async function revokeAndWait(g: Gateway, appId: string, keyId: string, secret: string) {
  g.child.send('scale:mark');
  const started = performance.now();
  await g.admin.must('POST', `/api/apps/${appId}/keys/${keyId}/revoke`, undefined, 200);
  const answeredMs = performance.now() - started;
  await waitForStatus(g, secret, 401);
  const refusedMs = performance.now() - started;
  return { answeredMs, refusedMs, ...(await timings(g)) };
}
/** Inside the process: from the bench's mark to the snapshot installed, of it the install, and GC pauses. */
const insideFigures = (r: Timings) =>
  `in the process: write to installed ${r.deliveredMs === null ? '?' : ms(r.deliveredMs)} (install ${ms(r.installMs)}, GC pauses ${ms(r.gcMs)})`;

/** The same under a steady open-loop load of the other key: the calls' worst latency and the loop's worst stall. */
async function revokeUnderLoad(g: Gateway, rate: number) {
  const { key, secret } = await g.admin.must('POST', `/api/apps/${g.seed.appId}/keys`, { name: 'revoke under load' });
  await waitForStatus(g, secret, 200);
  await loopReading(g.child, 'loop:reset');
  const loadRun = cannon({ name: '', gateway: g, model: 'gpt-4o-mini' }, 6, rate);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const change = await revokeAndWait(g, g.seed.appId, key.id, secret);
  const result = await loadRun;
  const loop = await loopReading(g.child, 'loop:read');
  return { ...change, maxLatency: result.latency.max, p99: result.latency.p99, loopMax: loop?.max ?? NaN, non2xx: result.non2xx, errors: result.errors };
}

try {
  const { fields: [upstreamPort] } = await startProcess('./mock-upstream.ts', []);
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const seedInto = (shape: Parameters<typeof seedScale>[1]) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-scale-'));
    dirs.push(dir);
    return { dir, seed: seedScale(dir, shape, upstreamUrl) };
  };
  const big = seedInto(scaledShape(factor));
  const small = seedInto(oneTenant);
  const c = big.seed.counts;
  console.log(`\nseeded ${c.teams} teams, ${c.apps} apps, ${c.keys} keys, ${c.subscriptions} subscriptions, ${c.services} services, ${c.plans} plans in ${ms(big.seed.seedMs)} (BENCH_SCALE=${factor})`);

  // Offline figures first, in their own process, before the load processes compete for the two cores.
  const { fields: measured } = await startProcess('./scale-measure.ts', [big.dir], ['--expose-gc']);
  const m = JSON.parse(measured.join(' '));
  console.log(`snapshot: ${JSON.stringify(m.counts)}`);
  console.log(`  compile (portal): median ${ms(m.compileMs)} of ${m.compileMsAll.length} after a warm-up [${m.compileMsAll.map((x: number) => x.toFixed(0)).join(', ')}]`);
  console.log(`  compiled snapshot: ${mb(m.jsonBytes)} as JSON (stringify ${ms(m.stringifyMs)}), ${mb(m.snapshotHeap)} of heap`);
  console.log(`  gateway install (all-in-one, indexSnapshot): ${ms(m.installMs)}, index ${mb(m.indexHeap)} of heap beyond the snapshot`);
  console.log(`  gateway install (split shape, JSON.parse + install): ${ms(m.pullMs)} (parse alone ${ms(m.parseMs)})`);
  console.log(`  receiving it from a worker thread (v8 deserialize, what moving the compile off the loop would still cost): ${ms(m.deserializeMs)}`);

  const bigGateway = await startGateway('big', big.seed, big.dir);
  const smallGateway = await startGateway('one tenant', small.seed, small.dir);
  await Promise.all([waitForStatus(bigGateway, big.seed.secret, 200), waitForStatus(smallGateway, small.seed.secret, 200)]);
  console.log(`all-in-one start (incl. the first compile): ${ms(bigGateway.startMs)} at scale, ${ms(smallGateway.startMs)} with one tenant`);

  // gpt-4o-mini is offered by every AI service (one route each); bench-llm-model by the bench's service alone.
  // They are compared name for name: a model with a price costs the call more (pricing, token counting).
  const figures = await rounds([
    { name: 'one tenant, gpt-4o-mini', gateway: smallGateway, model: 'gpt-4o-mini' },
    { name: 'at scale, gpt-4o-mini', gateway: bigGateway, model: 'gpt-4o-mini' },
    { name: 'one tenant, bench-llm-model', gateway: smallGateway, model: 'bench-llm-model' },
    { name: 'at scale, bench-llm-model', gateway: bigGateway, model: 'bench-llm-model' },
  ]);
  console.log(`\nPOST /v1/chat/completions, ${connections} connections, ${seconds} s each, ${roundCount} alternating rounds (2 shared cores: noisy)\n`);
  console.log('target                          req/s    p50 ms  p99 ms  max ms  errors  non-2xx  loop max ms   GC  GC max ms  CPU µs/req');
  for (const r of figures) {
    console.log(`${r.name.padEnd(30)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(7)} ${r.max.toFixed(0).padStart(7)} ${String(r.errors).padStart(7)} ${String(r.non2xx).padStart(8)} ${(r.loopMax ?? 0).toFixed(1).padStart(12)} ${(r.gcShare * 100).toFixed(1).padStart(4)}% ${r.gcMax.toFixed(1).padStart(10)} ${(r.cpuPerRequest?.toFixed(0) ?? '').padStart(11)}`);
  }
  const [oneShared, shared, oneUnique, unique] = figures as [Figures, Figures, Figures, Figures];
  const aiServices = c.services - scaledShape(factor).restServices;
  console.log(`\nthroughput at scale / one tenant: ${(shared.rps / oneShared.rps).toFixed(2)}× for gpt-4o-mini (${aiServices} routes at scale), ${(unique.rps / oneUnique.rps).toFixed(2)}× for bench-llm-model (one route)`);
  if (shared.cpuPerRequest && oneShared.cpuPerRequest && unique.cpuPerRequest && oneUnique.cpuPerRequest) {
    console.log(`CPU per request at scale / one tenant: ${(shared.cpuPerRequest / oneShared.cpuPerRequest).toFixed(2)}× for gpt-4o-mini, ${(unique.cpuPerRequest / oneUnique.cpuPerRequest).toFixed(2)}× for bench-llm-model`);
  }

  console.log('\nsingle change: one key revoked through the portal API until the gateway answers 401');
  for (const g of [smallGateway, bigGateway]) {
    const idle = await revokeAndWait(g, g.seed.appId, g.seed.revokeKeyId, g.seed.revokeSecret);
    console.log(`  ${g.name.padEnd(10)} idle:        revoke answered in ${ms(idle.answeredMs)}, key refused after ${ms(idle.refusedMs)}; ${insideFigures(idle)}`);
    const busy = await revokeUnderLoad(g, 500);
    console.log(`  ${g.name.padEnd(10)} at 500 rps:  revoke answered in ${ms(busy.answeredMs)}, key refused after ${ms(busy.refusedMs)}; calls meanwhile p99 ${busy.p99.toFixed(0)} ms, max ${busy.maxLatency.toFixed(0)} ms; event loop stalled up to ${busy.loopMax.toFixed(0)} ms (${busy.non2xx} non-2xx, ${busy.errors} errors); ${insideFigures(busy)}`);
  }
  if (figures.some((r) => r.errors > 0 || r.non2xx > 0)) process.exitCode = 1;
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map((ch) => (ch.exitCode === null ? once(ch, 'exit') : undefined)));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
