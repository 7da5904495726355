import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, query } from '../api/client';
import type { Prompt, PromptDiff, PromptPublish, PromptVersion, SpecChange } from '../api/types';
import { SelectField } from '../ui/field';
import { DataState, ErrorNote } from '../ui/states';
import { Badge } from '../ui/badge';
import { ConfirmDialog } from '../ui/confirm';
import { Table } from '../ui/table';
import { useUrlState } from '../ui/use-url-state';
import { formatTime } from '../ui/format-time';

/**
 * Versions are frozen copies of the draft. Publishing points the service's working copy at one; the gateway
 * serves it once the service's next release is made. The diff compares any two of draft, published and versions.
 */
export function VersionsPanel({ prompt }: { prompt: Prompt }) {
  const client = useQueryClient();
  const versions = useQuery({ queryKey: ['prompt-versions', prompt.id], queryFn: () => api.get<{ publishedVersion: number | null; versions: PromptVersion[] }>(`/api/prompts/${prompt.id}/versions`) });
  const refresh = () => Promise.all([client.invalidateQueries({ queryKey: ['prompt-versions', prompt.id] }), client.invalidateQueries({ queryKey: ['prompt', prompt.id] }), client.invalidateQueries({ queryKey: ['prompt-diff', prompt.id] })]);
  const freeze = useMutation({ mutationFn: () => api.post<{ version: PromptVersion }>(`/api/prompts/${prompt.id}/versions`), onSuccess: refresh });
  const [toPublish, setToPublish] = useState<number | null>(null);
  const publish = useMutation({
    mutationFn: (version: number) => api.post<PromptPublish>(`/api/prompts/${prompt.id}/publish`, { version }),
    onSuccess: async () => {
      setToPublish(null);
      await refresh();
    },
  });
  return (
    <section className="card versions" aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      <div className="form-actions">
        <button type="button" className="button" onClick={() => freeze.mutate()} disabled={freeze.isPending}>{freeze.isPending ? 'Freezing…' : 'Freeze the saved draft as a version'}</button>
      </div>
      {freeze.isError ? <ErrorNote error={freeze.error} title="No version was made" /> : null}
      {freeze.data ? <p role="status" className="note note-good">Version {freeze.data.version.version} frozen.</p> : null}
      {publish.data ? <p role="status" className="note note-good">Version {publish.data.prompt.publishedVersion} is published in the working copy. {whenServed[publish.data.takesEffect] ?? publish.data.message}</p> : null}
      {publish.isError ? <ErrorNote error={publish.error} title="Not published" /> : null}
      <DataState query={versions} what="the versions" isEmpty={(d) => d.versions.length === 0} empty="No version yet: freeze the draft to make version 1.">
        {(d) => (
          <ul className="version-list" aria-label="Versions">
            {d.versions.map((v) => (
              <li key={v.version}>
                <strong>Version {v.version}</strong>{' '}
                {d.publishedVersion === v.version ? <Badge tone="good">published</Badge> : null}{' '}
                <span className="muted">{formatTime(v.createdAt)}{v.createdByEmail ? ` by ${v.createdByEmail}` : ''}</span>{' '}
                {d.publishedVersion === v.version ? null : (
                  <button type="button" className="button button-secondary button-small" onClick={() => setToPublish(v.version)}>Publish version {v.version}</button>
                )}
              </li>
            ))}
          </ul>
        )}
      </DataState>
      <ConfirmDialog open={toPublish !== null} title={`Publish version ${toPublish ?? ''}?`} confirmLabel="Publish" busy={publish.isPending} onConfirm={() => toPublish !== null && publish.mutate(toPublish)} onCancel={() => setToPublish(null)}>
        <p>It takes effect with the service’s next release: until then the gateway keeps serving what the live release froze.</p>
      </ConfirmDialog>
    </section>
  );
}

/** When a publish reaches callers, in the words of the page (the API's message names the REST call to make). */
const whenServed: Partial<Record<PromptPublish['takesEffect'], string>> = {
  'next release': 'It takes effect with the service’s next release; until then the gateway serves what the live release froze.',
  'first publish': 'It takes effect when the service is first published.',
  never: 'The service is retired, so no release will serve it.',
};

const show = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v, null, 2));

/** Two sides chosen in the URL (`from`, `to`), their differences field by field, before on the left, after on the right. */
export function DiffView({ prompt }: { prompt: Prompt }) {
  const versionList = useQuery({ queryKey: ['prompt-versions', prompt.id], queryFn: () => api.get<{ publishedVersion: number | null; versions: PromptVersion[] }>(`/api/prompts/${prompt.id}/versions`) });
  const versions = versionList.data?.versions ?? [];
  const [sides, setSides] = useUrlState(['from', 'to'] as const);
  const latest = versions[0]?.version;
  const from = sides.from || (latest !== undefined ? String(latest) : '');
  const to = sides.to || 'draft';
  const diff = useQuery({
    queryKey: ['prompt-diff', prompt.id, from, to],
    queryFn: () => api.get<PromptDiff>(`/api/prompts/${prompt.id}/versions/diff${query({ from, to })}`),
    enabled: from !== '',
  });
  const options = (
    <>
      <option value="draft">draft</option>
      {prompt.publishedVersion ? <option value="published">published</option> : null}
      {versions.map((v) => <option key={v.version} value={String(v.version)}>version {v.version}</option>)}
    </>
  );
  return (
    <section className="card diff" aria-labelledby="diff-title">
      <h2 id="diff-title">Compare</h2>
      {from === '' ? (
        <p className="muted">Freeze a version to compare the draft with it.</p>
      ) : (
        <>
          <div className="toolbar">
            <SelectField label="From" value={from} onChange={(e) => setSides({ from: e.target.value })}>{options}</SelectField>
            <SelectField label="To" value={to} onChange={(e) => setSides({ to: e.target.value })}>{options}</SelectField>
          </div>
          <DataState query={diff} what="the differences" isEmpty={(d) => d.changes.length === 0} empty={`No difference between ${sideName(from)} and ${sideName(to)}.`}>
            {(d) => <DiffTable changes={d.changes} from={from} to={to} />}
          </DataState>
        </>
      )}
    </section>
  );
}

const sideName = (s: string) => (s === 'draft' || s === 'published' ? s : `version ${s}`);

function DiffTable({ changes, from, to }: { changes: SpecChange[]; from: string; to: string }) {
  return (
    <div className="diff-table">
      <Table caption={`Changes from ${sideName(from)} to ${sideName(to)}`} columns={['Field', sideName(from), sideName(to)]}>
        {changes.map((c) => (
          <tr key={c.path} className={`diff-${c.change}`}>
            <th scope="row"><code>{c.path}</code> <span className="muted">{c.change}</span></th>
            <td className="diff-before"><pre>{show(c.before)}</pre></td>
            <td className="diff-after"><pre>{show(c.after)}</pre></td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
