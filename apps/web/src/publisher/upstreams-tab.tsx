import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Service, TrafficPut, Upstream, UpstreamPut, WhenServed } from '../api/types';
import { Table } from '../ui/table';
import { DataState, ErrorNote } from '../ui/states';
import { SelectField, TextField } from '../ui/field';
import { ConfirmDialog } from '../ui/confirm';
import { useUrlState } from '../ui/use-url-state';
import { fieldError, optionalNumber, useServiceRefresh } from './forms';
import { RecordsCard, RowActions, useConfirmedDelete } from './records';
import { TrafficForm } from './traffic-form';

interface UpstreamsAnswer {
  upstreams: Upstream[];
  traffic: TrafficPut;
}

/** A REST service's upstreams (nodes, weights, balancer, health check) and the traffic split between them. */
export function UpstreamsTab({ service }: { service: Service }) {
  const [state, setState] = useUrlState(['upstream'] as const);
  const upstreams = useQuery({ queryKey: ['publisher', service.id, 'upstreams'], queryFn: () => api.get<UpstreamsAnswer>(`/api/services/${service.id}/upstreams`) });
  const { deleting, ask, remove, when, setWhen, dialog } = useConfirmedDelete<Upstream>(service.id, (u) => `/api/services/${service.id}/upstreams/${encodeURIComponent(u.name)}`);
  const open = upstreams.data?.upstreams.find((u) => u.name === state.upstream);
  // A fresh form after each save, so the next upstream starts blank.
  const [saves, setSaves] = useState(0);
  const hasDefault = upstreams.data?.upstreams.some((u) => u.name === 'default') ?? false;
  return (
    <div className="stack">
      <RecordsCard id="upstreams-title" title="Upstreams" when={when} error={remove.error} errorTitle="The upstream was not deleted">
        <DataState query={upstreams} what="the upstreams" isEmpty={(d) => d.upstreams.length === 0} empty="No upstream yet: calls have nowhere to go. Add one named “default” below.">
          {(d) => (
            <Table caption="The service’s upstreams" columns={['Name', 'Nodes (weight)', 'Balancer', 'Health check', <span className="visually-hidden">Actions</span>]}>
              {d.upstreams.map((u) => (
                <tr key={u.name}>
                  <td><code>{u.name}</code></td>
                  <td>
                    <ul className="compact">
                      {u.nodes.map((n) => (
                        <li key={n.url}><code>{n.url}</code> <span className="muted">({n.weight})</span></li>
                      ))}
                    </ul>
                  </td>
                  <td>{u.balancer.type}</td>
                  <td>{u.healthCheck ? <>GET <code>{u.healthCheck.path}</code> every {u.healthCheck.intervalMs / 1000} s</> : <span className="muted">off</span>}</td>
                  <RowActions name={u.name} onEdit={() => setState({ upstream: u.name })} onDelete={() => ask(u)} />
                </tr>
              ))}
            </Table>
          )}
        </DataState>
      </RecordsCard>
      <UpstreamForm
        key={open?.name ?? `new-${saves}-${hasDefault}`}
        service={service}
        existing={open}
        suggestedName={hasDefault ? '' : 'default'}
        onDone={(w) => {
          setWhen(w);
          setSaves(saves + 1);
          setState({ upstream: null });
        }}
        onCancel={open ? () => setState({ upstream: null }) : undefined}
      />
      {upstreams.data ? <TrafficForm service={service} upstreams={upstreams.data.upstreams} traffic={upstreams.data.traffic} /> : null}
      <ConfirmDialog {...dialog} title={`Delete the upstream ${deleting?.name ?? ''}?`} confirmLabel="Delete upstream">
        <p>It leaves the working copy now; the live release keeps sending calls to it until the next release.</p>
      </ConfirmDialog>
    </div>
  );
}

type NodeRow = { url: string; weight: string };

