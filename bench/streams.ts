import type { ChildProcess } from 'node:child_process';
import { once, setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { buildBenchGateway, loopReading, percentile, startBenchProcess } from './processes/spawn';

/**
 * `npm run bench:streams`: streaming chat calls against a mock provider (processes/stream-upstream.ts) that
 * sends its role chunk at once and then one word every CHUNK_DELAY_MS, directly and through the gateway
 * (processes/gateway.ts, full chain, run from the production bundle as in bench/run.ts). Each server process
 * reports its event-loop delay p99 over IPC (processes/loop-delay.ts); its CPU time comes from /proc.
 *
 * Method. TTFT is what a user sees: from sending the request to receiving the first chunk with non-empty
 * content (the first word, one CHUNK_DELAY_MS after the role chunk). The client (undici, this process) does
 * the same work in both targets (same requests, same parsing of the same frames, a fresh pool per run), and
 * the mock's own queueing is in the direct baseline, so "added" is the gateway's share. A warm-up (both
 * targets at the largest N: JIT, the gateway's upstream pool) comes first; then for each concurrency N,
 * direct and through the gateway alternating:
 * - "at once": N streams start together, BENCH_ROUNDS times (means). The k-th call the gateway takes up waits
 *   for the k-1 before it, so what it adds is about its CPU per stream start × queue position (p50 ≈ N/2 ×,
 *   p99 ≈ N × that cost): a burst figure, dominated by the per-call cost of the whole chain.
 * - "steady": N clients each streaming one call after another, their first calls spread over one stream's
 *   length, for BENCH_STEADY_SECONDS after that spread (one round; only streams started after the spread
 *   count): N streams open at any time, arrivals spread as users' are. What it adds is the gateway's own
 *   latency plus its queueing at that load.
 * "server CPU/stream" is the serving process's CPU time over the run per stream (whole stream, start to end; all
 * its threads), the figure the noisy machine disturbs least.
 * The client, the mock and the gateway share the machine's cores (2 here), so all figures are noisy.
 * Then a memory run: the mock is replaced (same port) by one sending a word every HOLD_CHUNK_DELAY_MS, and
 * BENCH_HOLD_STREAMS streams start through the gateway, long enough (BENCH_HOLD_WORDS words) that all are open
 * at once; two chunks after the last one had its first word (checked: none has ended yet), the gateway's RSS is
 * read and the streams are cut. Exit code 1 on any failed stream or when not all were open at once.
 * Env: BENCH_STREAMS (concurrencies, default "200,1000"), BENCH_ROUNDS (default 2), BENCH_STEADY_SECONDS
 * (default 2, 0 skips it), CHUNK_DELAY_MS (default 50), BENCH_WORDS (words per answer, default 40),
 * BENCH_HOLD_STREAMS (default 2000, 0 skips it), BENCH_HOLD_WORDS (default 30), HOLD_CHUNK_DELAY_MS (default
 * 1000), BENCH_TSX=1 runs the gateway through tsx, BENCH_PROFILE=<dir> writes a CPU profile of the gateway.
 */
const concurrencies = (process.env.BENCH_STREAMS ?? '200,1000').split(',').map(Number);
const roundCount = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const steadySeconds = Number(process.env.BENCH_STEADY_SECONDS ?? 2);
const chunkDelayMs = process.env.CHUNK_DELAY_MS ?? '50';
const words = Number(process.env.BENCH_WORDS ?? 40);
const holdStreams = Number(process.env.BENCH_HOLD_STREAMS ?? 2_000);
const holdWords = Number(process.env.BENCH_HOLD_WORDS ?? 30);
const holdChunkDelayMs = process.env.HOLD_CHUNK_DELAY_MS ?? '1000';
const children: ChildProcess[] = [];

// As bench/run.ts: the gateway runs as production does, bundled (in a build directory of its own); the mock keeps tsx.
const built = buildBenchGateway('.bench-build-streams');
const startProcess = (script: string, args: string[] = [], env: Record<string, string> = {}, nodeFlags: string[] = []) =>
  startBenchProcess(children, script, { args, env, nodeFlags, built: script === './gateway.ts' ? built : null });

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
/** User + system CPU of a process in ms (clock ticks of 10 ms), where its loop-delay report has no CPU time. */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const bodyOf = (n: number) => JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: Array.from({ length: n }, (_, i) => `w${i}`).join(' ') }] });
// The first word: a content delta that is not the role chunk's empty one.
const FIRST_WORD = /"content":"[^"]/;

