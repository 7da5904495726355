import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import { api, ApiError } from '../api/client';
import type { ModelRoute, Prompt, PromptCreate, Service } from '../api/types';
import { Page } from '../ui/page';
import { DataState, ErrorNote } from '../ui/states';
import { Badge } from '../ui/badge';
import { SelectField, TextField } from '../ui/field';
import { useDecidedServices } from '../api/my-services';

/** Every prompt API of the AI services the user publishes, per service, and a form to start a new one. */
export function PromptListPage() {
  const { services, query } = useDecidedServices();
  const ai = services.filter((s) => s.kind === 'ai');
  return (
    <Page title="Prompts" lead="Prompt APIs: a template, its variables and a model, served under the service’s address.">
      <DataState query={query} what="your services" isEmpty={() => ai.length === 0} empty="None of your services is an AI service, so there is no prompt to edit.">
        {() => (
          <>
            {ai.map((s) => <ServicePrompts key={s.id} service={s} />)}
            <CreatePrompt services={ai} />
          </>
        )}
      </DataState>
    </Page>
  );
}

function ServicePrompts({ service }: { service: Service }) {
  const prompts = useQuery({ queryKey: ['prompts', service.id], queryFn: () => api.get<{ prompts: Prompt[] }>(`/api/services/${service.id}/prompts`) });
  return (
    <section className="card prompt-service" aria-labelledby={`prompts-${service.id}`}>
      <h2 id={`prompts-${service.id}`}>{service.name}</h2>
      <DataState query={prompts} what={`the prompts of ${service.name}`} isEmpty={(d) => d.prompts.length === 0} empty="No prompt yet.">
        {(d) => (
          <ul className="prompt-list">
            {d.prompts.map((p) => (
              <li key={p.id}>
                <Link href={`/${p.id}`}>{p.name}</Link> <code>{p.path}</code>{' '}
                {p.publishedVersion ? <Badge tone="good">{`v${p.publishedVersion} published`}</Badge> : <Badge>not published</Badge>}{' '}
                <span className="muted">{p.latestVersion ? `${p.latestVersion} version${p.latestVersion > 1 ? 's' : ''}` : 'no versions'}</span>
              </li>
            ))}
          </ul>
        )}
      </DataState>
    </section>
  );
}

/** A new prompt starts from a one-line template on one of the service's models; the editor does the rest. */
function CreatePrompt({ services }: { services: Service[] }) {
  const [, navigate] = useLocation();
  const [serviceId, setServiceId] = useState<string>(services[0]!.id);
  const [name, setName] = useState('');
  const [path, setPath] = useState('/');
  const models = useQuery({ queryKey: ['models', serviceId], queryFn: () => api.get<{ models: ModelRoute[] }>(`/api/services/${serviceId}/models`) });
  const [model, setModel] = useState('');
  const chosenModel = model || models.data?.models[0]?.name || '';
  const create = useMutation({
    mutationFn: () => {
      const body: PromptCreate = {
        name,
        path,
        draft: {
          messages: [{ role: 'user', content: 'Summarise this: {{text}}' }],
          variables: { type: 'object', properties: { text: { type: 'string', minLength: 1 } }, required: ['text'] },
          model: chosenModel,
          parameters: { temperature: 0.2 },
        },
      };
      return api.post<{ prompt: Prompt }>(`/api/services/${serviceId}/prompts`, body);
    },
    onSuccess: ({ prompt }) => navigate(`/${prompt.id}`),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const field = (p: string) => (create.error instanceof ApiError ? create.error.fieldMessage(p) : undefined);
  return (
    <form className="card create-prompt" onSubmit={submit} aria-labelledby="create-prompt-title">
      <h2 id="create-prompt-title">New prompt</h2>
      {create.isError && !field('name') && !field('path') ? <ErrorNote error={create.error} title="The prompt was not created" /> : null}
      <div className="form-grid">
        <SelectField label="Service" value={serviceId} onChange={(e) => { setServiceId(e.target.value); setModel(''); }}>
          {services.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </SelectField>
        <TextField label="Name" required value={name} onChange={(e) => setName(e.target.value)} error={field('name')} />
        <TextField label="Path" required value={path} onChange={(e) => setPath(e.target.value)} error={field('path')} hint="Where it answers under the service, like /summarize." />
        <SelectField label="Model" value={chosenModel} onChange={(e) => setModel(e.target.value)} error={models.isError ? models.error.message : field('draft.model')} required>
          {(models.data?.models ?? []).map((m) => <option key={m.name} value={m.name}>{m.name}</option>)}
        </SelectField>
      </div>
      <button type="submit" className="button" disabled={create.isPending || !chosenModel}>{create.isPending ? 'Creating…' : 'Create prompt'}</button>
      {models.data && models.data.models.length === 0 ? <p className="hint">This service has no model route yet: add one on its service page first.</p> : null}
    </form>
  );
}
