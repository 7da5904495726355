import { useQuery } from '@tanstack/react-query';
import { api, query } from '../api/client';
import type { AnalyticsDimension, AnalyticsMetric, AnalyticsTop, Timeseries } from '../api/types';
import { formatCount, formatMs, formatPercent, formatUsd } from '../charts/format';
import { percentileLines, tokenLines } from '../charts/lines';
import { GroupedChart, MeasuresChart } from '../charts/measures';
import { RangePicker, rangeIsValid, useRange, type ResolvedRange } from '../charts/range';
import { SelectField } from '../ui/field';
import { Page } from '../ui/page';
import { StatList } from '../ui/stat-list';
import { DataState } from '../ui/states';
import { useUrlState } from '../ui/use-url-state';

/** What the platform's traffic can be grouped by, as the API names it, and how the page says it. */
const dimensions: Array<{ value: AnalyticsDimension; label: string; plural: string }> = [
  { value: 'service', label: 'Service', plural: 'services' },
  { value: 'team', label: 'Team', plural: 'teams' },
  { value: 'app', label: 'App', plural: 'apps' },
  { value: 'model', label: 'Model', plural: 'models' },
  { value: 'api', label: 'API', plural: 'APIs' },
  { value: 'statusClass', label: 'Status class', plural: 'status classes' },
];
const rankings: Array<{ value: AnalyticsMetric; label: string }> = [
  { value: 'requests', label: 'Requests' },
  { value: 'errors', label: 'Errors' },
  { value: 'latencyP95', label: 'Latency p95' },
  { value: 'tokens', label: 'Tokens' },
  { value: 'cost', label: 'Cost' },
];

/** The platform's analytics at /admin/analytics: traffic over a range, grouped by the dimension in the URL, and top lists. */
export function AnalyticsPage() {
  const [state, setState] = useUrlState(['groupBy', 'rank'] as const);
  const range = useRange('24h');
  const groupBy = dimensions.find((d) => d.value === state.groupBy) ?? dimensions[0]!;
  const rank = rankings.find((r) => r.value === state.rank) ?? rankings[0]!;
  return (
    <Page title="Analytics" lead="Traffic, errors, latency, tokens and cost across the platform.">
      <div className="toolbar">
        <SelectField label="Group by" value={groupBy.value} onChange={(e) => setState({ groupBy: e.target.value })}>
          {dimensions.map((d) => <option key={d.value} value={d.value}>{d.label}</option>)}
        </SelectField>
        <SelectField label="Rank top list by" value={rank.value} onChange={(e) => setState({ rank: e.target.value })}>
          {rankings.map((r) => <option key={r.value} value={r.value}>{r.label}</option>)}
        </SelectField>
        <RangePicker range={range} />
      </div>
      {rangeIsValid(range.resolved) ? <Dashboard range={range.resolved} groupBy={groupBy} rank={rank} /> : null}
    </Page>
  );
}

