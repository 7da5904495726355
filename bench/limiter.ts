import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { startRedisServer } from '@tollgate/jobs/testing';
import { MemoryLimiter, RedisLimiter, type LimitRule, type Limiter } from '@tollgate/limiter';

/**
 * `npx tsx bench/limiter.ts`: hit() throughput and latency of MemoryLimiter and RedisLimiter (a private
 * redis-server on loopback), with one rule per hit and with a gateway's typical five (requests per second,
 * minute and day, tokens per day, the team's monthly budget). `concurrency` callers await one hit after another,
 * like requests in flight on one gateway; every hit is admitted, so every hit also counts.
 * Options (env): BENCH_LIMITER_HITS (default 50 000 per run), BENCH_LIMITER_CONCURRENCY (default 50).
 */
export interface LimiterFigures {
  name: string;
  rules: number;
  hitsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const subscriptions = 100;

function rulesFor(i: number, count: number): LimitRule[] {
  const sub = `sub:${i % subscriptions}`;
  const all: LimitRule[] = [
    { key: `${sub}:req:s`, limit: 1e9, windowMs: 1_000, policy: 'requests per second' },
    { key: `${sub}:req:min`, limit: 1e9, windowMs: 60_000, policy: 'requests per minute' },
    { key: `${sub}:req:day`, limit: 1e9, windowMs: 86_400_000, policy: 'requests per day' },
    { key: `${sub}:tok:day`, limit: 1e12, windowMs: 86_400_000, policy: 'tokens per day', cost: 1_200 },
    { key: `team:${i % 10}:usd:0`, limit: 1e15, windowMs: 31 * 86_400_000, fixedWindowStart: 0, policy: 'budget', cost: 900 },
  ];
  return all.slice(0, count);
}

async function measure(name: string, limiter: Limiter, ruleCount: number, hits: number, concurrency: number): Promise<LimiterFigures> {
  const ruleSets = Array.from({ length: subscriptions }, (_, i) => rulesFor(i, ruleCount));
  const run = async (total: number, latencies?: number[]) => {
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const rules = ruleSets[next++ % subscriptions]!;
        const started = performance.now();
        const decision = await limiter.hit(rules);
        latencies?.push(performance.now() - started);
        if (!decision.allowed || decision.source === 'degraded') throw new Error(`${name}: unexpected decision ${decision.source}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  await run(Math.min(5_000, hits)); // warm-up: JIT, script cache, connection
  const latencies: number[] = [];
  const started = performance.now();
  await run(hits, latencies);
  const seconds = (performance.now() - started) / 1_000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { name, rules: ruleCount, hitsPerSecond: hits / seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
}

export async function benchLimiters(hits = 50_000, concurrency = 50): Promise<LimiterFigures[]> {
  const redis = await startRedisServer();
  const figures: LimiterFigures[] = [];
  try {
    for (const ruleCount of [1, 5]) {
      const memory = new MemoryLimiter();
      figures.push(await measure('MemoryLimiter', memory, ruleCount, hits, concurrency));
      memory.close();
      // The bench measures Redis, not the fail-fast path: a generous timeout so a busy machine does not degrade.
      const shared = new RedisLimiter(redis.url, { keyPrefix: `{bench${ruleCount}}:`, commandTimeoutMs: 5_000 });
      await shared.ready();
      figures.push(await measure('RedisLimiter', shared, ruleCount, hits, concurrency));
      await shared.close();
    }
  } finally {
    await redis.close();
  }
  return figures;
}

export function printLimiterFigures(figures: LimiterFigures[], hits: number, concurrency: number): void {
  console.log(`\nlimiter hit(): ${hits} hits per run, ${concurrency} concurrent callers, ${cpus().length} cores\n`);
  console.log('limiter          rules    hits/s   p50 ms   p99 ms');
  for (const f of figures) {
    console.log(`${f.name.padEnd(16)} ${String(f.rules).padStart(5)} ${f.hitsPerSecond.toFixed(0).padStart(9)} ${f.p50Ms.toFixed(3).padStart(8)} ${f.p99Ms.toFixed(3).padStart(8)}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const hits = Number(process.env.BENCH_LIMITER_HITS ?? 50_000);
  const concurrency = Number(process.env.BENCH_LIMITER_CONCURRENCY ?? 50);
  printLimiterFigures(await benchLimiters(hits, concurrency), hits, concurrency);
}
