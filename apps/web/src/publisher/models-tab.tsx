import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import type { ModelRoute, ModelRouteCreate, Provider, Service, WhenServed } from '../api/types';
import { Table } from '../ui/table';
import { DataState, ErrorNote } from '../ui/states';
import { SelectField, TextField } from '../ui/field';
import { ConfirmDialog } from '../ui/confirm';
import { fieldError, optionalNumber, useServiceRefresh } from './forms';
import { RecordsCard, RowActions, useConfirmedDelete } from './records';

type TargetRow = { providerId: string; model: string; weight: string };

/** An AI service's model routes: the public model names callers send, each served by providers' models. */
export function ModelsTab({ service }: { service: Service }) {
  const models = useQuery({ queryKey: ['publisher', service.id, 'models'], queryFn: () => api.get<{ models: ModelRoute[] }>(`/api/services/${service.id}/models`) });
  const providers = useQuery({ queryKey: ['providers'], queryFn: () => api.get<{ providers: Provider[] }>('/api/providers') });
  const providerName = (id: string) => providers.data?.providers.find((p) => p.id === id)?.name ?? id;
  const { deleting, ask, remove, when, setWhen, dialog } = useConfirmedDelete<ModelRoute>(service.id, (m) => `/api/services/${service.id}/models/${m.id}`);
  return (
    <div className="stack">
      <RecordsCard id="models-title" title="Model routes" when={when} error={remove.error} errorTitle="The model route was not deleted">
        <DataState query={models} what="the model routes" isEmpty={(d) => d.models.length === 0} empty="No model yet: callers can ask for a model only once a route names it.">
          {(d) => (
            <Table caption="The service’s model routes" columns={['Model name', 'Served by (in order)', <span className="visually-hidden">Actions</span>]}>
              {d.models.map((m) => (
                <tr key={m.name}>
                  <td><code>{m.name}</code></td>
                  <td>
                    <ol className="compact">
                      {(m.targets ?? []).map((t, i) => (
                        <li key={i}>
                          {providerName(t.providerId)} · <code>{t.model}</code>
                          {t.weight !== undefined ? <span className="muted"> · weight {t.weight}</span> : null}
                        </li>
                      ))}
                    </ol>
                  </td>
                  <RowActions name={m.name} onDelete={() => ask(m)} />
                </tr>
              ))}
            </Table>
          )}
        </DataState>
      </RecordsCard>
      <AddModelRoute service={service} providers={providers.data?.providers ?? []} providersError={providers.error} onDone={setWhen} />
      <ConfirmDialog {...dialog} title={`Delete the model ${deleting?.name ?? ''}?`} confirmLabel="Delete model route">
        <p>Callers asking for <code>{deleting?.name}</code> keep being served until the next release; after it the gateway answers that the model does not exist.</p>
      </ConfirmDialog>
    </div>
  );
}

function AddModelRoute({ service, providers, providersError, onDone }: { service: Service; providers: Provider[]; providersError: unknown; onDone: (w: WhenServed) => void }) {
  const blankTarget = (): TargetRow => ({ providerId: '', model: '', weight: '' });
  const [name, setName] = useState('');
  const [targets, setTargets] = useState<TargetRow[]>([blankTarget()]);
  const refresh = useServiceRefresh(service.id);
  const add = useMutation({
    mutationFn: (body: ModelRouteCreate) => api.post<{ model: ModelRoute } & WhenServed>(`/api/services/${service.id}/models`, body),
    onSuccess: async (answer) => {
      setName('');
      setTargets([blankTarget()]);
      onDone(answer);
      await refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({
      name,
      targets: targets.map((t) => ({ providerId: (providers.find((p) => p.id === t.providerId) ?? providers[0]!).id, model: t.model, ...(t.weight.trim() ? { weight: optionalNumber(t.weight) } : {}) })),
    });
  };
  const setTarget = (i: number, change: Partial<TargetRow>) => setTargets(targets.map((t, j) => (j === i ? { ...t, ...change } : t)));
  const err = (path: string) => fieldError(add.error, path);
  return (
    <form className="card form-card" onSubmit={submit} aria-labelledby="add-model-title">
      <h2 id="add-model-title">Add a model route</h2>
      {providersError ? <ErrorNote error={providersError} title="Could not load the providers" /> : null}
      {add.error ? <ErrorNote error={add.error} title="The model route was not added" /> : null}
      {providers.length === 0 && !providersError ? <p className="muted">No provider is connected yet: a platform admin connects providers first.</p> : null}
      <TextField label="Model name" value={name} onChange={(e) => setName(e.target.value)} error={err('name')} required hint="What callers send as model, e.g. gpt-4o-mini." />
      {targets.map((t, i) => (
        <fieldset key={i} className="fieldset">
          <legend>Target {i + 1}{i === 0 ? ' (tried first)' : ' (fallback)'}</legend>
          <div className="form-grid">
            <SelectField label={`Provider of target ${i + 1}`} value={t.providerId || providers[0]?.id || ''} onChange={(e) => setTarget(i, { providerId: e.target.value })} error={err(`targets.${i}.providerId`)}>
              {providers.map((p) => (
                <option key={p.id} value={p.id}>{p.name} ({p.type})</option>
              ))}
            </SelectField>
            <TextField label={`Upstream model of target ${i + 1}`} value={t.model} onChange={(e) => setTarget(i, { model: e.target.value })} error={err(`targets.${i}.model`)} required />
            <TextField label={`Weight of target ${i + 1}`} type="number" min={0} max={1000} value={t.weight} onChange={(e) => setTarget(i, { weight: e.target.value })} error={err(`targets.${i}.weight`)} hint="Optional: spreads calls by weight." />
          </div>
          {targets.length > 1 ? (
            <button type="button" className="button button-secondary" onClick={() => setTargets(targets.filter((_, j) => j !== i))}>Remove target {i + 1}</button>
          ) : null}
        </fieldset>
      ))}
      <div className="form-actions">
        <button type="button" className="button button-secondary" onClick={() => setTargets([...targets, blankTarget()])} disabled={targets.length >= 10}>Add a fallback target</button>
        <button type="submit" className="button" disabled={add.isPending || providers.length === 0}>{add.isPending ? 'Adding…' : 'Add model route'}</button>
      </div>
    </form>
  );
}
