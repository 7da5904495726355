import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Service, ServiceUpdate, WhenServed } from '../api/types';
import { SelectField, TextArea, TextField } from '../ui/field';
import { ErrorNote } from '../ui/states';
import { fieldError, splitList, useServiceRefresh } from './forms';
import { TakesEffectNote } from './takes-effect';

type Cors = NonNullable<Service['cors']>;

const formOf = (s: Service) => ({
  name: s.name,
  description: s.description,
  tags: s.tags.join(', '),
  visibility: s.visibility,
  hosts: (s.hosts ?? []).join('\n'),
  keyHeader: s.keyLocations?.header ?? '',
  keyQuery: s.keyLocations?.query ?? '',
  corsOn: Boolean(s.cors),
  corsOrigins: (s.cors?.allowOrigins ?? []).join('\n'),
  corsCredentials: s.cors?.allowCredentials ?? false,
});

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Only what changed is sent: an untouched name must not count as an edit waiting for a release. */
function changes(s: Service, f: ReturnType<typeof formOf>): ServiceUpdate {
  const out: ServiceUpdate = {};
  if (f.name !== s.name) out.name = f.name;
  if (f.description !== s.description) out.description = f.description;
  const tags = splitList(f.tags);
  if (!same(tags, s.tags)) out.tags = tags;
  if (f.visibility !== s.visibility) out.visibility = f.visibility;
  if (s.kind !== 'rest') return out;
  const hosts = splitList(f.hosts);
  if (!same(hosts, s.hosts ?? [])) out.hosts = hosts;
  const keyLocations = { header: f.keyHeader.trim() || null, query: f.keyQuery.trim() || null };
  if (!same(keyLocations, s.keyLocations ?? { header: null, query: null })) out.keyLocations = keyLocations;
  const cors: Cors | null = f.corsOn ? { ...(s.cors ?? defaultCors), allowOrigins: splitList(f.corsOrigins), allowCredentials: f.corsCredentials } : null;
  if (!same(cors, s.cors ?? null)) out.cors = cors;
  return out;
}

const defaultCors: Cors = { allowOrigins: [], allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], allowHeaders: ['authorization', 'content-type'], exposeHeaders: [], allowCredentials: false, maxAgeSeconds: 600 };

/** The service's own fields; for a REST service also its hosts, where keys may be sent, and CORS. */
export function OverviewTab({ service }: { service: Service }) {
  const [form, setForm] = useState(() => formOf(service));
  const [nothing, setNothing] = useState(false);
  const refresh = useServiceRefresh(service.id);
  const save = useMutation({
    mutationFn: (body: ServiceUpdate) => api.patch<{ service: Service } & WhenServed & { deferredFields?: string[] }>(`/api/services/${service.id}`, body),
    onSuccess: () => refresh(),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = changes(service, form);
    setNothing(Object.keys(body).length === 0);
    if (Object.keys(body).length) save.mutate(body);
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const err = (path: string) => fieldError(save.error, path);
  return (
    <form className="card form-card" onSubmit={submit} aria-labelledby="overview-title">
      <h2 id="overview-title">Overview</h2>
      {save.error ? <ErrorNote error={save.error} title="Not saved" /> : null}
      <TextField label="Name" value={form.name} onChange={set('name')} error={err('name')} required maxLength={120} />
      <TextArea label="Description" value={form.description} onChange={set('description')} error={err('description')} rows={4} />
      <div className="form-grid">
        <TextField label="Tags" value={form.tags} onChange={set('tags')} error={err('tags')} hint="Comma-separated, lowercase." />
        <SelectField label="Visibility" value={form.visibility} onChange={set('visibility')} error={err('visibility')} hint="Who finds it in the catalogue once published.">
          <option value="public">Public: every signed-in user</option>
          <option value="team">Team only</option>
        </SelectField>
      </div>
      {service.kind === 'rest' ? (
        <fieldset className="fieldset">
          <legend>How callers reach it</legend>
          <TextArea label="Hosts" value={form.hosts} onChange={set('hosts')} error={err('hosts')} rows={2} hint="One per line (api.example.com). Calls with this Host header go to this service." />
          <div className="form-grid">
            <TextField label="API key header" value={form.keyHeader} onChange={set('keyHeader')} error={err('keyLocations.header')} hint="Besides Authorization: Bearer and x-api-key." />
            <TextField label="API key query parameter" value={form.keyQuery} onChange={set('keyQuery')} error={err('keyLocations.query')} />
          </div>
          <label className="check">
            <input type="checkbox" checked={form.corsOn} onChange={(e) => setForm({ ...form, corsOn: e.target.checked })} /> Answer CORS preflights for browsers
          </label>
          {form.corsOn ? (
            <>
              <TextArea label="Allowed origins" value={form.corsOrigins} onChange={set('corsOrigins')} error={err('cors.allowOrigins') ?? err('cors')} rows={2} hint="One per line: https://app.example.com, or *." />
              <label className="check">
                <input type="checkbox" checked={form.corsCredentials} onChange={(e) => setForm({ ...form, corsCredentials: e.target.checked })} /> Allow credentials (cookies)
              </label>
            </>
          ) : null}
        </fieldset>
      ) : null}
      {nothing ? <p role="status" className="muted">Nothing changed.</p> : null}
      {save.isSuccess && !nothing ? <TakesEffectNote when={save.data} /> : null}
      {save.isSuccess && !nothing && save.data.deferredFields && Object.keys(save.variables).length > save.data.deferredFields.length ? (
        <p className="hint">Waiting for it: {save.data.deferredFields.join(', ')}. The other changes (tags, visibility) apply now.</p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button" disabled={save.isPending}>{save.isPending ? 'Saving…' : 'Save changes'}</button>
      </div>
    </form>
  );
}
