import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api } from '../api/client';
import type { Invitation, InvitationCreate, Team, TeamMember, TeamMemberAdd, TeamRole, User } from '../api/types';
import { Page } from '../ui/page';
import { DataState, ErrorNote } from '../ui/states';
import { StateBadge } from '../ui/badge';
import { ConfirmDialog } from '../ui/confirm';
import { CopyButton } from '../ui/copy-button';
import { SelectField, TextField } from '../ui/field';
import { Table } from '../ui/table';
import { fieldError } from './provider-form';
import { when } from './format';

const roles: Record<TeamRole, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
const roleOptions = Object.entries(roles).map(([value, label]) => <option key={value} value={value}>{label}</option>);

/** One team: its members (add, change role, remove) and its invitations (create with a one-time link, revoke). */
export function TeamPage({ params }: { params: { teamId: string } }) {
  const team = useQuery({ queryKey: ['team', params.teamId], queryFn: () => api.get<{ team: Team }>(`/api/teams/${params.teamId}`) });
  return (
    <DataState query={team} what="the team">
      {({ team: t }) => (
        <Page title={t.name} lead={<>Team <code>{t.slug}</code> · <Link href="/teams">All teams</Link></>}>
          <Members teamId={t.id} />
          <Invitations teamId={t.id} />
        </Page>
      )}
    </DataState>
  );
}

function Members({ teamId }: { teamId: string }) {
  const client = useQueryClient();
  const members = useQuery({ queryKey: ['team', teamId, 'members'], queryFn: () => api.get<{ members: TeamMember[] }>(`/api/teams/${teamId}/members`) });
  const refresh = () => client.invalidateQueries({ queryKey: ['team', teamId, 'members'] });
  return (
    <section className="admin-section" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <AddMember teamId={teamId} members={members.data?.members ?? []} onAdded={refresh} />
      <DataState query={members} what="the members" isEmpty={(d) => d.members.length === 0} empty="No member.">
        {(d) => (
          <Table caption="Members" columns={['Member', 'Role', 'Since', <span className="visually-hidden">Actions</span>]}>
            {d.members.map((m) => (
              <MemberRow key={m.userId} teamId={teamId} member={m} onChanged={refresh} />
            ))}
          </Table>
        )}
      </DataState>
    </section>
  );
}

function MemberRow({ teamId, member, onChanged }: { teamId: string; member: TeamMember; onChanged: () => Promise<unknown> }) {
  const [confirming, setConfirming] = useState(false);
  const path = `/api/teams/${teamId}/members/${member.userId}`;
  const role = useMutation({ mutationFn: (r: TeamRole) => api.patch(path, { role: r }), onSettled: onChanged });
  const remove = useMutation({ mutationFn: () => api.delete(path), onSuccess: async () => { setConfirming(false); await onChanged(); } });
  return (
    <tr>
      <td>{member.name} <span className="muted">{member.email}</span></td>
      <td>
        <SelectField label={`Role of ${member.email}`} value={role.isPending ? role.variables : member.role} disabled={role.isPending} onChange={(e) => role.mutate(e.target.value as TeamRole)} error={role.error?.message}>
          {roleOptions}
        </SelectField>
      </td>
      <td>{when(member.createdAt)}</td>
      <td>
        <button type="button" className="button button-secondary" onClick={() => setConfirming(true)}>Remove {member.email}</button>
        {confirming ? (
          <ConfirmDialog open title={`Remove ${member.email} from the team?`} confirmLabel="Remove member" busy={remove.isPending} onConfirm={() => remove.mutate()} onCancel={() => { setConfirming(false); remove.reset(); }}>
            <p>They lose access to the team&rsquo;s apps, services and keys at once.</p>
            {remove.error ? <ErrorNote error={remove.error} title="The member was not removed" /> : null}
          </ConfirmDialog>
        ) : null}
      </td>
    </tr>
  );
}

function AddMember({ teamId, members, onAdded }: { teamId: string; members: TeamMember[]; onAdded: () => Promise<unknown> }) {
  const users = useQuery({ queryKey: ['users'], queryFn: () => api.get<{ users: User[] }>('/api/users') });
  const [form, setForm] = useState({ userId: '', role: 'member' as TeamRole });
  const add = useMutation({
    mutationFn: (body: TeamMemberAdd) => api.post(`/api/teams/${teamId}/members`, body),
    onSuccess: async () => {
      setForm({ userId: '', role: 'member' });
      await onAdded();
    },
  });
  const inTeam = new Set(members.map((m) => m.userId));
  const candidates = (users.data?.users ?? []).filter((u) => !inTeam.has(u.id));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({ userId: form.userId as TeamMemberAdd['userId'], role: form.role });
  };
  return (
    <form className="admin-inline-form" onSubmit={submit} aria-label="Add a member">
      {add.error ? <ErrorNote error={add.error} title="The member was not added" /> : null}
      <SelectField label="User to add" value={form.userId} onChange={(e) => setForm({ ...form, userId: e.target.value })} error={fieldError(add.error, 'userId') ?? (users.isError ? users.error.message : undefined)} required>
        <option value="">Choose a user…</option>
        {candidates.map((u) => (
          <option key={u.id} value={u.id}>{u.name} ({u.email})</option>
        ))}
      </SelectField>
      <SelectField label="Role for the new member" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as TeamRole })} error={fieldError(add.error, 'role')}>
        {roleOptions}
      </SelectField>
      <button type="submit" className="button" disabled={add.isPending || !form.userId}>{add.isPending ? 'Adding…' : 'Add member'}</button>
    </form>
  );
}

