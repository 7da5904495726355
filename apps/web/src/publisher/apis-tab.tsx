import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Service, ServiceApi, ServiceApiCreate, WhenServed } from '../api/types';
import { Table } from '../ui/table';
import { DataState, ErrorNote } from '../ui/states';
import { SelectField, TextArea, TextField } from '../ui/field';
import { ConfirmDialog } from '../ui/confirm';
import { useUrlState } from '../ui/use-url-state';
import { fieldError, splitList, useServiceRefresh } from './forms';
import { RecordsCard, RowActions, useConfirmedDelete } from './records';
import { OpenApiUpload } from './openapi-upload';

/** The chat endpoint every AI service has: the gateway serves the service through it, so it stays. */
const isBuiltin = (service: Service, a: ServiceApi) => service.kind === 'ai' && a.path === '/v1/chat/completions';

/** The service's operations: the list, one open for editing (`?api=` in the URL), a new one, and an OpenAPI import. */
export function ApisTab({ service }: { service: Service }) {
  const [state, setState] = useUrlState(['api'] as const);
  const apis = useQuery({ queryKey: ['publisher', service.id, 'apis'], queryFn: () => api.get<{ apis: ServiceApi[] }>(`/api/services/${service.id}/apis`) });
  const { deleting, ask, remove, when, setWhen, dialog } = useConfirmedDelete<ServiceApi>(service.id, (a) => `/api/services/${service.id}/apis/${a.id}`);
  const open = apis.data?.apis.find((a) => a.id === state.api);
  return (
    <div className="stack">
      <RecordsCard id="apis-title" title="APIs" when={when} error={remove.error} errorTitle="The API was not deleted">
        <DataState query={apis} what="the APIs" isEmpty={(d) => d.apis.length === 0} empty="No API yet: add one below or import an OpenAPI document.">
          {(d) => (
            <Table caption="The service’s APIs" columns={['Name', 'Methods', 'Path', 'Description', <span className="visually-hidden">Actions</span>]}>
              {d.apis.map((a) => (
                <tr key={a.id ?? a.path}>
                  <td>{a.name}</td>
                  <td><code>{a.methods.join(', ')}</code></td>
                  <td><code>{a.path}</code></td>
                  <td>{a.description || <span className="muted">—</span>}</td>
                  {/* A prompt API has no id here: it is edited on the Prompts page. */}
                  {a.id ? <RowActions name={a.name} onEdit={() => setState({ api: a.id })} onDelete={isBuiltin(service, a) ? undefined : () => ask(a)} /> : <td />}
                </tr>
              ))}
            </Table>
          )}
        </DataState>
      </RecordsCard>
      {open ? (
        <ApiForm key={open.id} service={service} existing={open} onDone={(w) => { setWhen(w); setState({ api: null }); }} onCancel={() => setState({ api: null })} />
      ) : (
        <ApiForm key="new" service={service} onDone={setWhen} />
      )}
      <OpenApiUpload service={service} />
      <ConfirmDialog {...dialog} title={`Delete ${deleting?.name ?? 'the API'}?`} confirmLabel="Delete API">
        <p>
          <code>{deleting?.methods.join(',')} {deleting?.path}</code> leaves the working copy now. Callers keep it until the next release; after that the gateway answers 404 for it.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function ApiForm({ service, existing, onDone, onCancel }: { service: Service; existing?: ServiceApi; onDone: (w: WhenServed) => void; onCancel?: () => void }) {
  const blank = { name: '', methods: 'GET', path: '/', description: '', pathType: 'exact' };
  const [form, setForm] = useState(() =>
    existing ? { name: existing.name, methods: existing.methods.join(', '), path: existing.path, description: existing.description, pathType: ('pathType' in existing && existing.pathType) || 'exact' } : blank,
  );
  const refresh = useServiceRefresh(service.id);
  const builtin = existing ? isBuiltin(service, existing) : false;
  const save = useMutation({
    mutationFn: (body: ServiceApiCreate) =>
      existing
        ? api.patch<{ api: ServiceApi } & WhenServed>(`/api/services/${service.id}/apis/${existing.id}`, builtin ? { name: body.name, description: body.description } : body)
        : api.post<{ api: ServiceApi } & WhenServed>(`/api/services/${service.id}/apis`, body),
    onSuccess: async (answer) => {
      if (!existing) setForm(blank);
      onDone(answer);
      await refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: ServiceApiCreate = { name: form.name, methods: splitList(form.methods), path: form.path, description: form.description };
    save.mutate(service.kind === 'rest' ? { ...body, pathType: form.pathType as 'exact' | 'prefix' } : body);
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const err = (path: string) => fieldError(save.error, path);
  const title = existing ? `Edit ${existing.name}` : 'Add an API';
  return (
    <form className="card form-card" onSubmit={submit} aria-label={title}>
      <h2>{title}</h2>
      {save.error ? <ErrorNote error={save.error} title="The API was not saved" /> : null}
      <div className="form-grid">
        <TextField label="API name" value={form.name} onChange={set('name')} error={err('name')} required />
        <TextField label="Methods" value={form.methods} onChange={set('methods')} error={err('methods')} disabled={builtin} hint="Comma-separated: GET, POST." />
        <TextField label="Path" value={form.path} onChange={set('path')} error={err('path')} disabled={builtin} hint="Starts with /; {id} marks a parameter." />
        {service.kind === 'rest' ? (
          <SelectField label="Path match" value={form.pathType} onChange={set('pathType')} error={err('pathType')}>
            <option value="exact">Exact (parameters allowed)</option>
            <option value="prefix">Prefix: this path and below</option>
          </SelectField>
        ) : null}
      </div>
      <TextArea label="API description" value={form.description} onChange={set('description')} error={err('description')} rows={2} />
      <div className="form-actions">
        <button type="submit" className="button" disabled={save.isPending}>{save.isPending ? 'Saving…' : existing ? 'Save API' : 'Add API'}</button>
        {onCancel ? <button type="button" className="button button-secondary" onClick={onCancel}>Cancel</button> : null}
      </div>
    </form>
  );
}