interface Target {
  name: string;
  url: string;
  key: string;
  /** The process serving it, for its event-loop delay and CPU. */
  child: ChildProcess;
}

interface RunOptions {
  body: string;
  /** Called once per stream when its first word arrives, with the number of streams open (first word seen, not ended). */
  onFirstWord?: (open: number) => void;
  signal?: AbortSignal;
  /**
   * Steady state instead of all at once: each of the N clients starts its first stream at i/N of `spreadMs`
   * and another each time one ends, until `seconds` after the spread; only streams started after the spread
   * count.
   */
  steady?: { spreadMs: number; seconds: number };
}

/**
 * N clients streaming at once; each counted stream's TTFT, and whether it failed (not 200, no word, no
 * [DONE], a read error).
 */
async function runStreams(t: Target, n: number, o: RunOptions) {
  const agent = new Agent({ connections: n + 10, keepAliveTimeout: 10_000 });
  let open = 0;
  let failures = 0;
  let cut = 0;
  let streams = 0;
  const ttfts: number[] = [];
  const began = performance.now();
  const countFrom = began + (o.steady?.spreadMs ?? 0);
  const stopAt = o.steady ? countFrom + o.steady.seconds * 1_000 : 0;
  const one = async () => {
    const started = performance.now();
    const counted = started >= countFrom;
    streams++;
    let seen = false;
    try {
      const res = await request(`${t.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
        body: o.body,
        dispatcher: agent,
        signal: o.signal,
      });
      if (res.statusCode !== 200) failures++;
      // A frame may be split between chunks: the tail of the last one is searched with the next.
      let tail = '';
      for await (const chunk of res.body) {
        const text = tail + String(chunk);
        if (!seen && FIRST_WORD.test(text)) {
          if (counted) ttfts.push(performance.now() - started);
          seen = true;
          o.onFirstWord?.(++open);
        }
        tail = text.slice(-32);
      }
      if (!seen || !tail.includes('[DONE]')) failures++;
    } catch (err) {
      if (o.signal?.aborted) cut++;
      else {
        failures++;
        if (failures === 1) console.error(`${t.name}: ${(err as Error).message}`);
      }
    } finally {
      if (seen) open--;
    }
  };
  const client = async (i: number) => {
    if (!o.steady) return one();
    await sleep((i / n) * o.steady.spreadMs);
    while (performance.now() < stopAt) await one();
  };
  await Promise.all(Array.from({ length: n }, (_, i) => client(i)));
  const seconds = (performance.now() - began) / 1_000;
  await agent.destroy();
  ttfts.sort((a, b) => a - b);
  return { p50: percentile(ttfts, 50), p99: percentile(ttfts, 99), seconds, failures, cut, streams, firstWords: ttfts.length };
}

interface Figures {
  p50: number;
  p99: number;
  failures: number;
  loopP99: number;
  mockLoopP99: number;
  /** CPU of the serving process per stream, ms. */
  cpuPerStream: number;
  /** CPU of this (client) process per stream, ms. */
  clientCpuPerStream: number;
}

async function measure(t: Target, mock: ChildProcess, n: number, steady?: RunOptions['steady']): Promise<Figures> {
  // Direct, the serving process is the mock: asked once, as every reply goes to every listener waiting.
  const servers = t.child === mock ? [t.child] : [t.child, mock];
  await Promise.all(servers.map((c) => loopReading(c, 'loop:reset')));
  const cpu = cpuMs(t.child.pid!);
  const client = process.cpuUsage();
  const r = await runStreams(t, n, { body: bodyOf(words), steady });
  const clientUsed = process.cpuUsage(client);
  const procCpu = cpuMs(t.child.pid!) - cpu;
  const [loop, mockLoop = loop] = await Promise.all(servers.map((c) => loopReading(c, 'loop:read')));
  const cpuPerStream = (loop?.cpuMicros !== undefined ? loop.cpuMicros / 1_000 : procCpu) / r.streams;
  return { ...r, loopP99: loop?.p99 ?? NaN, mockLoopP99: mockLoop?.p99 ?? NaN, cpuPerStream, clientCpuPerStream: (clientUsed.user + clientUsed.system) / 1_000 / r.streams };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const combine = (runs: Figures[]): Figures => ({
  p50: mean(runs.map((r) => r.p50)),
  p99: mean(runs.map((r) => r.p99)),
  failures: runs.reduce((n, r) => n + r.failures, 0),
  loopP99: Math.max(...runs.map((r) => r.loopP99)),
  mockLoopP99: Math.max(...runs.map((r) => r.mockLoopP99)),
  cpuPerStream: mean(runs.map((r) => r.cpuPerStream)),
  clientCpuPerStream: mean(runs.map((r) => r.clientCpuPerStream)),
});

/** Holds `n` streams open through the gateway, reads its RSS when all are, then cuts them. */
async function holdOpen(t: Target, n: number) {
  const abort = new AbortController();
  // One signal for every stream: each request listens on it.
  setMaxListeners(0, abort.signal);
  let rssAllOpen: number | null = null;
  let maxOpen = 0;
  const r = await runStreams(t, n, {
    body: bodyOf(holdWords),
    signal: abort.signal,
    onFirstWord: (open) => {
      maxOpen = Math.max(maxOpen, open);
      if (open < n) return;
      // Two chunks later, with every stream relaying, not at the instant the last one started.
      setTimeout(() => {
        rssAllOpen = rssMiB(t.child.pid!);
        abort.abort();
      }, 2 * Number(holdChunkDelayMs) + 100);
    },
  });
  return { ...r, maxOpen, rssAllOpen: rssAllOpen as number | null };
}

const ms = (x: number) => x.toFixed(1).padStart(9);

try {
  const upstream = await startProcess('./stream-upstream.ts', [], { CHUNK_DELAY_MS: chunkDelayMs });
  const upstreamUrl = `http://127.0.0.1:${upstream.fields[0]}`;
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const gateway = await startProcess('./gateway.ts', [`${upstreamUrl}/v1`], {}, profile);
  const [gatewayPort, key] = gateway.fields as [string, string];
  const direct: Target = { name: 'mock provider (direct)', url: upstreamUrl, key: 'sk-bench', child: upstream.child };
  const viaGateway: Target = { name: 'gateway (full chain)', url: `http://127.0.0.1:${gatewayPort}`, key, child: gateway.child };
  const idleRss = rssMiB(gateway.child.pid!);

  const warmUp = Math.max(...concurrencies);
  for (const t of [direct, viaGateway]) {
    const w = await runStreams(t, warmUp, { body: bodyOf(words) });
    if (w.failures > 0) console.error(`warm-up of ${t.name}: ${w.failures} failed streams`);
  }

  const results: { mode: string; n: number; direct: Figures; gateway: Figures }[] = [];
  for (const n of concurrencies) {
    const runs: [Figures[], Figures[]] = [[], []];
    for (let round = 0; round < roundCount; round++) {
      runs[0].push(await measure(direct, upstream.child, n));
      runs[1].push(await measure(viaGateway, upstream.child, n));
    }
    results.push({ mode: 'at once', n, direct: combine(runs[0]), gateway: combine(runs[1]) });
  }
  if (steadySeconds > 0) {
    // One round: each run is a stream's length of spread plus steadySeconds.
    const steady = { spreadMs: words * Number(chunkDelayMs), seconds: steadySeconds };
    for (const n of concurrencies) {
      const d = await measure(direct, upstream.child, n, steady);
      results.push({ mode: 'steady', n, direct: d, gateway: await measure(viaGateway, upstream.child, n, steady) });
    }
  }
  // The memory run needs a slow provider (2,000 streams at 20 words/s each would saturate the machine rather
  // than hold streams open): the mock is replaced by a slower one on the same port, where the gateway points.
  let hold: Awaited<ReturnType<typeof holdOpen>> | null = null;
  // What the heap kept from the runs before: the memory run's own share is the difference.
  const rssBeforeHold = rssMiB(gateway.child.pid!);
  if (holdStreams > 0) {
    upstream.child.kill('SIGTERM');
    await once(upstream.child, 'exit');
    await startProcess('./stream-upstream.ts', [], { CHUNK_DELAY_MS: holdChunkDelayMs, MOCK_PORT: upstream.fields[0]! });
    hold = await holdOpen(viaGateway, holdStreams);
  }

  const cores = (await import('node:os')).cpus().length;
  console.log(
    `\nStreams of ${words} words, one every ${chunkDelayMs} ms. "at once": N started together, ${roundCount} alternating rounds (means); ` +
      `"steady": N clients, each streaming one call after another, for ${steadySeconds} s after a spread start. On ${cores} cores, shared by client, mock and gateway; noisy.\n`,
  );
  console.log('mode        N  target                  TTFT p50  TTFT p99  loop p99  mock loop p99  server CPU/stream  client CPU/stream  failures');
  for (const r of results) {
    for (const [name, f] of [['mock provider (direct)', r.direct], ['gateway (full chain)', r.gateway]] as const) {
      console.log(
        `${r.mode.padEnd(7)} ${String(r.n).padStart(5)}  ${name.padEnd(22)} ${ms(f.p50)} ${ms(f.p99)} ${ms(f.loopP99)} ${ms(f.mockLoopP99).padStart(14)} ` +
          `${ms(f.cpuPerStream).padStart(18)} ${ms(f.clientCpuPerStream).padStart(18)} ${String(f.failures).padStart(9)}`,
      );
    }
  }
  console.log('\n(ms; "loop p99" is the serving process\'s event-loop delay; the mock\'s is measured in both rows)');
  for (const r of results) {
    console.log(
      `TTFT added by the gateway, ${r.mode}, ${r.n} streams: p50 +${(r.gateway.p50 - r.direct.p50).toFixed(1)} ms, p99 +${(r.gateway.p99 - r.direct.p99).toFixed(1)} ms; ` +
        `event-loop delay p99: gateway ${r.gateway.loopP99.toFixed(1)} ms, mock ${r.gateway.mockLoopP99.toFixed(1)} ms`,
    );
  }
  const allOpen = !hold || (hold.maxOpen === holdStreams && hold.rssAllOpen !== null);
  if (hold) {
    console.log(
      `\ngateway RSS: ${idleRss.toFixed(0)} MiB idle after start, ${rssBeforeHold.toFixed(0)} MiB after the runs above, ${hold.rssAllOpen === null ? 'n/a' : `${hold.rssAllOpen.toFixed(0)} MiB`} with ${holdStreams} streams open ` +
        `(${holdWords} words, one every ${holdChunkDelayMs} ms; ${hold.maxOpen} open at once at most${allOpen ? '' : ' — NOT all'}; ` +
        `TTFT p50 ${hold.p50.toFixed(0)} ms, p99 ${hold.p99.toFixed(0)} ms; ${hold.failures} failed)`,
    );
  }
  if (results.some((r) => r.direct.failures + r.gateway.failures > 0) || (hold?.failures ?? 0) > 0 || !allOpen) process.exitCode = 1;
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
}
