import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import { api, query } from '../api/client';
import type { Service, ServiceCreate, Team, WhenServed } from '../api/types';
import { adminTeamIds, isPlatformAdmin, useMe } from '../api/session';
import { Page } from '../ui/page';
import { Table } from '../ui/table';
import { DataState, ErrorNote } from '../ui/states';
import { Badge, StateBadge } from '../ui/badge';
import { SelectField, TextArea, TextField } from '../ui/field';
import { useUrlState } from '../ui/use-url-state';
import { fieldError, splitList, useServiceRefresh } from './forms';

/** The teams whose services the signed-in user may publish: all for a platform admin, else those they administer. */
export function usePublishingTeams() {
  const me = useMe();
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => api.get<{ teams: Team[] }>('/api/teams') });
  const mine = new Set(adminTeamIds(me.data));
  const admin = isPlatformAdmin(me.data);
  return { ...teams, data: teams.data && { teams: teams.data.teams.filter((t) => admin || mine.has(t.id)) } };
}

/** My team's services: the list (filtered by team and search, in the URL) and the form that creates one. */
export function ServicesPage() {
  const [state, setState] = useUrlState(['team', 'q', 'new'] as const);
  const teams = usePublishingTeams();
  const publishing = new Set((teams.data?.teams ?? []).map((t) => t.id));
  const services = useQuery({
    queryKey: ['services', 'publisher', state.team, state.q],
    queryFn: () => api.get<{ services: Service[] }>(`/api/services${query({ teamId: state.team, q: state.q })}`),
    enabled: teams.isSuccess,
    placeholderData: (previous) => previous,
    // The catalogue also lists other teams' public services: only those this user publishes belong here.
    select: (d) => ({ services: d.services.filter((s) => publishing.has(s.teamId)) }),
  });
  const teamName = (id: string) => teams.data?.teams.find((t) => t.id === id)?.name ?? id;
  return (
    <Page
      title="My services"
      lead="The services your teams publish: their APIs, plans, releases and lifecycle."
      actions={<button type="button" className="button" aria-expanded={state.new === '1'} onClick={() => setState({ new: state.new === '1' ? null : '1' })}>New service</button>}
    >
      {state.new === '1' ? <CreateServiceForm teams={teams.data?.teams ?? []} onCancel={() => setState({ new: null })} /> : null}
      <div className="toolbar" role="search">
        <SelectField label="Team" value={state.team} onChange={(e) => setState({ team: e.target.value })}>
          <option value="">All my teams</option>
          {(teams.data?.teams ?? []).map((t) => (
            <option key={t.id} value={t.id}>{t.name}</option>
          ))}
        </SelectField>
        <TextField label="Search" type="search" value={state.q} onChange={(e) => setState({ q: e.target.value })} placeholder="Name, slug or description" />
      </div>
      {teams.isError ? <ErrorNote error={teams.error} title="Could not load your teams" /> : null}
      <DataState
        query={services}
        what="your services"
        isEmpty={(d) => d.services.length === 0}
        empty={state.q || state.team ? 'No service of yours matches these filters.' : 'Your teams publish no service yet. Create one with “New service”.'}
      >
        {(d) => (
          <Table caption="Your services" columns={['Service', 'Team', 'Kind', 'State', 'Visibility']}>
            {d.services.map((s) => (
              <tr key={s.id}>
                <td><Link href={`/services/${s.id}`}>{s.name}</Link> <span className="muted">/{s.slug}</span></td>
                <td>{teamName(s.teamId)}</td>
                <td><Badge tone="info">{s.kind === 'ai' ? 'AI' : 'REST'}</Badge></td>
                <td><StateBadge state={s.lifecycle} /></td>
                <td>{s.visibility === 'public' ? 'Public' : 'Team only'}</td>
              </tr>
            ))}
          </Table>
        )}
      </DataState>
    </Page>
  );
}

function CreateServiceForm({ teams, onCancel }: { teams: Team[]; onCancel: () => void }) {
  const [, navigate] = useLocation();
  const [form, setForm] = useState({ teamId: '', name: '', slug: '', kind: 'ai' as 'ai' | 'rest', description: '', tags: '' });
  const refresh = useServiceRefresh('');
  const create = useMutation({
    mutationFn: (body: ServiceCreate) => api.post<{ service: Service } & WhenServed>(`/api/teams/${form.teamId || teams[0]?.id}/services`, body),
    onSuccess: async ({ service }) => {
      await refresh();
      navigate(`/services/${service.id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name: form.name, slug: form.slug, kind: form.kind, description: form.description, tags: splitList(form.tags) });
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const err = (path: string) => fieldError(create.error, path);
  return (
    <form className="card form-card" onSubmit={submit} aria-labelledby="new-service-title">
      <h2 id="new-service-title">New service</h2>
      {create.error ? <ErrorNote error={create.error} title="The service was not created" /> : null}
      {teams.length === 0 ? <p className="note note-info">A service belongs to a team, and you administer none yet: a platform admin creates teams (Admin console, Teams).</p> : null}
      <div className="form-grid">
        <SelectField label="Team" value={form.teamId || teams[0]?.id || ''} onChange={set('teamId')} required>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>{t.name}</option>
          ))}
        </SelectField>
        <SelectField label="Kind" value={form.kind} onChange={set('kind')} error={err('kind')} hint="AI: model routes behind an OpenAI-compatible endpoint. REST: a proxy to your upstreams.">
          <option value="ai">AI</option>
          <option value="rest">REST</option>
        </SelectField>
        <TextField label="Name" value={form.name} onChange={set('name')} error={err('name')} required maxLength={120} />
        <TextField label="Slug" value={form.slug} onChange={set('slug')} error={err('slug')} required hint="The gateway serves it at /<slug>: lowercase letters, digits and single hyphens." />
      </div>
      <TextArea label="Description" value={form.description} onChange={set('description')} error={err('description')} rows={3} />
      <TextField label="Tags" value={form.tags} onChange={set('tags')} error={err('tags')} hint="Comma-separated, lowercase: chat, search." />
      <div className="form-actions">
        <button type="submit" className="button" disabled={create.isPending || teams.length === 0}>{create.isPending ? 'Creating…' : 'Create service'}</button>
        <button type="button" className="button button-secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
