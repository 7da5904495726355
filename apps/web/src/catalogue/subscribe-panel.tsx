import { useState, type FormEvent } from 'react';
import { useQueries, useQueryClient } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api } from '../api/client';
import type { Plan, Service, Subscription, SubscriptionRequest } from '../api/types';
import { useMyApps } from '../api/apps';
import { CreateAppForm } from '../ui/create-app-form';
import { SelectField, TextArea } from '../ui/field';
import { DataState, ErrorNote } from '../ui/states';
import { StateBadge } from '../ui/badge';
import { useAction } from '../ui/use-action';

const stateWords: Record<string, string> = {
  pending: 'waiting for approval',
  approved: 'approved: calls are let through',
  paused: 'paused by the publisher',
  rejected: 'rejected',
  revoked: 'revoked',
  cancelled: 'cancelled',
};

/** Subscribing one of my apps to a plan of this service, and where my apps stand with it. */
export function SubscribePanel({ service, plans }: { service: Service; plans: Plan[] }) {
  const mine = useMyApps();
  return (
    <section aria-labelledby="subscribe-heading" className="card subscribe-panel">
      <h2 id="subscribe-heading">Subscribe</h2>
      <DataState query={mine} what="your apps">
        {(d) => (
          <>
            <MySubscriptions serviceId={service.id} appIds={d.apps.map((a) => a.app.id)} />
            {service.lifecycle !== 'published' ? (
              <p className="muted">This service is {service.lifecycle}: it takes no new subscriptions.</p>
            ) : d.apps.length === 0 ? (
              <>
                <p>You need an app to subscribe: it holds the keys your code calls with. Create one now.</p>
                <CreateAppForm teams={d.teams} onCreated={() => undefined} submitLabel="Create app" />
              </>
            ) : (
              <SubscribeForm serviceId={service.id} apps={d.apps.map((a) => ({ id: a.app.id, label: `${a.app.name} (${a.team.name})` }))} plans={plans.filter((p) => p.state === 'active')} />
            )}
          </>
        )}
      </DataState>
    </section>
  );
}

function SubscribeForm({ serviceId, apps, plans }: { serviceId: string; apps: Array<{ id: string; label: string }>; plans: Plan[] }) {
  const client = useQueryClient();
  const [appId, setAppId] = useState(apps[0]!.id);
  const [planId, setPlanId] = useState<Plan['id'] | ''>(plans[0]?.id ?? '');
  const [note, setNote] = useState('');
  const [result, setResult] = useState<Subscription | null>(null);
  const { busy, run, fieldError, formError } = useAction();
  if (!plans.length) return <p className="muted">No plan takes subscriptions now.</p>;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    void run(async () => {
      const body: SubscriptionRequest = { planId: planId as Plan['id'], note };
      const { subscription } = await api.post<{ subscription: Subscription }>(`/api/apps/${appId}/subscriptions`, body);
      setResult(subscription);
      setNote('');
      await client.invalidateQueries({ queryKey: ['app-subscriptions', appId] });
    });
  };
  return (
    <form onSubmit={submit} aria-label={`Subscribe to the service`} className="subscribe-form">
      {result ? (
        <div className="note note-good" role="status">
          <strong>{result.app.name}</strong> asked for <strong>{result.plan.name}</strong>: <StateBadge state={result.state} /> {stateWords[result.state] ?? result.state}.
        </div>
      ) : null}
      {formError('planId', 'note') ? <ErrorNote error={formError('planId', 'note')} title="The subscription was not requested" /> : null}
      <SelectField label="App" value={appId} onChange={(e) => setAppId(e.target.value)}>
        {apps.map((a) => (
          <option key={a.id} value={a.id}>{a.label}</option>
        ))}
      </SelectField>
      <SelectField label="Plan" value={planId} onChange={(e) => setPlanId(e.target.value as Plan['id'])} error={fieldError('planId')}>
        {plans.map((p) => (
          <option key={p.id} value={p.id}>{p.name} — {p.approval === 'manual' ? 'needs approval' : 'approved at once'}</option>
        ))}
      </SelectField>
      <TextArea label="Note to the publisher" maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} error={fieldError('note')} hint="What you will use it for, and how much: it helps them approve." />
      <button type="submit" className="button" disabled={busy}>{busy ? 'Requesting…' : 'Request subscription'}</button>
    </form>
  );
}

/** My apps' subscriptions to this service, newest first, so a reload shows where a request stands. */
function MySubscriptions({ serviceId, appIds }: { serviceId: string; appIds: string[] }) {
  const lists = useQueries({
    queries: appIds.map((id) => ({ queryKey: ['app-subscriptions', id], queryFn: () => api.get<{ subscriptions: Subscription[] }>(`/api/apps/${id}/subscriptions`) })),
  });
  const failed = lists.find((l) => l.isError);
  if (failed) return <ErrorNote error={failed.error} title="Could not load your subscriptions" />;
  const subs = lists.flatMap((l) => l.data?.subscriptions ?? []).filter((s) => s.service.id === serviceId);
  if (!subs.length) return null;
  return (
    <>
      <h3>Your apps’ subscriptions</h3>
      <ul className="subscription-list" aria-label="Your apps’ subscriptions">
        {subs.map((s) => (
          <li key={s.id}>
            <Link href={`/apps/${s.app.id}`}>{s.app.name}</Link> on <strong>{s.plan.name}</strong>: <StateBadge state={s.state} /> {stateWords[s.state] ?? s.state}
            {s.decisionReason ? <span className="muted"> — “{s.decisionReason}”</span> : null}
          </li>
        ))}
      </ul>
    </>
  );
}
