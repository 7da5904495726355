import { useEffect, useId, useRef, useState } from 'react';
import uPlot from 'uplot';
// Imported here, so the chart's styles arrive with the lazy chunk that draws a chart, never on the first page.
import 'uplot/dist/uPlot.min.css';
import { formatShortTime } from './format';

export interface ChartSeries {
  label: string;
  /** One value per time in `times`; null where there is nothing to draw (a quantile with no calls). */
  values: Array<number | null>;
}

/** 'sum': the legend and summary give each series' total (requests, tokens); 'peak': its highest (latency). */
export type SeriesSummary = 'sum' | 'peak';

// Eleven colours (ten groups and "other"), each readable on its scheme's background; the legend names them too.
const palettes = {
  light: ['#0b5cad', '#b42318', '#1a7f37', '#8a5a00', '#6f42c1', '#0a7f8c', '#c2410c', '#57606a', '#be185d', '#4d7c0f', '#1e3a8a'],
  dark: ['#5aa7ff', '#ff7b72', '#4ac26b', '#d4a72c', '#b392f0', '#39c5cf', '#fb923c', '#9da7b1', '#f472b6', '#a3e635', '#93c5fd'],
};

function useColorScheme(): 'light' | 'dark' {
  const query = '(prefers-color-scheme: dark)';
  const [dark, setDark] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const media = window.matchMedia(query);
    const change = () => setDark(media.matches);
    media.addEventListener('change', change);
    return () => media.removeEventListener('change', change);
  }, []);
  return dark ? 'dark' : 'light';
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** Counts step in whole numbers: an axis of requests never reads 0.2, 0.4 (or, rounded, 0, 0, 1, 1). */
const wholeSteps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2.5e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

/** The value axis as wide as its longest label ($0.0000015 needs more room than 10), measured on the chart's own canvas. */
const labelWidth: uPlot.Axis.Size = (u, values, axisIdx, cycle) => {
  const axis = u.axes[axisIdx]!;
  // uPlot asks again while it settles the layout; the first answer stands.
  if (cycle > 1) return (axis as unknown as { _size: number })._size;
  const longest = (values ?? []).reduce((a, v) => (v.length > a.length ? v : a), '');
  u.ctx.font = String((axis.font as unknown as string[] | undefined)?.[0] ?? '12px sans-serif');
  return Math.ceil(u.ctx.measureText(longest).width / devicePixelRatio) + 16;
};

function summarise(values: Array<number | null>, times: number[], kind: SeriesSummary, format: (v: number) => string): string {
  let peak = -Infinity;
  let at = -1;
  let sum = 0;
  values.forEach((v, i) => {
    if (v === null) return;
    sum += v;
    if (v > peak) [peak, at] = [v, i];
  });
  if (at < 0) return 'no data';
  if (peak <= 0 && kind === 'sum') return `total ${format(0)}`;
  const peakText = `peak ${format(peak)} at ${formatShortTime(times[at]!)}`;
  return kind === 'sum' ? `total ${format(sum)}, ${peakText}` : peakText;
}

/**
 * A time series chart on uPlot: a legend that follows the cursor, a summary for screen readers (role="img"),
 * a data table to open instead of reading the picture, the container's width (it redraws when that
 * changes) and the page's light or dark palette. Times are epoch milliseconds.
 */
export function TimeChart({ title, times, series, format, summary = 'sum', height = 220 }: {
  title: string;
  times: number[];
  series: ChartSeries[];
  format: (v: number) => string;
  summary?: SeriesSummary;
  height?: number;
}) {
  const holder = useRef<HTMLDivElement>(null);
  const scheme = useColorScheme();
  const [cursor, setCursor] = useState<number | null>(null);
  const [tableOpen, setTableOpen] = useState(false);
  const titleId = useId();
  const palette = palettes[scheme];
  // The latest formatter without redrawing the chart when a caller passes a new function each render.
  const formatRef = useRef(format);
  formatRef.current = format;

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const text = cssVar('--muted') || '#57606a';
    const grid = cssVar('--border') || '#d0d7de';
    const axis = (values?: uPlot.Axis['values']): uPlot.Axis => ({ stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, values, font: '12px system-ui, sans-serif' });
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      ms: 1,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        axis(),
        {
          ...axis((_u, splits) => splits.map((v) => formatRef.current(v))),
          size: labelWidth,
          ...(series.every((s) => s.values.every((v) => v === null || Number.isInteger(v))) ? { incrs: wholeSteps } : {}),
        },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: palette[i % palette.length],
          width: 2,
          // Dots where a line alone would hide values: few buckets, or a quantile with gaps (a lone value between empty buckets draws no line).
          points: { show: times.length <= 31 || s.values.some((v) => v === null), size: 5 },
        })),
      ],
      hooks: { setCursor: [(u: uPlot) => setCursor(u.cursor.idx ?? null)] },
    };
    const chart = new uPlot(opts, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(el.clientWidth, 200), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [times, series, height, palette]);

  const described = series.map((s) => `${s.label}: ${summarise(s.values, times, summary, format)}`).join('; ');
  const range = times.length ? ` from ${formatShortTime(times[0]!)} to ${formatShortTime(times[times.length - 1]!)}` : '';
  return (
    <figure className="chart card" aria-labelledby={titleId}>
      <figcaption id={titleId} className="chart-title">{title}</figcaption>
      <div ref={holder} className="chart-canvas" role="img" aria-label={`${title}${range}. ${described}.`} style={{ minHeight: height }} />
      <ul className="chart-legend" aria-label={`Legend of ${title}`}>
        {series.map((s, i) => {
          const value = cursor === null ? null : s.values[cursor];
          return (
            <li key={i}>
              <span className="chart-swatch" style={{ background: palette[i % palette.length] }} aria-hidden="true" />
              <span className="chart-label">{s.label}</span>{' '}
              <span className="muted">{cursor === null ? summarise(s.values, times, summary, format) : value === null || value === undefined ? '–' : format(value)}</span>
            </li>
          );
        })}
        {cursor !== null && times[cursor] !== undefined ? <li className="muted">at {formatShortTime(times[cursor]!)}</li> : null}
      </ul>
      <details className="chart-data" onToggle={(e) => setTableOpen((e.target as HTMLDetailsElement).open)}>
        <summary>Data table</summary>
        {tableOpen ? (
          // Focusable, so the scrolled table can be read by keyboard too.
          <div className="table-wrap" tabIndex={0} role="region" aria-label={`Data of ${title}`}>
            <table>
              <caption className="visually-hidden">{title}</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  {series.map((s, j) => <th key={j} scope="col">{s.label}</th>)}
                </tr>
              </thead>
              <tbody>
                {times.map((t, i) => (
                  <tr key={t}>
                    <th scope="row">{formatShortTime(t)}</th>
                    {series.map((s, j) => <td key={j}>{s.values[i] === null || s.values[i] === undefined ? '–' : format(s.values[i]!)}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </details>
    </figure>
  );
}
