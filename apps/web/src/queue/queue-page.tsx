import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { useDecidedServices } from '../api/my-services';
import type { BulkDecision, BulkDecisionInput, Subscription, Team } from '../api/types';
import { Page } from '../ui/page';
import { DataState, ErrorNote } from '../ui/states';
import { SelectField, TextArea, TextField } from '../ui/field';
import { useUrlState } from '../ui/use-url-state';
import { DecisionDialog, type Decision } from './decision-dialog';
import { publisherActions, subscriptionStates, usePatchSubscriptions, useQueuePages } from './queue-data';
import { Pager } from '../ui/pager';
import { SubscriptionTable, type RowResult } from './subscription-table';
import { QueueTabs } from './tabs';

/**
 * The approval queue: subscription requests to the services the user decides on, filtered in the URL, one
 * page of 50 at a time; one decision per row or a bulk approve/reject with each row's own result beside it.
 */
export function QueuePage() {
  const [filters, setFilters] = useUrlState(['state', 'service', 'team', 'q'] as const);
  // Pending is what a queue is for; `all` lifts the state filter.
  const state = filters.state || 'pending';
  const { services, platformWide } = useDecidedServices();
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => api.get<{ teams: Team[] }>('/api/teams'), enabled: platformWide });
  const { page, pageNumber, next, previous } = useQueuePages({
    state: state === 'all' ? undefined : state,
    serviceId: filters.service || undefined,
    appTeamId: filters.team || undefined,
    q: filters.q.trim() || undefined,
  });
  const [decision, setDecision] = useState<Decision | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [results, setResults] = useState<Map<string, RowResult>>(new Map());
  const rows = page.data?.subscriptions ?? [];
  return (
    <Page title="Approval queue" lead={platformWide ? 'Subscription requests to every team’s services (you are a platform admin).' : 'Subscription requests to your teams’ services.'}>
      <QueueTabs />
      <form className="toolbar queue-filters" role="search" aria-label="Filter the queue" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="State" value={state} onChange={(e) => setFilters({ state: e.target.value === 'pending' ? null : e.target.value })}>
          {subscriptionStates.map((s) => <option key={s} value={s}>{s}</option>)}
          <option value="all">any state</option>
        </SelectField>
        <SelectField label="Service" value={filters.service} onChange={(e) => setFilters({ service: e.target.value })}>
          <option value="">All services</option>
          {services.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </SelectField>
        {platformWide ? (
          <SelectField label="Consumer team" value={filters.team} onChange={(e) => setFilters({ team: e.target.value })}>
            <option value="">All teams</option>
            {(teams.data?.teams ?? []).map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
          </SelectField>
        ) : null}
        <TextField label="Search" type="search" value={filters.q} onChange={(e) => setFilters({ q: e.target.value })} placeholder="App, team, service or note" />
      </form>
      <BulkBar
        selected={rows.filter((r) => selected.has(r.id))}
        onDone={(out) => {
          setResults(out);
          setSelected(new Set());
        }}
      />
      <DataState query={page} what="the queue" isEmpty={(d) => d.subscriptions.length === 0} empty={state === 'pending' && !filters.service && !filters.q && !filters.team ? 'Nothing waits for a decision.' : 'No subscription matches these filters.'}>
        {(d) => (
          <>
            <SubscriptionTable
              rows={d.subscriptions}
              caption="Subscription requests"
              results={results}
              onAction={(subscription, action) => setDecision({ subscription, action })}
              selection={{
                selected,
                toggle: (id) => setSelected((old) => toggled(old, [id], !old.has(id))),
                toggleAll: (ids, on) => setSelected((old) => toggled(old, ids, on)),
              }}
            />
            <Pager pageNumber={pageNumber} shown={d.subscriptions.length} previous={previous} next={next} />
          </>
        )}
      </DataState>
      <DecisionDialog decision={decision} onClose={() => setDecision(null)} />
    </Page>
  );
}

function toggled(old: ReadonlySet<string>, ids: string[], on: boolean): Set<string> {
  const next = new Set(old);
  for (const id of ids) (on ? next.add(id) : next.delete(id));
  return next;
}

/** The portal decides at most 100 per bulk call; more selected rows go in several calls. */
const BULK_MAX = 100;

/** Approve or reject the selected rows with one reason; reports how many worked and marks every row. */
function BulkBar({ selected, onDone }: { selected: Subscription[]; onDone: (results: Map<string, RowResult>) => void }) {
  const [action, setAction] = useState<BulkDecisionInput['action']>('approve');
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const [summary, setSummary] = useState('');
  const patch = usePatchSubscriptions();
  const run = useMutation({
    mutationFn: async () => {
      const ids = selected.map((s) => s.id);
      const answers: BulkDecision[] = [];
      for (let i = 0; i < ids.length; i += BULK_MAX) {
        const body = { action, ids: ids.slice(i, i + BULK_MAX), ...(reason.trim() ? { reason: reason.trim() } : {}) } as BulkDecisionInput;
        answers.push(await api.post<BulkDecision>('/api/subscriptions/bulk', body));
      }
      return answers;
    },
    onSuccess: (answers) => {
      const results = new Map<string, RowResult>();
      const decided: Subscription[] = [];
      for (const r of answers.flatMap((a) => a.results)) {
        if (r.subscription) decided.push(r.subscription);
        results.set(r.id, r.subscription ? { ok: true, text: publisherActions[action].done } : { ok: false, text: r.error?.message ?? `Refused (${r.status})` });
      }
      patch(decided);
      const failed = answers.reduce((n, a) => n + a.failed, 0);
      setSummary(`${publisherActions[action].done} ${decided.length} of ${results.size}${failed ? `; ${failed} refused (see each row)` : ''}.`);
      onDone(results);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (publisherActions[action].reasonRequired && !reason.trim()) return setMissing(true);
    run.mutate();
  };
  return (
    <form className="card bulk-bar" aria-label="Bulk decision" onSubmit={submit}>
      <p className="bulk-count"><strong>{selected.length}</strong> selected</p>
      <SelectField label="Bulk action" value={action} onChange={(e) => setAction(e.target.value as BulkDecisionInput['action'])}>
        <option value="approve">Approve</option>
        <option value="reject">Reject</option>
      </SelectField>
      <TextArea
        label={publisherActions[action].reasonRequired ? 'Reason for all (required)' : 'Reason for all (optional)'}
        rows={1}
        value={reason}
        maxLength={2000}
        onChange={(e) => {
          setReason(e.target.value);
          setMissing(false);
        }}
        error={missing ? 'Give a reason: the consumers see it.' : undefined}
      />
      <button type="submit" className="button" disabled={selected.length === 0 || run.isPending}>
        {run.isPending ? 'Working…' : `${publisherActions[action].label} selected`}
      </button>
      {run.isError ? <ErrorNote error={run.error} title="The bulk decision failed" /> : null}
      <p role="status" className="bulk-summary">{summary}</p>
    </form>
  );
}
