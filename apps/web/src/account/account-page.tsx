import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import type { PasswordChange, Team } from '../api/types';
import { useMe } from '../api/session';
import { Page } from '../ui/page';
import { DataState, ErrorNote } from '../ui/states';
import { TextField } from '../ui/field';
import { useUrlState } from '../ui/use-url-state';

/** The portal's rule for a chosen password (auth/passwords.ts), checked before sending so a typo costs no round trip. */
export const minPasswordLength = 12;

/** Who I am, my teams, and changing my password. `?joined=` greets someone who just accepted an invitation. */
export function AccountPage() {
  const me = useMe();
  const [state, setState] = useUrlState(['joined'] as const);
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => api.get<{ teams: Team[] }>('/api/teams') });
  const user = me.data?.user;
  return (
    <Page title="Account" lead={user ? `${user.name} · ${user.email}` : undefined}>
      {state.joined ? (
        <div className="note note-good" role="status">
          Welcome! You joined <strong>{state.joined}</strong>. <button type="button" className="button button-secondary" onClick={() => setState({ joined: null })}>Dismiss</button>
        </div>
      ) : null}
      <section className="admin-section" aria-labelledby="my-teams">
        <h2 id="my-teams">My teams</h2>
        <DataState query={teams} what="your teams" isEmpty={(d) => d.teams.filter((t) => t.role).length === 0} empty="You are in no team yet: a team admin can invite you.">
          {(d) => (
            <ul>
              {d.teams.filter((t) => t.role).map((t) => (
                <li key={t.id}>{t.name} <span className="muted">({t.role})</span></li>
              ))}
            </ul>
          )}
        </DataState>
      </section>
      <ChangePassword />
    </Page>
  );
}

function ChangePassword() {
  const [form, setForm] = useState({ currentPassword: '', newPassword: '', confirm: '' });
  const [check, setCheck] = useState<{ path: string; message: string } | null>(null);
  const change = useMutation({
    mutationFn: (body: PasswordChange) => api.post<{ changed: boolean; otherSessionsEnded: number }>('/api/auth/password', body),
    onSuccess: () => setForm({ currentPassword: '', newPassword: '', confirm: '' }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    change.reset();
    if (form.newPassword.length < minPasswordLength) return setCheck({ path: 'newPassword', message: `at least ${minPasswordLength} characters` });
    if (form.confirm !== form.newPassword) return setCheck({ path: 'confirm', message: 'the two new passwords differ' });
    setCheck(null);
    change.mutate({ currentPassword: form.currentPassword, newPassword: form.newPassword });
  };
  const err = (path: string) => (check?.path === path ? check.message : change.error instanceof ApiError ? change.error.fieldMessage(path) : undefined);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  return (
    <section className="admin-section" aria-labelledby="password-title">
      <form className="card admin-form admin-narrow" onSubmit={submit} aria-labelledby="password-title" noValidate>
        <h2 id="password-title">Change password</h2>
        {change.isSuccess ? (
          <p className="note note-good" role="status">
            Your password is changed. {change.data.otherSessionsEnded > 0 ? `Your ${change.data.otherSessionsEnded} other session${change.data.otherSessionsEnded === 1 ? ' was' : 's were'} signed out.` : 'You were signed in nowhere else.'}
          </p>
        ) : null}
        {change.error ? <ErrorNote error={change.error} title="The password was not changed" /> : null}
        <TextField label="Current password" type="password" autoComplete="current-password" value={form.currentPassword} onChange={set('currentPassword')} error={err('currentPassword')} required />
        <TextField label="New password" type="password" autoComplete="new-password" value={form.newPassword} onChange={set('newPassword')} error={err('newPassword')} required hint={`At least ${minPasswordLength} characters. Your other sessions end when it changes.`} />
        <TextField label="New password again" type="password" autoComplete="new-password" value={form.confirm} onChange={set('confirm')} error={err('confirm')} required />
        <button type="submit" className="button" disabled={change.isPending}>{change.isPending ? 'Changing…' : 'Change password'}</button>
      </form>
    </section>
  );
}