function UpstreamForm({ service, existing, suggestedName, onDone, onCancel }: { service: Service; existing?: Upstream; suggestedName: string; onDone: (w: WhenServed) => void; onCancel?: () => void }) {
  const [name, setName] = useState(existing?.name ?? suggestedName);
  const [nodes, setNodes] = useState<NodeRow[]>(existing ? existing.nodes.map((n) => ({ url: n.url, weight: String(n.weight) })) : [{ url: '', weight: '1' }]);
  const [balancer, setBalancer] = useState<'round-robin' | 'least-requests'>(existing?.balancer.type === 'least-requests' ? 'least-requests' : 'round-robin');
  const [health, setHealth] = useState({ on: Boolean(existing?.healthCheck), path: existing?.healthCheck?.path ?? '/healthz', intervalS: String((existing?.healthCheck?.intervalMs ?? 10_000) / 1000) });
  const refresh = useServiceRefresh(service.id);
  const save = useMutation({
    mutationFn: (body: UpstreamPut) => api.put<{ upstream: Upstream } & WhenServed>(`/api/services/${service.id}/upstreams/${encodeURIComponent(name)}`, body),
    onSuccess: async (answer) => {
      onDone(answer);
      await refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // A hash balancer has settings this form does not edit: keep it as it is.
    const keptBalancer = existing?.balancer.type === 'hash' ? existing.balancer : { type: balancer };
    save.mutate({
      nodes: nodes.map((n) => ({ url: n.url, weight: optionalNumber(n.weight) ?? 1 })),
      balancer: keptBalancer,
      healthCheck: health.on ? { path: health.path, intervalMs: Math.round((optionalNumber(health.intervalS) ?? 10) * 1000) } : null,
      ...(existing && { outlier: existing.outlier, timeouts: existing.timeouts, retries: existing.retries, hostHeader: existing.hostHeader }),
    });
  };
  const setNode = (i: number, change: Partial<NodeRow>) => setNodes(nodes.map((n, j) => (j === i ? { ...n, ...change } : n)));
  const err = (path: string) => fieldError(save.error, path);
  const title = existing ? `Edit the upstream ${existing.name}` : 'Add an upstream';
  return (
    <form className="card form-card" onSubmit={submit} aria-label={title}>
      <h2>{title}</h2>
      {save.error ? <ErrorNote error={save.error} title="The upstream was not saved" /> : null}
      <div className="form-grid">
        <TextField label="Upstream name" value={name} onChange={(e) => setName(e.target.value)} error={err('name')} disabled={Boolean(existing)} required hint="Without a traffic split, calls go to “default”." />
        <SelectField label="Balancer" value={balancer} onChange={(e) => setBalancer(e.target.value as typeof balancer)} disabled={existing?.balancer.type === 'hash'}>
          <option value="round-robin">Round robin (by weight)</option>
          <option value="least-requests">Least requests</option>
        </SelectField>
      </div>
      {nodes.map((n, i) => (
        <div key={i} className="form-grid node-row">
          <TextField label={`Node ${i + 1} URL`} value={n.url} onChange={(e) => setNode(i, { url: e.target.value })} error={err(`nodes.${i}.url`)} placeholder="http://10.0.0.5:8080" required />
          <TextField label={`Node ${i + 1} weight`} type="number" min={0} max={1000} value={n.weight} onChange={(e) => setNode(i, { weight: e.target.value })} error={err(`nodes.${i}.weight`)} />
          {nodes.length > 1 ? <button type="button" className="button button-secondary" onClick={() => setNodes(nodes.filter((_, j) => j !== i))}>Remove node {i + 1}</button> : null}
        </div>
      ))}
      {err('nodes') && !nodes.some((_, i) => err(`nodes.${i}.url`) || err(`nodes.${i}.weight`)) ? <p className="field-error">{err('nodes')}</p> : null}
      <button type="button" className="button button-secondary" onClick={() => setNodes([...nodes, { url: '', weight: '1' }])} disabled={nodes.length >= 64}>Add a node</button>
      <fieldset className="fieldset">
        <legend>Health check</legend>
        <label className="check">
          <input type="checkbox" checked={health.on} onChange={(e) => setHealth({ ...health, on: e.target.checked })} /> Check the nodes’ health and stop sending to failing ones
        </label>
        {health.on ? (
          <div className="form-grid">
            <TextField label="Health check path" value={health.path} onChange={(e) => setHealth({ ...health, path: e.target.value })} error={err('healthCheck.path')} />
            <TextField label="Every (seconds)" type="number" min={1} value={health.intervalS} onChange={(e) => setHealth({ ...health, intervalS: e.target.value })} error={err('healthCheck.intervalMs') ?? err('healthCheck.timeoutMs')} />
          </div>
        ) : null}
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="button" disabled={save.isPending}>{save.isPending ? 'Saving…' : 'Save upstream'}</button>
        {onCancel ? <button type="button" className="button button-secondary" onClick={onCancel}>Cancel</button> : null}
      </div>
    </form>
  );
}
