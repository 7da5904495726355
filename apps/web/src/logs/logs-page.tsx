import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearch } from 'wouter';
import { api, ApiError, query } from '../api/client';
import { useMyApps } from '../api/apps';
import type { CallRecordPage } from '../api/types';
import { formatCount, formatDateTime, formatMs, formatUsd } from '../charts/format';
import { RangePicker, rangeIsValid } from '../charts/range';
import { SelectField, TextField } from '../ui/field';
import { Page } from '../ui/page';
import { DataState } from '../ui/states';
import { ExportPanel } from './export-panel';
import { checkFilters, filterKeys, filterLabels, moreFilterKeys, useLogQuery, type FilterKey, type Filters } from './filters';
import { useNames, useVisibleServices } from './names';
import { usePageStack } from './page-stack';
import { StatusBadge } from './status-badge';

const pageSizes = ['10', '25', '50', '100', '200'];

/**
 * The call log explorer at /logs: the API's filters in the URL, one page of records at a time (at most 200
 * rows in the DOM however many records match), paged by the API's cursor.
 */
export function LogsPage() {
  const search = useSearch();
  const log = useLogQuery();
  const { params, limit, cursor, setFilters, range } = log;
  const valid = rangeIsValid(range.resolved);
  const records = useQuery({
    queryKey: ['call-records', params, limit, cursor],
    queryFn: () => api.get<CallRecordPage>(`/api/call-records${query({ ...params, limit, cursor })}`),
    enabled: valid,
    placeholderData: (previous) => previous,
  });
  // The address's words, not the instants: "last hour" stays the same list of pages as its minutes pass.
  const pages = usePageStack(JSON.stringify([log.filters, range.state, limit]));
  // A new range (picked outside the filter form) starts again from the newest record.
  const rangeKey = `${range.state.range}|${range.state.from}|${range.state.to}`;
  const lastRange = useRef(rangeKey);
  useEffect(() => {
    if (lastRange.current !== rangeKey && cursor) setFilters({ cursor: null });
    lastRange.current = rangeKey;
  }, [rangeKey, cursor, setFilters]);
  const apiError = records.error instanceof ApiError ? records.error : null;
  return (
    <Page title="Call logs" lead="Every call your apps made through the gateway, and every call to your team's services, newest first.">
      {/* Keyed by the applied filters: going back or opening a shared link shows them in the form, while a
          new range (applied at once) keeps what was typed and not yet applied. */}
      <FilterForm key={JSON.stringify(log.filters)} filters={log.filters} apiError={apiError} onApply={(f) => setFilters({ ...f, cursor: null })}>
        <RangePicker range={range} allowAny />
      </FilterForm>
      <ExportPanel params={params} disabled={!valid} />
      <DataState query={records} what="call records" isEmpty={(d) => d.records.length === 0} empty={cursor ? 'No more records.' : 'No call matches these filters.'}>
        {(d) => (
          <>
            <RecordTable page={d} search={search} />
            <nav className="pager" aria-label="Pages of call records">
              <button type="button" className="button button-secondary" disabled={!cursor} onClick={() => setFilters({ cursor: pages.back() ?? null })}>
                Previous page
              </button>
              <button type="button" className="button button-secondary" disabled={!cursor} onClick={() => { pages.reset(); setFilters({ cursor: null }); }}>
                Newest
              </button>
              <button type="button" className="button button-secondary" disabled={!d.nextCursor} onClick={() => { pages.push(cursor); setFilters({ cursor: d.nextCursor }); }}>
                Next page
              </button>
              <span className="muted" role="status">
                {records.isFetching ? 'Loading…' : `${cursor && pages.depth() === 0 ? 'A later page' : `Page ${pages.depth() + 1}`}: ${d.records.length} record${d.records.length === 1 ? '' : 's'}${d.nextCursor ? ', more after these' : ', the last page'}`}
              </span>
              <SelectField label="Per page" value={limit} onChange={(e) => { pages.reset(); setFilters({ limit: e.target.value === '50' ? null : e.target.value, cursor: null }); }}>
                {pageSizes.map((s) => <option key={s} value={s}>{s}</option>)}
              </SelectField>
            </nav>
          </>
        )}
      </DataState>
    </Page>
  );
}

