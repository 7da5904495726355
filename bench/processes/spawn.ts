import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * What the benches share to run their server processes: the gateway process built as production runs it, each
 * bench process started with an IPC channel and awaited until it prints `READY <fields>`, and the readings it
 * answers over that channel (loop-delay.ts).
 */

/**
 * The bench gateway bundled to plain JavaScript by scripts/build.mjs, as production runs (BENCH_TSX=1: null,
 * run through tsx instead). One level below the repository root, like dist/: the build finds the migrations and
 * the web app from there. Each bench builds into its own directory, so two benches never rebuild each other's.
 */
export function buildBenchGateway(dirName: string, entries: Record<string, string> = { gateway: './gateway.ts' }): string | null {
  if (process.env.BENCH_TSX === '1') return null;
  const out = new URL(`../../${dirName}`, import.meta.url).pathname;
  const build = new URL('../../scripts/build.mjs', import.meta.url).pathname;
  const args = Object.entries(entries).map(([name, file]) => `${name}=${new URL(file, import.meta.url).pathname}`);
  execFileSync(process.execPath, [build, out, ...args], { stdio: 'ignore' });
  return out;
}

export interface BenchProcess {
  child: ChildProcess;
  /** The words after READY (a port, a key...). */
  fields: string[];
}

/**
 * Starts a bench process (`script` relative to bench/processes/) and waits for its READY line (or another of
 * `readyWords`: a process that only measures answers RESULT). `built` is a
 * build directory holding `<name>.mjs` for the script, or null to run its TypeScript through tsx. The IPC channel
 * carries its event-loop delay and CPU time.
 */
export async function startBenchProcess(
  children: ChildProcess[],
  script: string,
  o: { args?: string[]; env?: Record<string, string>; nodeFlags?: string[]; built?: string | null; readyWords?: string[] } = {},
): Promise<BenchProcess> {
  const name = path.basename(script, '.ts');
  const entry = o.built ? [path.join(o.built, `${name}.mjs`)] : ['--import', 'tsx', new URL(script, import.meta.url).pathname];
  const child = spawn(process.execPath, [...(o.nodeFlags ?? []), ...entry, ...(o.args ?? [])], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, ...o.env },
  });
  children.push(child);
  const ready = (o.readyWords ?? ['READY']).map((word) => `${word} `);
  for await (const line of createInterface({ input: child.stdout! })) if (ready.some((r) => line.startsWith(r))) return { child, fields: line.split(' ').slice(1) };
  throw new Error(`${script} exited before it was ready`);
}

/** What loop-delay.ts answers to `loop:read`: the delay since `loop:reset` (ms) and the CPU time used (µs). */
export interface LoopReading {
  p50: number;
  p99: number;
  max: number;
  cpuMicros: number;
}

/** `loop:reset` before a measured run; `loop:read` after it answers the reading (undefined without a channel). */
export function loopReading(child: ChildProcess | undefined, message: 'loop:reset' | 'loop:read'): Promise<LoopReading | undefined> {
  if (!child?.connected) return Promise.resolve(undefined);
  if (message === 'loop:reset') {
    child.send(message);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as LoopReading));
    child.send(message);
  });
}

/** What every load bench reports of one run of one target. */
export interface LoadFigures {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** The p-th percentile of ascending samples (nearest rank; NaN for none). */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/**
 * Each target run once per round, the targets alternating, so a noisy minute weighs on all of them alike. Returns
 * each target's runs and the rounds' means of the common figures (errors summed); benches add their own.
 */
export async function alternatingRounds<T, F extends LoadFigures>(targets: T[], roundCount: number, run: (target: T) => Promise<F>): Promise<Array<{ runs: F[]; means: LoadFigures }>> {
  const runs: F[][] = targets.map(() => []);
  for (let round = 0; round < roundCount; round++) for (const [i, t] of targets.entries()) runs[i]!.push(await run(t));
  return runs.map((r) => ({
    runs: r,
    means: {
      name: r[0]!.name,
      rps: mean(r.map((f) => f.rps)),
      p50: mean(r.map((f) => f.p50)),
      p99: mean(r.map((f) => f.p99)),
      errors: r.reduce((n, f) => n + f.errors, 0),
      non2xx: r.reduce((n, f) => n + f.non2xx, 0),
    },
  }));
}
