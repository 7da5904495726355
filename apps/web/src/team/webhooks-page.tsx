import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import type { Team, Webhook, WebhookCreate, WebhookCreated, WebhookDelivery } from '../api/types';
import { Page } from '../ui/page';
import { DataState, ErrorNote } from '../ui/states';
import { TextField } from '../ui/field';
import { Badge, StateBadge } from '../ui/badge';
import { ConfirmDialog } from '../ui/confirm';
import { CopyButton } from '../ui/copy-button';
import { NotFound } from '../ui/not-found';
import { Table } from '../ui/table';
import { useUrlState } from '../ui/use-url-state';
import { formatTime } from '../ui/format-time';
import { TeamPicker, useManagedTeam } from './team-picker';

type WebhookEvent = NonNullable<WebhookCreate['events']>[number];
/**
 * The events a webhook can listen to (none chosen means all of them), each with what it means. A Record over
 * the portal's own event type: an event added there fails this typecheck until it is described here.
 */
const eventMeanings: Record<WebhookEvent, string> = {
  'subscription.requested': 'an app asks for a subscription',
  'subscription.approved': 'a request is approved',
  'subscription.rejected': 'a request is rejected',
  'subscription.paused': 'a subscription is paused',
  'subscription.resumed': 'a paused subscription is resumed',
  'subscription.revoked': 'a subscription is revoked',
  'subscription.cancelled': 'the consumer cancels',
  'subscription.plan_change_requested': 'an app asks for another plan',
};
const webhookEvents = Object.keys(eventMeanings) as WebhookEvent[];

/** The team's webhooks: create one (its signing secret shown this once), switch it off, delete it, read its deliveries. */
export function WebhooksPage() {
  const [state, setState] = useUrlState(['team', 'webhook'] as const);
  const { teams, managed, team } = useManagedTeam(state.team);
  if (teams.isPending) return <p className="muted" role="status">Loading your teams…</p>;
  if (teams.isError) return <Page title="Webhooks"><ErrorNote error={teams.error} title="Could not load your teams" /></Page>;
  if (!team) return managed.length === 0 && !state.team ? <Page title="Webhooks"><div className="empty">You manage no team, so there is no webhook to set up.</div></Page> : <NotFound />;
  return (
    <Page title="Webhooks" lead={`Where ${team.name} hears about subscription business, signed with a per-webhook secret.`}>
      <TeamPicker managed={managed} value={team.id} onChange={(id) => setState({ team: id, webhook: null })} />
      <WebhookList team={team} open={state.webhook} onOpen={(id) => setState({ webhook: id })} />
      <CreateWebhook team={team} />
    </Page>
  );
}