function FilterForm({ filters, apiError, onApply, children }: { filters: Filters; apiError: ApiError | null; onApply: (f: Filters) => void; children: ReactNode }) {
  const [draft, setDraft] = useState(filters);
  const [problems, setProblems] = useState<Partial<Record<FilterKey, string>>>({});
  const mine = useMyApps();
  const services = useVisibleServices();
  const set = (key: FilterKey, value: string) => setDraft({ ...draft, [key]: value });
  const errorOf = (key: FilterKey) => problems[key] ?? apiError?.fieldMessage(key);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = checkFilters(draft);
    setProblems(found);
    if (Object.keys(found).length === 0) onApply(draft);
  };
  const text = (key: FilterKey, hint?: string) => (
    <TextField key={key} label={filterLabels[key]} value={draft[key]} onChange={(e) => set(key, e.target.value.trim())} error={errorOf(key)} hint={hint} />
  );
  const clear = Object.fromEntries(filterKeys.map((k) => [k, ''])) as Filters;
  return (
    <form className="filters card" onSubmit={submit} aria-label="Filter call records">
      <div className="filter-grid">
        <SelectField label="App" value={draft.appId} onChange={(e) => set('appId', e.target.value)} error={errorOf('appId')}>
          <option value="">All apps</option>
          {(mine.data?.apps ?? []).map(({ app, team }) => (
            <option key={app.id} value={app.id}>{mine.data!.teams.length > 1 ? `${app.name} (${team.name})` : app.name}</option>
          ))}
          {draft.appId && !mine.data?.apps.some((a) => a.app.id === draft.appId) ? <option value={draft.appId}>{draft.appId}</option> : null}
        </SelectField>
        <SelectField label="Service" value={draft.serviceId} onChange={(e) => set('serviceId', e.target.value)} error={errorOf('serviceId')}>
          <option value="">All services</option>
          {(services.data?.services ?? []).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          {draft.serviceId && !services.data?.services.some((s) => s.id === draft.serviceId) ? <option value={draft.serviceId}>{draft.serviceId}</option> : null}
        </SelectField>
        {text('status', 'A code (429) or a class (5xx).')}
        {text('model')}
        {children}
        <label className="check filter-check">
          <input type="checkbox" checked={draft.failed === 'true'} onChange={(e) => set('failed', e.target.checked ? 'true' : '')} /> Errors only
        </label>
      </div>
      <details className="more-filters" open={moreFilterKeys.some((k) => filters[k]) || undefined}>
        <summary>More filters</summary>
        <div className="filter-grid">
          {text('api', 'An endpoint such as /v1/chat/completions, or prompt:<id>.')}
          {text('route', 'A REST API’s path template, such as /pets/{id}.')}
          {text('upstream', 'The upstream that served a REST call, such as canary.')}
          {text('keyPrefix', 'The start of a key’s visible prefix.')}
          {text('requestId')}
        </div>
      </details>
      <div className="form-actions">
        <button type="submit" className="button">Apply filters</button>
        <button type="button" className="button button-secondary" onClick={() => { setDraft(clear); setProblems({}); onApply(clear); }}>Clear filters</button>
      </div>
    </form>
  );
}

function RecordTable({ page, search }: { page: CallRecordPage; search: string }) {
  const names = useNames();
  return (
    <div className="table-wrap">
      <table className="record-table">
        <caption className="visually-hidden">Call records, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Status</th>
            <th scope="col">App</th>
            <th scope="col">Service</th>
            <th scope="col">Model or API</th>
            <th scope="col">Latency</th>
            <th scope="col">Tokens</th>
            <th scope="col">Cost</th>
          </tr>
        </thead>
        <tbody>
          {page.records.map((r) => (
            <tr key={r.id}>
              <td>
                <Link href={`/${encodeURIComponent(r.id)}${search ? `?${search}` : ''}`}>{formatDateTime(r.startedAt)}</Link>
              </td>
              <td><StatusBadge status={r.status} failed={r.failed} /></td>
              <td>{names.app(r.appId)}</td>
              <td>{names.service(r.serviceId)}</td>
              <td>{r.model ?? r.api ?? r.path}</td>
              <td>{formatMs(r.latencyMs)}</td>
              <td>{formatCount(r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens + r.outputTokens + r.reasoningTokens)}</td>
              <td>{formatUsd(r.costMicroUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
