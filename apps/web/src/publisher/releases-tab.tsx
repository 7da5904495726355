import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api, query } from '../api/client';
import type { Release, ReleaseChange, Service } from '../api/types';
import { Table } from '../ui/table';
import { DataState, ErrorNote } from '../ui/states';
import { Badge } from '../ui/badge';
import { ConfirmDialog } from '../ui/confirm';
import { useUrlState } from '../ui/use-url-state';
import { useServiceRefresh } from './forms';
import { ChangeList, DiffTable } from './diff-view';

interface Diff {
  from: string | number;
  to: string | number;
  changes: ReleaseChange[];
}

const when = (ms: number) => new Date(ms).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/**
 * Releases: the numbered snapshots the gateway serves. Release the working copy (its changes shown first),
 * compare any two side by side (`?from=&to=` in the URL), and make an older one live again (a rollback).
 */
export function ReleasesTab({ service }: { service: Service }) {
  const [state, setState] = useUrlState(['from', 'to'] as const);
  const [releasing, setReleasing] = useState(false);
  const [rollingBack, setRollingBack] = useState<Release | null>(null);
  const refresh = useServiceRefresh(service.id);
  const releases = useQuery({ queryKey: ['publisher', service.id, 'releases'], queryFn: () => api.get<{ releases: Release[] }>(`/api/services/${service.id}/releases`) });
  const hasLive = service.lifecycle !== 'draft';
  const pending = useQuery({
    queryKey: ['publisher', service.id, 'diff', 'live', 'working'],
    queryFn: () => api.get<Diff>(`/api/services/${service.id}/releases/diff${query({ from: 'live', to: 'working' })}`),
    enabled: hasLive,
  });
  const release = useMutation({
    mutationFn: () => api.post<{ release: Release; changes: ReleaseChange[] }>(`/api/services/${service.id}/releases`),
    onSuccess: async () => {
      setReleasing(false);
      await refresh();
    },
    onError: () => setReleasing(false),
  });
  const rollback = useMutation({
    mutationFn: (r: Release) => api.post<{ release: Release }>(`/api/services/${service.id}/releases/${r.version}/publish`),
    onSuccess: async () => {
      setRollingBack(null);
      await refresh();
    },
    onError: () => setRollingBack(null),
  });
  const live = releases.data?.releases.find((r) => r.live);
  return (
    <div className="stack">
      <section className="card" aria-labelledby="working-title">
        <h2 id="working-title">Working copy</h2>
        {!hasLive ? (
          <p className="muted">The service is a draft: publishing it (Lifecycle) makes the working copy release 1.</p>
        ) : (
          <DataState query={pending} what="the unreleased changes" isEmpty={(d) => d.changes.length === 0} empty={`Nothing to release: the working copy equals the live release${live ? ` ${live.version}` : ''}.`}>
            {(d) => (
              <>
                <p>{d.changes.length} change{d.changes.length === 1 ? '' : 's'} since the live release{live ? ` ${live.version}` : ''}:</p>
                <ChangeList changes={d.changes} />
                <button type="button" className="button" onClick={() => setReleasing(true)}>Release the working copy</button>
              </>
            )}
          </DataState>
        )}
        {release.error ? <ErrorNote error={release.error} title="Nothing was released" /> : null}
        {release.isSuccess ? (
          <div role="status" className="note note-good">
            Release {release.data.release.version} is live, with {release.data.changes.length} change{release.data.changes.length === 1 ? '' : 's'}:
            <ChangeList changes={release.data.changes} />
          </div>
        ) : null}
      </section>

      <section className="card" aria-labelledby="releases-title">
        <h2 id="releases-title">Releases</h2>
        {rollback.error ? <ErrorNote error={rollback.error} title="The release was not made live" /> : null}
        {rollback.isSuccess ? <p role="status" className="note note-good">Release {rollback.data.release.version} is live again.</p> : null}
        <DataState query={releases} what="the releases" isEmpty={(d) => d.releases.length === 0} empty="No release yet: the first one is made when the service is published.">
          {(d) => (
            <Table caption="The service’s releases" columns={['Release', 'Made', 'By', <span className="visually-hidden">Actions</span>]}>
              {d.releases.map((r) => (
                <tr key={r.id}>
                  <td>Release {r.version} {r.live ? <Badge tone="good">live</Badge> : null}</td>
                  <td>{when(r.createdAt)}</td>
                  <td>{r.createdByEmail ?? <span className="muted">the platform</span>}</td>
                  <td><div className="row-actions">
                    <button type="button" className="button button-secondary" onClick={() => setState({ from: String(r.version), to: live && !r.live ? 'live' : 'working' })} aria-label={`Compare release ${r.version}`}>Compare</button>
                    {!r.live && service.lifecycle !== 'retired' ? (
                      <button type="button" className="button button-secondary" onClick={() => setRollingBack(r)} aria-label={`Make release ${r.version} live`}>Make live</button>
                    ) : null}
                  </div></td>
                </tr>
              ))}
            </Table>
          )}
        </DataState>
      </section>

      {releases.data && releases.data.releases.length > 0 ? (
        <DiffSection service={service} releases={releases.data.releases} from={state.from || 'live'} to={state.to || 'working'} onChange={setState} />
      ) : null}

      <ConfirmDialog open={releasing} title="Release the working copy?" confirmLabel="Release" busy={release.isPending} onConfirm={() => release.mutate()} onCancel={() => setReleasing(false)}>
        <p>The working copy becomes release {(releases.data?.releases[0]?.version ?? 0) + 1} and the gateway serves it within seconds. Callers see these changes:</p>
        {pending.data ? <ChangeList changes={pending.data.changes} /> : null}
      </ConfirmDialog>
      <ConfirmDialog
        open={rollingBack !== null}
        title={`Make release ${rollingBack?.version ?? ''} live?`}
        confirmLabel={`Make release ${rollingBack?.version ?? ''} live`}
        busy={rollback.isPending}
        onConfirm={() => rollingBack && rollback.mutate(rollingBack)}
        onCancel={() => setRollingBack(null)}
      >
        <p>
          The gateway serves release {rollingBack?.version} instead of release {live?.version} within seconds: a rollback. The working copy is not changed, so the
          next release still carries your edits.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function DiffSection({ service, releases, from, to, onChange }: { service: Service; releases: Release[]; from: string; to: string; onChange: (c: { from?: string; to?: string }) => void }) {
  const diff = useQuery({
    queryKey: ['publisher', service.id, 'diff', from, to],
    queryFn: () => api.get<Diff>(`/api/services/${service.id}/releases/diff${query({ from, to })}`),
  });
  const sides = [
    { value: 'working', label: 'Working copy' },
    { value: 'live', label: 'Live release' },
    ...releases.map((r) => ({ value: String(r.version), label: `Release ${r.version}` })),
  ];
  const labelOf = (v: string) => sides.find((s) => s.value === v)?.label ?? v;
  return (
    <section className="card" aria-labelledby="diff-title">
      <h2 id="diff-title">Compare</h2>
      <div className="toolbar">
        {(['from', 'to'] as const).map((side) => (
          <div className="field" key={side}>
            <label htmlFor={`diff-${side}`}>{side === 'from' ? 'Before' : 'After'}</label>
            <select id={`diff-${side}`} value={side === 'from' ? from : to} onChange={(e) => onChange({ [side]: e.target.value })}>
              {sides.map((s) => (
                <option key={s.value} value={s.value}>{s.label}</option>
              ))}
            </select>
          </div>
        ))}
      </div>
      <DataState query={diff} what="the comparison" isEmpty={(d) => d.changes.length === 0} empty={`${labelOf(from)} and ${labelOf(to)} are the same.`}>
        {(d) => <DiffTable changes={d.changes} beforeLabel={labelOf(from)} afterLabel={labelOf(to)} />}
      </DataState>
    </section>
  );
}
