import type { ReleaseChange } from '../api/types';

/** A value of the release config as text: strings as they are, anything else as indented JSON. */
const show = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v, null, 2));

const verbs: Record<ReleaseChange['change'], string> = { added: 'added', removed: 'removed', changed: 'changed' };

/** The changes as a short list: what moved, by path (`service.description changed`). */
export function ChangeList({ changes }: { changes: ReleaseChange[] }) {
  return (
    <ul className="change-list">
      {changes.map((c) => (
        <li key={c.path}>
          <code>{c.path}</code> {verbs[c.change]}
        </li>
      ))}
    </ul>
  );
}

/** Side by side: one row per changed path, what it was in one column and what it is in the other. */
export function DiffTable({ changes, beforeLabel, afterLabel }: { changes: ReleaseChange[]; beforeLabel: string; afterLabel: string }) {
  return (
    <div className="table-wrap">
      <table className="diff-table">
        <caption className="visually-hidden">Changes from {beforeLabel} to {afterLabel}</caption>
        <thead>
          <tr>
            <th scope="col">What</th>
            <th scope="col">{beforeLabel}</th>
            <th scope="col">{afterLabel}</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c) => (
            <tr key={c.path} className={`diff-${c.change}`}>
              <th scope="row">
                <code>{c.path}</code>
                <div className="muted">{verbs[c.change]}</div>
              </th>
              <td className="diff-before">{c.change === 'added' ? <span className="muted">(none)</span> : <pre>{show(c.before)}</pre>}</td>
              <td className="diff-after">{c.change === 'removed' ? <span className="muted">(none)</span> : <pre>{show(c.after)}</pre>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
