import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { User, UserCreate } from '../api/types';
import { Page } from '../ui/page';
import { DataState, ErrorNote } from '../ui/states';
import { Badge } from '../ui/badge';
import { Table } from '../ui/table';
import { CopyButton } from '../ui/copy-button';
import { SelectField, TextField } from '../ui/field';
import { useUrlState } from '../ui/use-url-state';
import { fieldError } from './provider-form';
import { when } from './format';

/** Everyone with an account, and the form that makes one (its first password shown once). */
export function UsersPage() {
  const [state, setState] = useUrlState(['new', 'q'] as const);
  const users = useQuery({ queryKey: ['users'], queryFn: () => api.get<{ users: User[] }>('/api/users') });
  const [created, setCreated] = useState<{ user: User; password: string } | null>(null);
  const q = state.q.trim().toLowerCase();
  return (
    <Page
      title="Users"
      lead="Accounts on this platform. People join teams through invitations or are added by a team admin."
      actions={<button type="button" className="button" aria-expanded={state.new === '1'} onClick={() => setState({ new: state.new === '1' ? null : '1' })}>New user</button>}
    >
      {created ? (
        <div className="note note-good admin-secret" role="status">
          <p>
            <strong>{created.user.email} can sign in now.</strong> Their password is shown this once: pass it on, and they change it under Account.
          </p>
          <p>
            <code aria-label="The new password">{created.password}</code> <CopyButton text={created.password} label="Copy password" />
          </p>
          <button type="button" className="button button-secondary" onClick={() => setCreated(null)}>Done</button>
        </div>
      ) : null}
      {state.new === '1' ? <CreateUserForm onCreated={(c) => { setCreated(c); setState({ new: null }); }} onCancel={() => setState({ new: null })} /> : null}
      <div className="toolbar" role="search">
        <TextField label="Search users" type="search" value={state.q} onChange={(e) => setState({ q: e.target.value })} placeholder="Email or name" />
      </div>
      <DataState query={users} what="the users" isEmpty={(d) => d.users.length === 0} empty="No user yet.">
        {(d) => {
          const shown = d.users.filter((u) => !q || u.email.includes(q) || u.name.toLowerCase().includes(q));
          if (!shown.length) return <div className="empty">No user matches “{state.q}”.</div>;
          return (
            <Table caption="Users" columns={['Email', 'Name', 'Role', 'Created']}>
              {shown.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td>{u.name}</td>
                  <td>{u.role === 'admin' ? <Badge tone="info">platform admin</Badge> : 'user'}</td>
                  <td>{when(u.createdAt)}</td>
                </tr>
              ))}
            </Table>
          );
        }}
      </DataState>
    </Page>
  );
}

function CreateUserForm({ onCreated, onCancel }: { onCreated: (c: { user: User; password: string }) => void; onCancel: () => void }) {
  const client = useQueryClient();
  const [form, setForm] = useState({ email: '', name: '', role: 'user' as NonNullable<UserCreate['role']>, password: '' });
  const create = useMutation({
    mutationFn: (body: UserCreate) => api.post<{ user: User; password: string }>('/api/users', body),
    onSuccess: async (created) => {
      await client.invalidateQueries({ queryKey: ['users'] });
      onCreated(created);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ email: form.email, name: form.name, role: form.role, ...(form.password ? { password: form.password } : {}) });
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const err = (path: string) => fieldError(create.error, path);
  return (
    <form className="card admin-form" onSubmit={submit} aria-labelledby="new-user-title">
      <h2 id="new-user-title">New user</h2>
      {create.error ? <ErrorNote error={create.error} title="The user was not created" /> : null}
      <div className="admin-form-grid">
        <TextField label="Email" type="email" value={form.email} onChange={set('email')} error={err('email')} required />
        <TextField label="Name" value={form.name} onChange={set('name')} error={err('name')} required maxLength={120} />
        <SelectField label="Platform role" value={form.role} onChange={set('role')} error={err('role')} hint="Platform admins manage providers, users, teams and every service.">
          <option value="user">User</option>
          <option value="admin">Platform admin</option>
        </SelectField>
        <TextField label="Password" type="password" autoComplete="new-password" value={form.password} onChange={set('password')} error={err('password')} minLength={12} hint="Leave empty to generate one (shown once). At least 12 characters." />
      </div>
      <div className="admin-actions">
        <button type="submit" className="button" disabled={create.isPending}>{create.isPending ? 'Creating…' : 'Create user'}</button>
        <button type="button" className="button button-secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
