import { useQuery } from '@tanstack/react-query';
import { api, ApiError, query } from '../api/client';
import type { AuditEvent, Team } from '../api/types';
import { Page } from '../ui/page';
import { DataState, ErrorNote } from '../ui/states';
import { SelectField, TextField } from '../ui/field';
import { useUrlState } from '../ui/use-url-state';
import { when } from './format';

const pageSize = 50;

/** A date input's day (local time) as epoch milliseconds, '' when blank. */
const dayStart = (day: string) => (day ? String(new Date(`${day}T00:00:00`).getTime()) : '');

const signInFailures: Record<string, string> = { wrong_password: 'wrong password', unknown_account: 'no account has this email', throttled: 'refused: too many failures' };

/** A failed sign-in has no actor (nobody was signed in): who tried is an address, so the line says that, not "the system". */
const failedSignIn = (summary: Record<string, unknown>) =>
  `Sign-in as ${String(summary.email)} from ${String(summary.address)} failed: ${signInFailures[String(summary.reason)] ?? String(summary.reason)}`;

/**
 * The platform audit log: every change, who made it, before and after. Filters and the page (`before`, the
 * time of the oldest event shown) live in the URL, so a filtered view can be shared.
 */
export function AuditPage() {
  const [state, setState] = useUrlState(['action', 'targetType', 'targetId', 'team', 'since', 'before'] as const);
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => api.get<{ teams: Team[] }>('/api/teams') });
  const filters = { action: state.action.trim(), targetType: state.targetType.trim(), targetId: state.targetId.trim(), teamId: state.team, since: dayStart(state.since), before: state.before };
  const events = useQuery({
    queryKey: ['audit-events', filters],
    queryFn: () => api.get<{ events: AuditEvent[] }>(`/api/audit-events${query({ ...filters, limit: pageSize })}`),
    placeholderData: (previous) => previous,
  });
  // A filter change starts again from the newest event.
  const filter = (change: Partial<Record<'action' | 'targetType' | 'targetId' | 'team' | 'since', string>>) => setState({ ...change, before: null });
  const err = (path: string) => (events.error instanceof ApiError ? events.error.fieldMessage(path) : undefined);
  const teamName = (id: string | null) => (id ? (teams.data?.teams.find((t) => t.id === id)?.name ?? id) : '—');
  const oldest = events.data?.events.at(-1);
  return (
    <Page title="Audit log" lead="Every change on the platform: who made it, when, and what it was before and after.">
      <form className="toolbar" role="search" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <TextField label="Action" value={state.action} onChange={(e) => filter({ action: e.target.value })} placeholder="provider.create or subscription." error={err('action')} />
        <TextField label="Target type" value={state.targetType} onChange={(e) => filter({ targetType: e.target.value })} placeholder="provider, user, team…" error={err('targetType')} />
        <TextField label="Target id" value={state.targetId} onChange={(e) => filter({ targetId: e.target.value })} error={err('targetId')} />
        <SelectField label="Team" value={state.team} onChange={(e) => filter({ team: e.target.value })} error={err('teamId')}>
          <option value="">All</option>
          <option value="none">No team (users, providers)</option>
          {(teams.data?.teams ?? []).map((t) => (
            <option key={t.id} value={t.id}>{t.name}</option>
          ))}
        </SelectField>
        <TextField label="Since" type="date" value={state.since} onChange={(e) => filter({ since: e.target.value })} error={err('since')} />
      </form>
      {events.isError && events.data ? <ErrorNote error={events.error} title="Could not load the audit log" /> : null}
      <DataState query={events} what="the audit log" isEmpty={(d) => d.events.length === 0} empty={state.before ? 'No older event.' : 'No event matches these filters.'}>
        {(d) => (
          <>
            <p className="muted" role="status">
              {d.events.length} event{d.events.length === 1 ? '' : 's'}{state.before ? ` before ${when(Number(state.before))}` : ', newest first'}.
            </p>
            <ol className="admin-audit" aria-label="Audit events">
              {d.events.map((e) => (
                <li key={e.id} className="card">
                  <div className="admin-item-head">
                    <strong><code>{e.action}</code></strong>
                    <span className="muted">{when(e.at)}</span>
                  </div>
                  {e.action === 'auth.sign_in_failed' ? (
                    <p>{failedSignIn(e.summary)}</p>
                  ) : (
                    <p>
                      By {e.actorEmail ?? <span className="muted">the system</span>} · on {e.targetType} <code>{e.targetId}</code> · team {teamName(e.teamId)}
                    </p>
                  )}
                  <details>
                    <summary>Details</summary>
                    <pre>{JSON.stringify({ summary: e.summary, before: e.before, after: e.after }, null, 2)}</pre>
                  </details>
                </li>
              ))}
            </ol>
          </>
        )}
      </DataState>
      <div className="admin-actions">
        {state.before ? <button type="button" className="button button-secondary" onClick={() => setState({ before: null })}>Newest</button> : null}
        {oldest && (events.data?.events.length ?? 0) >= pageSize ? (
          <button type="button" className="button button-secondary" onClick={() => setState({ before: String(oldest.at) })}>Older events</button>
        ) : null}
      </div>
    </Page>
  );
}
