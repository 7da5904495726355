import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import { api, ApiError, query } from '../api/client';
import type { InvitationAccepted, InvitationLink, Me } from '../api/types';
import { useMe, useSession } from '../api/session';
import { Page } from '../ui/page';
import { ErrorNote } from '../ui/states';
import { TextField } from '../ui/field';
import { minPasswordLength } from './account-page';

/** What each refusal of a link means for the person holding it, beside the portal's own message. */
const nextSteps: Record<string, string> = {
  invitation_accepted: 'If it was you who used it, sign in with that account. Otherwise ask the team for a new invitation.',
  invitation_revoked: 'Ask a team admin to invite you again.',
  invitation_expired: 'Ask a team admin to invite you again; links work for a limited time.',
  not_found: 'Check that the whole link was copied, or ask the team for a new one.',
};

/**
 * An invitation link: who invites whom to which team, then either a new account (name and password) or, for
 * someone signed in, joining with the existing account. A used, revoked or expired link gets a page that says
 * so and what to do.
 */
export function InvitationPage({ params }: { params: { token: string } }) {
  const me = useMe();
  const link = useQuery({ queryKey: ['invitation', params.token], queryFn: () => api.get<InvitationLink>(`/api/invitations/${encodeURIComponent(params.token)}`), retry: false });
  if (link.isPending) return <p className="muted" role="status">Loading the invitation…</p>;
  if (link.isError) return <LinkRefused error={link.error} signedIn={!!me.data} />;
  const invitation = link.data;
  return (
    <div className="invitation">
      <Page title={`Join ${invitation.team.name}`} lead={`${invitation.invitedBy ? `${invitation.invitedBy} invites` : 'You are invited as'} ${invitation.email} to the team ${invitation.team.name} as ${invitation.role}.`}>
        <p className="muted">The link works until {new Date(invitation.expiresAt).toLocaleString()}, once.</p>
        {me.data ? <AcceptSignedIn token={params.token} invitation={invitation} email={me.data.user.email} /> : <NewAccount token={params.token} invitation={invitation} />}
      </Page>
    </div>
  );
}

function LinkRefused({ error, signedIn }: { error: Error; signedIn: boolean }) {
  const code = error instanceof ApiError ? error.code : '';
  const title = code === 'invitation_accepted' ? 'This invitation was already used' : code === 'invitation_revoked' ? 'This invitation was revoked' : code === 'invitation_expired' ? 'This invitation has expired' : code === 'not_found' ? 'This invitation link is not valid' : 'The invitation could not be loaded';
  return (
    <div className="invitation">
      <Page title={title}>
        <ErrorNote error={error} title="The link does not work" />
        {nextSteps[code] ? <p>{nextSteps[code]}</p> : null}
        <p>{signedIn ? <Link href="~/">Go to the catalogue</Link> : <Link href="~/">Sign in</Link>}</p>
      </Page>
    </div>
  );
}

/** After joining, the session (new or refreshed) shows the app; the account page greets the person. */
function useJoined() {
  const client = useQueryClient();
  const [, navigate] = useLocation();
  return async (accepted: InvitationAccepted) => {
    // Who is signed in now is read first and set together with the new address, so neither the sign-in page
    // nor this (now used) link flashes in between.
    const me = await api.get<Me>('/api/auth/me');
    client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
    navigate(`~/account${query({ joined: `${accepted.team.name} as ${accepted.role}` })}`);
    client.setQueryData(['me'], me);
  };
}

function AcceptSignedIn({ token, invitation, email }: { token: string; invitation: InvitationLink; email: string }) {
  const joined = useJoined();
  const accept = useMutation({ mutationFn: () => api.post<InvitationAccepted>(`/api/invitations/${encodeURIComponent(token)}/accept`), onSuccess: joined });
  const other = email.toLowerCase() !== invitation.email;
  return (
    <div className="card admin-form admin-narrow">
      <p>You are signed in as <strong>{email}</strong>.</p>
      {other ? <p className="note note-error">This invitation is for {invitation.email}. Sign out and sign in as that address to accept it.</p> : null}
      {accept.error ? <ErrorNote error={accept.error} title="The invitation was not accepted" /> : null}
      <button type="button" className="button" disabled={accept.isPending || other} onClick={() => accept.mutate()}>
        {accept.isPending ? 'Joining…' : `Join ${invitation.team.name} as ${email}`}
      </button>
    </div>
  );
}

function NewAccount({ token, invitation }: { token: string; invitation: InvitationLink }) {
  const joined = useJoined();
  const { signIn } = useSession();
  const [form, setForm] = useState({ name: '', password: '', confirm: '' });
  const [check, setCheck] = useState<{ path: string; message: string } | null>(null);
  const [signInPassword, setSignInPassword] = useState('');
  const create = useMutation({ mutationFn: (body: { name: string; password: string }) => api.post<InvitationAccepted>(`/api/invitations/${encodeURIComponent(token)}/accept`, body), onSuccess: joined });
  // Someone with an account signs in here; the page then offers to join with it.
  const existing = useMutation({ mutationFn: () => signIn(invitation.email, signInPassword) });
  const hasAccount = create.error instanceof ApiError && create.error.status === 409;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!form.name.trim()) return setCheck({ path: 'name', message: 'enter your name' });
    if (form.password.length < minPasswordLength) return setCheck({ path: 'password', message: `at least ${minPasswordLength} characters` });
    if (form.confirm !== form.password) return setCheck({ path: 'confirm', message: 'the two passwords differ' });
    setCheck(null);
    create.mutate({ name: form.name.trim(), password: form.password });
  };
  const err = (path: string) => (check?.path === path ? check.message : create.error instanceof ApiError ? create.error.fieldMessage(path) : undefined);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  return (
    <div className="invitation-forms">
      <form className="card admin-form admin-narrow" onSubmit={submit} aria-labelledby="new-account-title" noValidate>
        <h2 id="new-account-title">Create your account</h2>
        {create.error ? <ErrorNote error={create.error} title="Your account was not created" /> : null}
        <TextField label="Email" value={invitation.email} readOnly hint="The invitation names this address." />
        <TextField label="Your name" autoComplete="name" value={form.name} onChange={set('name')} error={err('name')} required maxLength={120} />
        <TextField label="Choose a password" type="password" autoComplete="new-password" value={form.password} onChange={set('password')} error={err('password')} required hint={`At least ${minPasswordLength} characters.`} />
        <TextField label="Password again" type="password" autoComplete="new-password" value={form.confirm} onChange={set('confirm')} error={err('confirm')} required />
        <button type="submit" className="button" disabled={create.isPending}>{create.isPending ? 'Creating…' : `Create account and join ${invitation.team.name}`}</button>
      </form>
      <form className="card admin-form admin-narrow" onSubmit={(e) => { e.preventDefault(); existing.mutate(); }} aria-labelledby="existing-title">
        <h2 id="existing-title">{hasAccount ? 'Sign in to accept' : 'Already have an account?'}</h2>
        <p className="muted">Sign in as {invitation.email}, then join with that account.</p>
        {existing.error ? <ErrorNote error={existing.error} title="Sign-in failed" /> : null}
        <TextField label="Your password" type="password" autoComplete="current-password" value={signInPassword} onChange={(e) => setSignInPassword(e.target.value)} required />
        <button type="submit" className="button button-secondary" disabled={existing.isPending}>{existing.isPending ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </div>
  );
}
