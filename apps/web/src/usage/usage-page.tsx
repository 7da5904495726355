import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, query } from '../api/client';
import { useMyApps } from '../api/apps';
import type { App, AppUsage, Team, Timeseries } from '../api/types';
import { formatCount, formatMs, formatPercent, formatUsd } from '../charts/format';
import { costLines, latencyLines, tokenLines, trafficLines } from '../charts/lines';
import { MeasuresChart } from '../charts/measures';
import { RangePicker, rangeIsValid, useRange, type ResolvedRange } from '../charts/range';
import { SelectField } from '../ui/field';
import { Page } from '../ui/page';
import { StatList } from '../ui/stat-list';
import { DataState, ErrorNote } from '../ui/states';
import { useUrlState } from '../ui/use-url-state';

type Mine = { teams: Team[]; apps: Array<{ app: App; team: Team }> };
/** What the page shows the usage of: one app, or every app of one team (the calls that team made). */
type Scope = { kind: 'app'; app: App } | { kind: 'team'; team: Team; apps: App[] };

/** Usage at /usage: totals and charts of one of my apps, or all of a team's, over a range kept in the URL. */
export function UsagePage() {
  const mine = useMyApps();
  return (
    <Page title="Usage" lead="Requests, errors, latency, tokens and cost of your apps' calls through the gateway.">
      <DataState
        query={mine}
        what="your apps"
        isEmpty={(d) => d.apps.length === 0}
        empty={<>You have no app yet. <Link href="~/apps">Create an app</Link>, subscribe it to a service and call it: its usage shows here.</>}
      >
        {(d) => <Usage mine={d} />}
      </DataState>
    </Page>
  );
}

function Usage({ mine }: { mine: Mine }) {
  const [chosen, setChosen] = useUrlState(['app', 'team'] as const);
  const range = useRange('24h');
  const teamsWithApps = mine.teams.filter((t) => mine.apps.some((a) => a.team.id === t.id));
  const appsOf = (teamId: string) => mine.apps.filter((a) => a.team.id === teamId).map((a) => a.app);
  let scope: Scope | null = null;
  if (chosen.app) {
    const app = mine.apps.find((a) => a.app.id === chosen.app)?.app;
    if (app) scope = { kind: 'app', app };
  } else {
    const team = teamsWithApps.find((t) => t.id === chosen.team) ?? (chosen.team ? undefined : teamsWithApps[0]);
    if (team) scope = { kind: 'team', team, apps: appsOf(team.id) };
  }
  const value = scope?.kind === 'app' ? `app:${scope.app.id}` : scope ? `team:${scope.team.id}` : '';
  const choose = (v: string) => {
    const [kind, id] = v.split(':') as [string, string];
    setChosen(kind === 'app' ? { app: id, team: null } : { team: id, app: null });
  };
  return (
    <>
      <div className="toolbar">
        <SelectField label="Apps" value={value} onChange={(e) => choose(e.target.value)}>
          {value === '' ? <option value="">Choose apps…</option> : null}
          {teamsWithApps.map((t) => (
            <optgroup key={t.id} label={t.name}>
              <option value={`team:${t.id}`}>{teamsWithApps.length === 1 ? 'All my apps' : `All apps of ${t.name}`}</option>
              {appsOf(t.id).map((app) => (
                <option key={app.id} value={`app:${app.id}`}>{app.name}</option>
              ))}
            </optgroup>
          ))}
        </SelectField>
        <RangePicker range={range} />
      </div>
      {!scope ? (
        <ErrorNote error={new Error('None of your apps has the id in this address; choose one of yours above')} title="Unknown app" />
      ) : rangeIsValid(range.resolved) ? (
        <UsageOf scope={scope} range={range.resolved} />
      ) : null}
    </>
  );
}

const sumTotals = (all: Array<AppUsage['totals']>): AppUsage['totals'] =>
  all.reduce((sum, t) => Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, v + t[k as keyof typeof t]])) as AppUsage['totals']);

function UsageOf({ scope, range }: { scope: Scope; range: ResolvedRange }) {
  const apps = scope.kind === 'app' ? [scope.app] : scope.apps;
  const span = { from: range.from, to: range.to };
  // The portal totals one app at a time; a team's are the sum of its apps'.
  const totals = useQuery({
    queryKey: ['usage', apps.map((a) => a.id), span],
    queryFn: async () => sumTotals((await Promise.all(apps.map((a) => api.get<AppUsage>(`/api/apps/${a.id}/usage${query(span)}`)))).map((u) => u.totals)),
    placeholderData: (previous) => previous,
  });
  const filter = scope.kind === 'app' ? { appId: scope.app.id } : { teamId: scope.team.id };
  const series = useQuery({
    queryKey: ['analytics-timeseries', filter, span],
    queryFn: () => api.get<Timeseries>(`/api/analytics/timeseries${query({ ...filter, ...span })}`),
    placeholderData: (previous) => previous,
  });
  const overall = series.data?.series[0];
  return (
    <>
      <h2 className="visually-hidden">Totals</h2>
      <DataState query={totals} what="the totals">
        {(t) => {
          const tokens = t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens + t.outputTokens + t.reasoningTokens;
          return (
            <StatList
              stats={[
                { label: 'Requests', value: formatCount(t.requests) },
                { label: 'Errors', value: formatCount(t.errors), detail: t.requests ? `${formatPercent(t.errors / t.requests)} of requests` : 'no requests' },
                { label: 'Latency p50', value: overall ? formatMs(overall.totals.latencyMs.p50) : '…' },
                { label: 'Latency p95', value: overall ? formatMs(overall.totals.latencyMs.p95) : '…' },
                {
                  label: 'Tokens',
                  value: formatCount(tokens),
                  detail: `${formatCount(t.inputTokens)} in · ${formatCount(t.cacheReadTokens + t.cacheWriteTokens)} cached · ${formatCount(t.outputTokens)} out · ${formatCount(t.reasoningTokens)} reasoning`,
                },
                { label: 'Cost', value: formatUsd(t.costMicroUsd) },
              ]}
            />
          );
        }}
      </DataState>
      <h2>Over time</h2>
      <DataState query={series} what="the charts" isEmpty={(d) => (d.series[0]?.totals.requests ?? 0) === 0} empty="No calls in this range.">
        {(d) => (
          <>
            <p className="muted">One point per {d.interval}, in your time zone.</p>
            <div className="chart-grid">
              <MeasuresChart title="Requests and errors" series={d.series[0]!} lines={trafficLines} format={formatCount} summary="sum" />
              <MeasuresChart title="Latency" series={d.series[0]!} lines={latencyLines} format={formatMs} summary="peak" />
              <MeasuresChart title="Tokens by kind" series={d.series[0]!} lines={tokenLines} format={formatCount} summary="sum" />
              <MeasuresChart title="Cost" series={d.series[0]!} lines={costLines} format={formatUsd} summary="sum" />
            </div>
          </>
        )}
      </DataState>
    </>
  );
}
