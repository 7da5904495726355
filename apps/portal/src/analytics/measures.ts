import { quantileOf, SketchBuilder } from './sketch';

/** The columns of a rollup row that `Totals` adds up. */
export interface RollupMeasures {
  requests: number;
  errors: number;
  latencyMsSum: number;
  latencySketch: Buffer;
  ttftSketch: Buffer | null;
  bytesIn: number;
  bytesOut: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costMicroUsd: number;
}

/** What the analytics API reports for a bucket, a series or a top-N row. */
export interface Measures {
  requests: number;
  errors: number;
  /** errors / requests; 0 with no requests. */
  errorRate: number;
  /** Quantiles from the merged DDSketches (within 1% of the exact value); null with no requests. */
  latencyMs: { avg: number | null; p50: number | null; p95: number | null; p99: number | null };
  /** Time to first token of streamed calls; null when there were none. */
  ttftMs: { p50: number | null; p95: number | null };
  bytesIn: number;
  bytesOut: number;
  tokens: { input: number; cacheRead: number; cacheWrite: number; output: number; reasoning: number; total: number };
  costMicroUsd: number;
}

const sumFields = ['requests', 'errors', 'latencyMsSum', 'bytesIn', 'bytesOut', 'inputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'outputTokens', 'reasoningTokens', 'costMicroUsd'] as const;

// Two decimals: finer than a sketch's 1% is noise, and 0.01 ms keeps small latencies within that 1%.
const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

/** Sums rollup rows and merges their sketches; `measures()` reads the result. */
export class Totals {
  private readonly sums = Object.fromEntries(sumFields.map((f) => [f, 0])) as Record<(typeof sumFields)[number], number>;
  private readonly latency = new SketchBuilder();
  private readonly ttft = new SketchBuilder();

  get requests(): number {
    return this.sums.requests;
  }

  add(row: RollupMeasures): void {
    for (const f of sumFields) this.sums[f] += row[f];
    // An unreadable sketch costs only its own quantiles; the sums still count.
    this.latency.addReadable(row.latencySketch);
    this.ttft.addReadable(row.ttftSketch);
  }

  /** Adds another total in: the series folded into "other". */
  merge(other: Totals): void {
    for (const f of sumFields) this.sums[f] += other.sums[f];
    this.latency.merge(other.latency);
    this.ttft.merge(other.ttft);
  }

  measures(): Measures {
    const s = this.sums;
    const latency = this.latency.sketch();
    const ttft = this.ttft.sketch();
    return {
      requests: s.requests,
      errors: s.errors,
      errorRate: s.requests ? s.errors / s.requests : 0,
      latencyMs: {
        avg: s.requests ? round(s.latencyMsSum / s.requests) : null,
        p50: round(quantileOf(latency, 0.5)),
        p95: round(quantileOf(latency, 0.95)),
        p99: round(quantileOf(latency, 0.99)),
      },
      ttftMs: { p50: round(quantileOf(ttft, 0.5)), p95: round(quantileOf(ttft, 0.95)) },
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      tokens: {
        input: s.inputTokens,
        cacheRead: s.cacheReadTokens,
        cacheWrite: s.cacheWriteTokens,
        output: s.outputTokens,
        reasoning: s.reasoningTokens,
        total: s.inputTokens + s.cacheReadTokens + s.cacheWriteTokens + s.outputTokens + s.reasoningTokens,
      },
      costMicroUsd: s.costMicroUsd,
    };
  }
}
