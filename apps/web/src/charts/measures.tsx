import { useMemo } from 'react';
import type { Timeseries, TimeseriesSeries } from '../api/types';
import { formatCount, formatMs, formatUsd } from './format';
import { TimeChart, type ChartSeries, type SeriesSummary } from './time-chart';
import type { Line } from './lines';

type Point = TimeseriesSeries['points'][number];

interface Measure {
  title: string;
  pick: (p: Point) => number | null;
  format: (v: number) => string;
  summary: SeriesSummary;
}

/** The measures a chart can show of each series of a timeseries answer. */
export const measures = {
  requests: { title: 'Requests', pick: (p) => p.requests, format: formatCount, summary: 'sum' },
  errors: { title: 'Errors', pick: (p) => p.errors, format: formatCount, summary: 'sum' },
  latencyP95: { title: 'Latency p95', pick: (p) => p.latencyMs.p95, format: formatMs, summary: 'peak' },
  tokens: { title: 'Tokens', pick: (p) => p.tokens.total, format: formatCount, summary: 'sum' },
  cost: { title: 'Cost', pick: (p) => p.costMicroUsd, format: formatUsd, summary: 'sum' },
} satisfies Record<string, Measure>;

/** How a series of a grouped answer is named: its display name, else its value; calls without one are "(none)". */
export const seriesLabel = (s: TimeseriesSeries) => (s.other ? 'Other' : (s.name ?? s.value ?? '(none)'));

const timesOf = (ts: Timeseries) => ts.series[0]?.points.map((p) => p.t) ?? [];

/**
 * A chart of several measures of one series (p50 and p95 of the traffic, or tokens by kind).
 * Memoised on the answer, so the chart redraws when the data changes, not on every render of the page.
 */
export function MeasuresChart({ title, series, lines, format, summary }: {
  title: string;
  series: TimeseriesSeries;
  lines: Line[];
  format: (v: number) => string;
  summary: SeriesSummary;
}) {
  const times = useMemo(() => series.points.map((p) => p.t), [series]);
  // Callers pass `lines` as a module constant, so only a new answer redraws.
  const data = useMemo<ChartSeries[]>(() => lines.map((l) => ({ label: l.label, values: series.points.map(l.pick) })), [series, lines]);
  return <TimeChart title={title} times={times} series={data} format={format} summary={summary} />;
}

/** One measure across every series of a grouped answer: requests by service, cost by team. */
export function GroupedChart({ answer, measure, by }: { answer: Timeseries; measure: keyof typeof measures; by: string }) {
  const m: Measure = measures[measure];
  const times = useMemo(() => timesOf(answer), [answer]);
  const data = useMemo<ChartSeries[]>(() => answer.series.map((s) => ({ label: seriesLabel(s), values: s.points.map(m.pick) })), [answer, m]);
  return <TimeChart title={`${m.title} by ${by}`} times={times} series={data} format={m.format} summary={m.summary} />;
}
