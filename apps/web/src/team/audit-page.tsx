import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, query } from '../api/client';
import type { AuditEvent, AuditPage } from '../api/types';
import { Page } from '../ui/page';
import { DataState, ErrorNote } from '../ui/states';
import { TextField } from '../ui/field';
import { NotFound } from '../ui/not-found';
import { useUrlState } from '../ui/use-url-state';
import { useCursorPages } from '../ui/use-cursor-pages';
import { formatTime } from '../ui/format-time';
import { Pager } from '../ui/pager';
import { Table } from '../ui/table';
import { TeamPicker, useManagedTeam } from './team-picker';

const PAGE = 50;
const compact = (v: unknown) => Object.entries((v ?? {}) as Record<string, unknown>).map(([k, x]) => `${k}: ${typeof x === 'string' ? x : JSON.stringify(x)}`).join(' · ');

/**
 * Who changed what in the team and when, newest first, 50 at a time (the portal's cursor pages on); filters and the
 * opened event in the URL. An event opened shows its before and after.
 */
export function AuditPage() {
  const [state, setState] = useUrlState(['team', 'action', 'targetType', 'event'] as const);
  const { teams, managed, team } = useManagedTeam(state.team);
  const filters = { action: state.action.trim() || undefined, targetType: state.targetType.trim() || undefined };
  const filterKey = `${team?.id}|${filters.action}|${filters.targetType}`;
  const { cursor, pageNumber, nextOf, previous } = useCursorPages(filterKey);
  const events = useQuery({
    queryKey: ['audit', team?.id, filters, cursor ?? null],
    queryFn: () => api.get<AuditPage>(`/api/teams/${team!.id}/audit-events${query({ ...filters, limit: PAGE, cursor })}`),
    enabled: team !== undefined,
    placeholderData: keepPreviousData,
  });
  if (teams.isPending) return <p className="muted" role="status">Loading your teams…</p>;
  if (teams.isError) return <Page title="Audit log"><ErrorNote error={teams.error} title="Could not load your teams" /></Page>;
  if (!team) return managed.length === 0 && !state.team ? <Page title="Audit log"><div className="empty">You manage no team, so there is no audit log to read.</div></Page> : <NotFound />;
  return (
    <Page title="Audit log" lead={`Every change made in ${team.name}, with who made it.`}>
      <div className="toolbar" role="search" aria-label="Filter the audit log">
        <TeamPicker managed={managed} value={team.id} onChange={(id) => setState({ team: id, event: null })} />
        <TextField label="Action" value={state.action} onChange={(e) => setState({ action: e.target.value })} placeholder="subscription. or prompt.publish" hint="An exact action, or a family ending in a dot." />
        <TextField label="Target type" value={state.targetType} onChange={(e) => setState({ targetType: e.target.value })} placeholder="subscription" />
      </div>
      <DataState query={events} what="the audit log" isEmpty={(d) => d.events.length === 0} empty={filters.action || filters.targetType ? 'No event matches these filters.' : 'Nothing has happened in this team yet.'}>
        {(d) => (
          <>
            <div className="audit-table">
              <Table caption={`Audit events of ${team.name}`} columns={['When', 'Who', 'Action', 'Target', 'Summary']}>
                {d.events.map((e) => (
                  <tr key={e.id} aria-current={state.event === e.id ? 'true' : undefined}>
                    <td>{formatTime(e.at)}</td>
                    <td>{e.actorEmail ?? <span className="muted">system</span>}</td>
                    <td>
                      <button type="button" className="link-button" aria-expanded={state.event === e.id} onClick={() => setState({ event: state.event === e.id ? null : e.id })}>
                        <code>{e.action}</code>
                      </button>
                    </td>
                    <td>{e.targetType} <code className="muted">{e.targetId}</code></td>
                    <td className="audit-summary">{compact(e.summary)}</td>
                  </tr>
                ))}
              </Table>
            </div>
            <EventDetails event={d.events.find((e) => e.id === state.event)} />
            <Pager pageNumber={pageNumber} shown={d.events.length} previous={previous} next={nextOf(d.nextCursor)} />
          </>
        )}
      </DataState>
    </Page>
  );
}

function EventDetails({ event }: { event: AuditEvent | undefined }) {
  if (!event) return null;
  return (
    <section className="card audit-details" aria-labelledby="event-title">
      <h2 id="event-title"><code>{event.action}</code> on {event.targetType} {event.targetId}</h2>
      <p className="muted">{formatTime(event.at)} by {event.actorEmail ?? 'the system'}</p>
      <div className="side-by-side">
        <div>
          <h3>Before</h3>
          <pre>{event.before ? JSON.stringify(event.before, null, 2) : 'Nothing (created)'}</pre>
        </div>
        <div>
          <h3>After</h3>
          <pre>{event.after ? JSON.stringify(event.after, null, 2) : 'Nothing (deleted)'}</pre>
        </div>
      </div>
    </section>
  );
}
