import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import { api } from '../api/client';
import type { Team, TeamCreate, User } from '../api/types';
import { Page } from '../ui/page';
import { DataState, ErrorNote } from '../ui/states';
import { SelectField, TextField } from '../ui/field';
import { Table } from '../ui/table';
import { useUrlState } from '../ui/use-url-state';
import { fieldError } from './provider-form';
import { when } from './format';

/** Every team on the platform (an admin sees all), and the form that creates one with its owner. */
export function TeamsPage() {
  const [state, setState] = useUrlState(['new'] as const);
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => api.get<{ teams: Team[] }>('/api/teams') });
  return (
    <Page
      title="Teams"
      lead="Teams own services and apps. Open one to manage its members and invitations."
      actions={<button type="button" className="button" aria-expanded={state.new === '1'} onClick={() => setState({ new: state.new === '1' ? null : '1' })}>New team</button>}
    >
      {state.new === '1' ? <CreateTeamForm onCancel={() => setState({ new: null })} /> : null}
      <DataState query={teams} what="the teams" isEmpty={(d) => d.teams.length === 0} empty="No team yet. Create one with “New team”.">
        {(d) => (
          <Table caption="Teams" columns={['Team', 'Slug', 'Your role', 'Created']}>
            {d.teams.map((t) => (
              <tr key={t.id}>
                <td><Link href={`/teams/${t.id}`}>{t.name}</Link></td>
                <td><code>{t.slug}</code></td>
                <td>{t.role ?? <span className="muted">not a member</span>}</td>
                <td>{when(t.createdAt)}</td>
              </tr>
            ))}
          </Table>
        )}
      </DataState>
    </Page>
  );
}

function CreateTeamForm({ onCancel }: { onCancel: () => void }) {
  const client = useQueryClient();
  const [, navigate] = useLocation();
  const users = useQuery({ queryKey: ['users'], queryFn: () => api.get<{ users: User[] }>('/api/users') });
  const [form, setForm] = useState({ name: '', slug: '', ownerUserId: '' });
  const create = useMutation({
    mutationFn: (body: TeamCreate) => api.post<{ team: Team }>('/api/teams', body),
    onSuccess: async ({ team }) => {
      await client.invalidateQueries({ queryKey: ['teams'] });
      navigate(`/teams/${team.id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name: form.name, slug: form.slug, ...(form.ownerUserId ? { ownerUserId: form.ownerUserId as TeamCreate['ownerUserId'] } : {}) });
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const err = (path: string) => fieldError(create.error, path);
  return (
    <form className="card admin-form" onSubmit={submit} aria-labelledby="new-team-title">
      <h2 id="new-team-title">New team</h2>
      {create.error ? <ErrorNote error={create.error} title="The team was not created" /> : null}
      <div className="admin-form-grid">
        <TextField label="Name" value={form.name} onChange={set('name')} error={err('name')} required maxLength={120} />
        <TextField label="Slug" value={form.slug} onChange={set('slug')} error={err('slug')} required hint="Lowercase letters, digits and single hyphens." />
        <SelectField label="Owner" value={form.ownerUserId} onChange={set('ownerUserId')} error={err('ownerUserId')} hint={users.isError ? `The users could not be loaded: ${users.error.message}` : undefined}>
          <option value="">Me</option>
          {(users.data?.users ?? []).map((u) => (
            <option key={u.id} value={u.id}>{u.name} ({u.email})</option>
          ))}
        </SelectField>
      </div>
      <div className="admin-actions">
        <button type="submit" className="button" disabled={create.isPending}>{create.isPending ? 'Creating…' : 'Create team'}</button>
        <button type="button" className="button button-secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
