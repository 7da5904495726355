import { useState } from 'react';
import type { Subscription } from '../api/types';
import { Page } from '../ui/page';
import { DataState } from '../ui/states';
import { SelectField, TextField } from '../ui/field';
import { useUrlState } from '../ui/use-url-state';
import { DecisionDialog, type Decision } from './decision-dialog';
import { useQueuePages } from './queue-data';
import { useDecidedServices } from '../api/my-services';
import { Pager } from '../ui/pager';
import { SubscriptionTable } from './subscription-table';
import { QueueTabs } from './tabs';

/** Who may call each service now (approved) or is on hold (paused): pause, resume or revoke from here. */
export function SubscribersPage() {
  const [filters, setFilters] = useUrlState(['state', 'service', 'q'] as const);
  const state = filters.state === 'paused' ? 'paused' : 'approved';
  const { services } = useDecidedServices();
  const { page, pageNumber, next, previous } = useQueuePages({ state, serviceId: filters.service || undefined, q: filters.q.trim() || undefined });
  const [decision, setDecision] = useState<Decision | null>(null);
  return (
    <Page title="Subscribers" lead="Apps with working (or paused) subscriptions to your services, by service.">
      <QueueTabs />
      <form className="toolbar queue-filters" role="search" aria-label="Filter the subscribers" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="State" value={state} onChange={(e) => setFilters({ state: e.target.value === 'approved' ? null : e.target.value })}>
          <option value="approved">approved</option>
          <option value="paused">paused</option>
        </SelectField>
        <SelectField label="Service" value={filters.service} onChange={(e) => setFilters({ service: e.target.value })}>
          <option value="">All services</option>
          {services.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </SelectField>
        <TextField label="Search" type="search" value={filters.q} onChange={(e) => setFilters({ q: e.target.value })} placeholder="App, team or note" />
      </form>
      <DataState query={page} what="the subscribers" isEmpty={(d) => d.subscriptions.length === 0} empty={`No ${state} subscription${filters.service || filters.q ? ' matches these filters' : ' yet'}.`}>
        {(d) => (
          <>
            {byService(d.subscriptions).map(([service, rows]) => (
              <section key={service.id} className="subscriber-group" aria-labelledby={`svc-${service.id}`}>
                <h2 id={`svc-${service.id}`}>{service.name} <span className="muted">({rows.length} on this page)</span></h2>
                <SubscriptionTable rows={rows} caption={`Subscribers of ${service.name}`} onAction={(subscription, action) => setDecision({ subscription, action })} />
              </section>
            ))}
            <Pager pageNumber={pageNumber} shown={d.subscriptions.length} previous={previous} next={next} />
          </>
        )}
      </DataState>
      <DecisionDialog decision={decision} onClose={() => setDecision(null)} />
    </Page>
  );
}

function byService(rows: Subscription[]): Array<[Subscription['service'], Subscription[]]> {
  const groups = new Map<string, [Subscription['service'], Subscription[]]>();
  for (const r of rows) {
    const group = groups.get(r.service.id) ?? [r.service, []];
    group[1].push(r);
    groups.set(r.service.id, group);
  }
  return [...groups.values()].sort((a, b) => a[0].name.localeCompare(b[0].name));
}