function Dashboard({ range, groupBy, rank }: { range: ResolvedRange; groupBy: (typeof dimensions)[number]; rank: (typeof rankings)[number] }) {
  const span = { from: range.from, to: range.to };
  const timeseries = (params: Record<string, string | number | undefined>) => ({
    queryKey: ['analytics-timeseries', params],
    queryFn: () => api.get<Timeseries>(`/api/analytics/timeseries${query(params)}`),
    placeholderData: (previous: Timeseries | undefined) => previous,
  });
  const overall = useQuery(timeseries(span));
  const grouped = useQuery(timeseries({ ...span, groupBy: groupBy.value }));
  const top = useQuery({
    queryKey: ['analytics-top', span, groupBy.value, rank.value],
    queryFn: () => api.get<AnalyticsTop>(`/api/analytics/top${query({ ...span, dimension: groupBy.value, metric: rank.value })}`),
    placeholderData: (previous) => previous,
  });
  return (
    <>
      <DataState query={overall} what="the totals">
        {(d) => {
          const t = d.series[0]!.totals;
          return (
            <>
              <StatList
                stats={[
                  { label: 'Requests', value: formatCount(t.requests) },
                  { label: 'Errors', value: formatCount(t.errors), detail: `${formatPercent(t.errorRate)} of requests` },
                  { label: 'Latency p50', value: formatMs(t.latencyMs.p50) },
                  { label: 'Latency p95', value: formatMs(t.latencyMs.p95), detail: `p99 ${formatMs(t.latencyMs.p99)}` },
                  { label: 'Tokens', value: formatCount(t.tokens.total), detail: `${formatCount(t.tokens.input)} in · ${formatCount(t.tokens.output)} out` },
                  { label: 'Cost', value: formatUsd(t.costMicroUsd) },
                ]}
              />
            </>
          );
        }}
      </DataState>
      <h2>By {groupBy.label.toLowerCase()}</h2>
      <DataState query={grouped} what={`traffic by ${groupBy.label.toLowerCase()}`} isEmpty={(d) => d.series.length === 0} empty="No calls in this range.">
        {(d) => (
          <>
            <p className="muted">One point per {d.interval}, in your time zone; the {groupBy.plural} with the most requests, the rest as “Other”.</p>
            <div className="chart-grid">
              <GroupedChart answer={d} measure="requests" by={groupBy.label.toLowerCase()} />
              <GroupedChart answer={d} measure="errors" by={groupBy.label.toLowerCase()} />
              <GroupedChart answer={d} measure="latencyP95" by={groupBy.label.toLowerCase()} />
              <GroupedChart answer={d} measure="tokens" by={groupBy.label.toLowerCase()} />
              <GroupedChart answer={d} measure="cost" by={groupBy.label.toLowerCase()} />
            </div>
          </>
        )}
      </DataState>
      <h2>Top {groupBy.plural} by {rank.label.toLowerCase()}</h2>
      <DataState query={top} what="the top list" isEmpty={(d) => d.rows.length === 0} empty="No calls in this range.">
        {(d) => <TopTable top={d} label={groupBy.label} />}
      </DataState>
      {overall.data && overall.data.series[0]!.totals.requests > 0 ? (
        <>
          <h2>The whole platform</h2>
          <div className="chart-grid">
            <MeasuresChart title="Latency percentiles" series={overall.data.series[0]!} lines={percentileLines} format={formatMs} summary="peak" />
            <MeasuresChart title="Tokens by kind" series={overall.data.series[0]!} lines={tokenLines} format={formatCount} summary="sum" />
          </div>
        </>
      ) : null}
    </>
  );
}

function TopTable({ top, label }: { top: AnalyticsTop; label: string }) {
  return (
    // Focusable: on a narrow screen the table scrolls sideways, and a keyboard must be able to scroll it.
    <div className="table-wrap top-table" tabIndex={0} role="region" aria-label={`Top ${label.toLowerCase()} values`}>
      <table>
        <caption className="visually-hidden">Top {label.toLowerCase()} values</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{label}</th>
            <th scope="col">Requests</th>
            <th scope="col">Errors</th>
            <th scope="col">Latency p50 / p95</th>
            <th scope="col">Tokens</th>
            <th scope="col">Cost</th>
          </tr>
        </thead>
        <tbody>
          {top.rows.map((r, i) => (
            <tr key={r.value ?? ''}>
              <td>{i + 1}</td>
              <th scope="row">
                {r.name ?? r.value ?? <span className="muted">(none)</span>}
                {r.name && r.value ? <div className="muted"><code>{r.value}</code></div> : null}
              </th>
              <td>{formatCount(r.requests)}</td>
              <td>{formatCount(r.errors)} <span className="muted">({formatPercent(r.errorRate)})</span></td>
              <td>{formatMs(r.latencyMs.p50)} / {formatMs(r.latencyMs.p95)}</td>
              <td>{formatCount(r.tokens.total)}</td>
              <td>{formatUsd(r.costMicroUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
