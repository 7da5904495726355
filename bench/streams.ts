import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';

/**
 * `npm run bench:streams`: N concurrent streaming chat calls against a mock provider that emits a chunk every
 * CHUNK_DELAY_MS, first directly, then through the gateway (full chain). Prints time to first token (p50,
 * p99) of both, the TTFT the gateway adds, and the gateway's resident memory while all streams are open.
 * Env: BENCH_STREAMS (default 1000), CHUNK_DELAY_MS (default 50), BENCH_WORDS (chunks per answer, default 40),
 * BENCH_PROFILE=<dir> for a CPU profile of the gateway.
 */
const streams = Number(process.env.BENCH_STREAMS ?? 1_000);
const chunkDelayMs = process.env.CHUNK_DELAY_MS ?? '50';
const words = Number(process.env.BENCH_WORDS ?? 40);
const children: ChildProcess[] = [];

async function startProcess(script: string, args: string[] = [], env: Record<string, string> = {}, flags: string[] = []): Promise<{ child: ChildProcess; fields: string[] }> {
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', new URL(script, import.meta.url).pathname, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  for await (const line of createInterface({ input: child.stdout! })) if (line.startsWith('READY ')) return { child, fields: line.split(' ').slice(1) };
  throw new Error(`${script} exited before it was ready`);
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function run(name: string, url: string, key: string, onAllOpen: () => void) {
  const agent = new Agent({ connections: streams + 10, keepAliveTimeout: 10_000 });
  const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: Array.from({ length: words }, (_, i) => `w${i}`).join(' ') }] });
  let open = 0;
  let failures = 0;
  const ttfts: number[] = [];
  const one = async () => {
    const started = performance.now();
    const res = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
      dispatcher: agent,
    });
    if (res.statusCode !== 200) failures++;
    let first = true;
    for await (const chunk of res.body) {
      if (first && String(chunk).includes('"content":"')) {
        ttfts.push(performance.now() - started);
        first = false;
        if (++open === streams) onAllOpen();
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: streams }, one));
  const seconds = (performance.now() - started) / 1_000;
  await agent.close();
  ttfts.sort((a, b) => a - b);
  return { name, p50: percentile(ttfts, 50), p99: percentile(ttfts, 99), seconds, failures };
}

try {
  const upstream = await startProcess('./processes/mock-upstream.ts', [], { CHUNK_DELAY_MS: chunkDelayMs });
  const upstreamUrl = `http://127.0.0.1:${upstream.fields[0]}`;
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const gateway = await startProcess('./processes/gateway.ts', [`${upstreamUrl}/v1`], {}, profile);
  const [gatewayPort, key] = gateway.fields as [string, string];
  const idleRss = rssMiB(gateway.child.pid!);

  const direct = await run('mock provider (direct)', upstreamUrl, 'sk-bench', () => {});
  let peakRss = 0;
  const viaGateway = await run('tollgate gateway (full chain)', `http://127.0.0.1:${gatewayPort}`, key!, () => {
    peakRss = rssMiB(gateway.child.pid!);
  });

  console.log(`\n${streams} concurrent streams, ${words} chunks each, one every ${chunkDelayMs} ms; one run on 2 cores\n`);
  console.log('target                          TTFT p50 ms  TTFT p99 ms  all done s  failures');
  for (const r of [direct, viaGateway]) {
    console.log(`${r.name.padEnd(30)} ${r.p50.toFixed(1).padStart(11)} ${r.p99.toFixed(1).padStart(12)} ${r.seconds.toFixed(2).padStart(11)} ${String(r.failures).padStart(9)}`);
  }
  console.log(`\nTTFT added by the gateway: p50 +${(viaGateway.p50 - direct.p50).toFixed(1)} ms, p99 +${(viaGateway.p99 - direct.p99).toFixed(1)} ms`);
  console.log(`gateway RSS: ${idleRss.toFixed(0)} MiB idle, ${peakRss.toFixed(0)} MiB with all ${streams} streams open`);
  if (direct.failures + viaGateway.failures > 0) process.exitCode = 1;
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
}