function WebhookList({ team, open, onOpen }: { team: Team; open: string; onOpen: (id: string | null) => void }) {
  const client = useQueryClient();
  const hooks = useQuery({ queryKey: ['webhooks', team.id], queryFn: () => api.get<{ webhooks: Webhook[] }>(`/api/teams/${team.id}/webhooks`) });
  const refresh = () => client.invalidateQueries({ queryKey: ['webhooks', team.id] });
  const toggle = useMutation({ mutationFn: (w: Webhook) => api.patch(`/api/webhooks/${w.id}`, { active: !w.active }), onSuccess: refresh });
  const [toDelete, setToDelete] = useState<Webhook | null>(null);
  const remove = useMutation({
    mutationFn: (w: Webhook) => api.delete(`/api/webhooks/${w.id}`),
    onSuccess: async (_, w) => {
      setToDelete(null);
      if (open === w.id) onOpen(null);
      await refresh();
    },
  });
  return (
    <section aria-labelledby="hooks-title">
      <h2 id="hooks-title">Webhooks of {team.name}</h2>
      {toggle.isError ? <ErrorNote error={toggle.error} title="Not changed" /> : null}
      <DataState query={hooks} what="the webhooks" isEmpty={(d) => d.webhooks.length === 0} empty="No webhook yet.">
        {(d) => (
          <ul className="webhook-list">
            {d.webhooks.map((w) => (
              <li key={w.id} className="card">
                <div className="webhook-head">
                  <code className="webhook-url">{w.url}</code> {w.active ? <Badge tone="good">active</Badge> : <Badge tone="warn">off</Badge>}
                </div>
                <p className="muted">{w.events.length ? w.events.join(', ') : 'Every event'} · created {formatTime(w.createdAt)}</p>
                <div className="row-actions">
                  <button type="button" className="button button-secondary button-small" aria-expanded={open === w.id} onClick={() => onOpen(open === w.id ? null : w.id)}>
                    {open === w.id ? 'Hide deliveries' : 'Show deliveries'}
                  </button>
                  <button type="button" className="button button-secondary button-small" onClick={() => toggle.mutate(w)} disabled={toggle.isPending}>{w.active ? 'Switch off' : 'Switch on'}</button>
                  <button type="button" className="button button-secondary button-small button-warn" onClick={() => setToDelete(w)}>Delete</button>
                </div>
                {open === w.id ? <Deliveries webhook={w} /> : null}
              </li>
            ))}
          </ul>
        )}
      </DataState>
      <ConfirmDialog open={toDelete !== null} title="Delete this webhook?" confirmLabel="Delete" busy={remove.isPending} onConfirm={() => toDelete && remove.mutate(toDelete)} onCancel={() => { remove.reset(); setToDelete(null); }}>
        <p>{toDelete?.url} stops hearing from Tollgate, and its delivery history goes with it.</p>
        {remove.isError ? <ErrorNote error={remove.error} title="Not deleted" /> : null}
      </ConfirmDialog>
    </section>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const deliveries = useQuery({ queryKey: ['deliveries', webhook.id], queryFn: () => api.get<{ deliveries: WebhookDelivery[] }>(`/api/webhooks/${webhook.id}/deliveries`) });
  return (
    <DataState query={deliveries} what="the deliveries" isEmpty={(d) => d.deliveries.length === 0} empty="Nothing sent yet.">
      {(d) => (
        <Table caption={`Deliveries to ${webhook.url}`} columns={['Event', 'State', 'Attempts', 'Last answer', 'Sent']}>
          {d.deliveries.map((x) => (
            <tr key={x.id}>
              <td><code>{x.event}</code></td>
              <td><StateBadge state={x.state} /></td>
              <td>{x.attempts}</td>
              <td>{x.lastStatus ?? ''} {x.lastError ? <span className="result-error">{x.lastError}</span> : null}</td>
              <td>{formatTime(x.deliveredAt ?? x.createdAt)}</td>
            </tr>
          ))}
        </Table>
      )}
    </DataState>
  );
}

function CreateWebhook({ team }: { team: Team }) {
  const client = useQueryClient();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>([]);
  const [created, setCreated] = useState<WebhookCreated | null>(null);
  const create = useMutation({
    mutationFn: () => api.post<WebhookCreated>(`/api/teams/${team.id}/webhooks`, { url, events } as WebhookCreate),
    onSuccess: async (answer) => {
      setCreated(answer);
      setUrl('');
      setEvents([]);
      await client.invalidateQueries({ queryKey: ['webhooks', team.id] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    create.mutate();
  };
  const field = (p: string) => (create.error instanceof ApiError ? create.error.fieldMessage(p) : undefined);
  return (
    <form className="card create-webhook" onSubmit={submit} aria-labelledby="new-hook-title">
      <h2 id="new-hook-title">New webhook</h2>
      {created ? (
        <div className="note note-good secret-once" role="status">
          <p><strong>Webhook created.</strong> Its signing secret is shown this once: store it where the receiver checks signatures.</p>
          <p><code className="secret">{created.secret}</code> <CopyButton text={created.secret} label="Copy the secret" /></p>
          <button type="button" className="button button-secondary button-small" onClick={() => setCreated(null)}>I have stored it</button>
        </div>
      ) : null}
      {create.isError && !field('url') && !field('events') ? <ErrorNote error={create.error} title="The webhook was not created" /> : null}
      <TextField label="URL" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} error={field('url')} placeholder="https://example.com/tollgate" />
      <fieldset className="event-choice">
        <legend>Events (none chosen: every event)</legend>
        {webhookEvents.map((ev) => (
          <label key={ev} className="check">
            <input type="checkbox" checked={events.includes(ev)} onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))} /> <code>{ev}</code> <span className="muted">{eventMeanings[ev]}</span>
          </label>
        ))}
        {field('events') ? <p className="field-error">{field('events')}</p> : null}
      </fieldset>
      <button type="submit" className="button" disabled={create.isPending}>{create.isPending ? 'Creating…' : 'Create webhook'}</button>
    </form>
  );
}
