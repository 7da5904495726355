import type { TimeseriesSeries } from '../api/types';

type Point = TimeseriesSeries['points'][number];
export type Line = { label: string; pick: (p: Point) => number | null };

/** The multi-line charts the usage and analytics pages draw of one series (module constants: a chart redraws on new data only). */
export const trafficLines: Line[] = [
  { label: 'Requests', pick: (p) => p.requests },
  { label: 'Errors', pick: (p) => p.errors },
];
export const latencyLines: Line[] = [
  { label: 'p50', pick: (p) => p.latencyMs.p50 },
  { label: 'p95', pick: (p) => p.latencyMs.p95 },
];
export const percentileLines: Line[] = [...latencyLines, { label: 'p99', pick: (p) => p.latencyMs.p99 }];
export const costLines: Line[] = [{ label: 'Cost', pick: (p) => p.costMicroUsd }];
/** Tokens by kind, the five the gateway meters. */
export const tokenLines: Line[] = [
  { label: 'Input', pick: (p) => p.tokens.input },
  { label: 'Cached read', pick: (p) => p.tokens.cacheRead },
  { label: 'Cached write', pick: (p) => p.tokens.cacheWrite },
  { label: 'Output', pick: (p) => p.tokens.output },
  { label: 'Reasoning', pick: (p) => p.tokens.reasoning },
];
