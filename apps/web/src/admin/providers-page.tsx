import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Provider, ProviderTest, ProviderTestInput } from '../api/types';
import { Page } from '../ui/page';
import { DataState, ErrorNote } from '../ui/states';
import { Badge } from '../ui/badge';
import { ConfirmDialog } from '../ui/confirm';
import { TextField } from '../ui/field';
import { useUrlState } from '../ui/use-url-state';
import { ProviderForm, perMillion, providerTypes } from './provider-form';

/** The model providers the gateway calls: list, create, edit, delete, and a real call to test each one. */
export function ProvidersPage() {
  const [state, setState] = useUrlState(['new', 'edit'] as const);
  const providers = useQuery({ queryKey: ['providers'], queryFn: () => api.get<{ providers: Provider[] }>('/api/providers') });
  const editing = providers.data?.providers.find((p) => p.id === state.edit);
  return (
    <Page
      title="Providers"
      lead="The model providers AI services route to, with their keys (write-only), settings and prices."
      actions={<button type="button" className="button" aria-expanded={state.new === '1'} onClick={() => setState({ new: state.new === '1' ? null : '1', edit: null })}>New provider</button>}
    >
      {state.new === '1' ? <ProviderForm onDone={() => setState({ new: null })} /> : null}
      {editing ? <ProviderForm key={editing.id} provider={editing} onDone={() => setState({ edit: null })} /> : null}
      {state.edit && providers.isSuccess && !editing ? <p role="alert" className="note note-error">No provider has the id {state.edit}.</p> : null}
      <DataState query={providers} what="the providers" isEmpty={(d) => d.providers.length === 0} empty="No provider yet. Create one with “New provider”; AI services route their models to providers.">
        {(d) => (
          <ul className="admin-list" aria-label="Providers">
            {d.providers.map((p) => (
              <ProviderItem key={p.id} provider={p} onEdit={() => setState({ edit: p.id, new: null })} />
            ))}
          </ul>
        )}
      </DataState>
    </Page>
  );
}

function ProviderItem({ provider, onEdit }: { provider: Provider; onEdit: () => void }) {
  const client = useQueryClient();
  const details = 'baseUrl' in provider ? provider : undefined;
  const [confirming, setConfirming] = useState(false);
  const [model, setModel] = useState('');
  const test = useMutation({ mutationFn: (body: ProviderTestInput) => api.post<ProviderTest>(`/api/providers/${provider.id}/test`, body) });
  const remove = useMutation({
    mutationFn: () => api.delete(`/api/providers/${provider.id}`),
    onSuccess: async () => {
      setConfirming(false);
      await client.invalidateQueries({ queryKey: ['providers'] });
    },
  });
  const headingId = `provider-${provider.id}`;
  const type = providerTypes[provider.type as keyof typeof providerTypes]?.label ?? provider.type;
  return (
    <li className="card admin-item" aria-labelledby={headingId}>
      <div className="admin-item-head">
        <h2 id={headingId}>{provider.name}</h2>
        <Badge tone="info">{type}</Badge>
      </div>
      <dl className="admin-facts">
        <div><dt>Base URL</dt><dd><code>{details?.baseUrl ?? '—'}</code></dd></div>
        <div>
          <dt>API keys <span className="muted">(masked)</span></dt>
          <dd>
            {!details?.hasApiKey ? 'none' : details.keys === null ? 'set, but this portal’s secret cannot open them' : (
              <ul className="admin-keys" aria-label={`Keys of ${provider.name}`}>
                {details.keys.map((k, i) => (
                  <li key={i}><code>{k.hint}</code> <span className="muted">weight {k.weight}</span></li>
                ))}
              </ul>
            )}
          </dd>
        </div>
        <div><dt>Settings</dt><dd>{Object.keys(details?.settings ?? {}).length ? Object.entries(details!.settings).map(([k, v]) => `${k}=${v}`).join(', ') : 'none'}</dd></div>
        <div>
          <dt>Price overrides <span className="muted">(USD per 1M tokens, in / out)</span></dt>
          <dd>{Object.entries(details?.priceOverrides ?? {}).map(([model, p]) => `${model}: ${perMillion(p.input_cost_per_token)} / ${perMillion(p.output_cost_per_token)}`).join(', ') || 'none'}</dd>
        </div>
      </dl>
      <div className="admin-actions">
        {provider.type === 'bedrock' ? (
          <TextField label={`Model to test ${provider.name} with`} value={model} onChange={(e) => setModel(e.target.value)} hint="Bedrock has no models listing here: a one-token call is made." />
        ) : null}
        <button type="button" className="button" disabled={test.isPending} onClick={() => test.mutate(model.trim() ? { model: model.trim() } : {})}>
          {test.isPending ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" className="button button-secondary" onClick={onEdit}>Edit</button>
        <button type="button" className="button button-secondary" onClick={() => setConfirming(true)}>Delete</button>
      </div>
      <div aria-live="polite" className="admin-result">
        {test.data ? <TestResult result={test.data} /> : null}
        {test.error ? <ErrorNote error={test.error} title="The test could not run" /> : null}
      </div>
      {/* Mounted only while asked: a long list of providers holds no hidden dialogs. */}
      {confirming ? (
      <ConfirmDialog open title={`Delete ${provider.name}?`} confirmLabel="Delete provider" busy={remove.isPending} onConfirm={() => remove.mutate()} onCancel={() => { setConfirming(false); remove.reset(); }}>
        <p>Its sealed keys are destroyed. The portal refuses while a model route or a live release still uses it.</p>
        {remove.error ? <ErrorNote error={remove.error} title="The provider was not deleted" /> : null}
      </ConfirmDialog>
      ) : null}
    </li>
  );
}

function TestResult({ result }: { result: ProviderTest }) {
  return (
    <div className={`note ${result.ok ? 'note-good' : 'note-error'}`} role={result.ok ? 'status' : 'alert'}>
      <strong>{result.ok ? 'Connection works.' : 'Connection failed.'}</strong> {result.message}{' '}
      <span className="muted">({result.status === null ? 'no answer' : `HTTP ${result.status}`}, {result.latencyMs} ms)</span>
      {result.keys.length > 1 ? (
        <ul>
          {result.keys.map((k, i) => (
            <li key={i}>
              Key {i + 1} (weight {k.weight}): {k.ok ? 'works' : 'fails'}: {k.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