function Invitations({ teamId }: { teamId: string }) {
  const client = useQueryClient();
  const invitations = useQuery({ queryKey: ['team', teamId, 'invitations'], queryFn: () => api.get<{ invitations: Invitation[] }>(`/api/teams/${teamId}/invitations`) });
  const refresh = () => client.invalidateQueries({ queryKey: ['team', teamId, 'invitations'] });
  // The link exists only in this answer: kept in memory while the page is open, never in the URL or the cache.
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const [form, setForm] = useState({ email: '', role: 'member' as TeamRole, expiresInHours: '168' });
  const create = useMutation({
    mutationFn: (body: InvitationCreate) => api.post<{ invitation: Invitation; token: string; acceptPath: string }>(`/api/teams/${teamId}/invitations`, body),
    onSuccess: async ({ invitation, token }) => {
      setLink({ email: invitation.email, url: `${window.location.origin}/invitations/${token}` });
      setForm({ email: '', role: 'member', expiresInHours: '168' });
      await refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setLink(null);
    create.mutate({ email: form.email, role: form.role, expiresInHours: Number(form.expiresInHours) });
  };
  const err = (path: string) => fieldError(create.error, path);
  return (
    <section className="admin-section" aria-labelledby="invitations-title">
      <h2 id="invitations-title">Invitations</h2>
      <p className="muted">The portal sends no mail: pass the link on yourself. It works once, for the invited address.</p>
      {link ? (
        <div className="note note-good admin-secret" role="status">
          <p><strong>Invitation link for {link.email}</strong> — shown this once:</p>
          <p><code aria-label="The invitation link">{link.url}</code> <CopyButton text={link.url} label="Copy link" /></p>
          <button type="button" className="button button-secondary" onClick={() => setLink(null)}>Done</button>
        </div>
      ) : null}
      <form className="admin-inline-form" onSubmit={submit} aria-label="Invite someone">
        {create.error ? <ErrorNote error={create.error} title="The invitation was not created" /> : null}
        <TextField label="Email to invite" type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} error={err('email')} required />
        <SelectField label="Role for the invitee" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as TeamRole })} error={err('role')}>
          {roleOptions}
        </SelectField>
        <TextField label="Valid for (hours)" type="number" min={1} max={720} value={form.expiresInHours} onChange={(e) => setForm({ ...form, expiresInHours: e.target.value })} error={err('expiresInHours')} />
        <button type="submit" className="button" disabled={create.isPending}>{create.isPending ? 'Inviting…' : 'Create invitation'}</button>
      </form>
      <DataState query={invitations} what="the invitations" isEmpty={(d) => d.invitations.length === 0} empty="No invitation yet.">
        {(d) => (
          <Table caption="Invitations" columns={['Email', 'Role', 'State', 'Expires', <span className="visually-hidden">Actions</span>]}>
            {d.invitations.map((i) => (
              <InvitationRow key={i.id} teamId={teamId} invitation={i} onChanged={refresh} />
            ))}
          </Table>
        )}
      </DataState>
    </section>
  );
}

function InvitationRow({ teamId, invitation, onChanged }: { teamId: string; invitation: Invitation; onChanged: () => Promise<unknown> }) {
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({ mutationFn: () => api.delete(`/api/teams/${teamId}/invitations/${invitation.id}`), onSuccess: async () => { setConfirming(false); await onChanged(); } });
  return (
    <tr>
      <td>{invitation.email}</td>
      <td>{roles[invitation.role]}</td>
      <td><StateBadge state={invitation.state} /></td>
      <td>{when(invitation.expiresAt)}</td>
      <td>
        {invitation.state === 'open' ? <button type="button" className="button button-secondary" onClick={() => setConfirming(true)}>Revoke {invitation.email}</button> : null}
        {confirming ? (
          <ConfirmDialog open title={`Revoke the invitation for ${invitation.email}?`} confirmLabel="Revoke invitation" busy={revoke.isPending} onConfirm={() => revoke.mutate()} onCancel={() => { setConfirming(false); revoke.reset(); }}>
            <p>The link stops working at once; invite them again to send a new one.</p>
            {revoke.error ? <ErrorNote error={revoke.error} title="The invitation was not revoked" /> : null}
          </ConfirmDialog>
        ) : null}
      </td>
    </tr>
  );
}
