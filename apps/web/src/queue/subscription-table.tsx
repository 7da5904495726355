import type { Subscription } from '../api/types';
import { StateBadge } from '../ui/badge';
import { Table } from '../ui/table';
import { formatTime } from '../ui/format-time';
import { isPublisherAction, publisherActions, type PublisherAction } from './queue-data';

/** What a bulk action did to one row: shown beside it until the next bulk action. */
export interface RowResult {
  ok: boolean;
  text: string;
}

interface Selection {
  selected: ReadonlySet<string>;
  toggle: (id: string) => void;
  toggleAll: (ids: string[], on: boolean) => void;
}

/**
 * Subscriptions as rows: who asks (app and its team), for what (service, plan), why (the note), when, and the
 * state with the decision's reason; the actions open from that state; with `selection`, a checkbox per row.
 */
export function SubscriptionTable({ rows, caption, selection, results, onAction }: {
  rows: Subscription[];
  caption: string;
  selection?: Selection;
  results?: ReadonlyMap<string, RowResult>;
  onAction: (subscription: Subscription, action: PublisherAction) => void;
}) {
  const ids = rows.map((r) => r.id);
  const allOn = selection !== undefined && ids.length > 0 && ids.every((id) => selection.selected.has(id));
  const showResults = results !== undefined && results.size > 0;
  return (
    <div className="queue-table">
      <Table
        caption={caption}
        columns={[
          ...(selection ? [<input key="all" type="checkbox" aria-label="Select every row on this page" checked={allOn} onChange={(e) => selection.toggleAll(ids, e.target.checked)} />] : []),
          'App',
          'Service and plan',
          'Note',
          'Requested',
          'State',
          ...(showResults ? ['Result'] : []),
          'Actions',
        ]}
      >
        {rows.map((s) => {
          const result = results?.get(s.id);
          const actions = s.actions.filter(isPublisherAction);
          return (
            <tr key={s.id} aria-label={`${s.app.name} (${s.app.teamName}) for ${s.service.name}`}>
              {selection ? (
                <td>
                  <input type="checkbox" aria-label={`Select ${s.app.name} (${s.app.teamName})`} checked={selection.selected.has(s.id)} onChange={() => selection.toggle(s.id)} />
                </td>
              ) : null}
              <td>
                <strong>{s.app.name}</strong>
                <div className="muted">{s.app.teamName}</div>
              </td>
              <td>
                {s.service.name}
                <div className="muted">{s.plan.name}{s.replacesId ? ' (plan change)' : ''}</div>
              </td>
              <td className="queue-note">{s.note || <span className="muted">No note</span>}</td>
              <td>{formatTime(s.createdAt)}</td>
              <td>
                <StateBadge state={s.state} />
                {s.decisionReason ? <div className="muted queue-reason">“{s.decisionReason}”</div> : null}
              </td>
              {showResults ? (
                <td>{result ? <span className={result.ok ? 'result-ok' : 'result-error'}>{result.ok ? '✓ ' : '✗ '}{result.text}</span> : null}</td>
              ) : null}
              <td>
                <div className="row-actions">
                  {actions.length === 0 ? <span className="muted">None: {s.state} is final</span> : null}
                  {actions.map((a) => (
                    <button key={a} type="button" className={`button button-small${a === 'revoke' || a === 'reject' ? ' button-secondary button-warn' : ' button-secondary'}`} onClick={() => onAction(s, a)} aria-label={`${publisherActions[a].label} ${s.app.name} (${s.app.teamName})`}>
                      {publisherActions[a].label}
                    </button>
                  ))}
                </div>
              </td>
            </tr>
          );
        })}
      </Table>
    </div>
  );
}
