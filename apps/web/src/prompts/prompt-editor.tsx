import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import type { ModelRoute, Prompt, PromptSpecJson } from '../api/types';
import { SelectField, TextArea } from '../ui/field';
import { ErrorNote } from '../ui/states';

type Message = PromptSpecJson['messages'][number];
const roles: Message['role'][] = ['system', 'user', 'assistant'];

/** The portal's messages for a field and everything inside it (`draft.variables` covers `draft.variables.properties.x`). */
export function messagesUnder(error: unknown, path: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const found = error.fields.filter((f) => f.path === path || f.path.startsWith(`${path}.`)).map((f) => (f.path === path ? f.message : `${f.path.slice(path.length + 1)}: ${f.message}`));
  return found.length ? found.join('; ') : undefined;
}

const pretty = (v: unknown) => JSON.stringify(v ?? {}, null, 2);

/** Parses a JSON object field, or says what is wrong with it in words the author can act on. */
function parseObject(text: string, what: string): { value?: Record<string, unknown>; error?: string } {
  if (!text.trim()) return { value: {} };
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: `${what} must be a JSON object ({ … }).` };
    return { value: v as Record<string, unknown> };
  } catch (err) {
    return { error: `${what} is not valid JSON: ${(err as Error).message}` };
  }
}

/**
 * The draft: messages with {{variables}}, the variables' JSON Schema, the model (one of the service's model
 * routes) and the model parameters. Saving checks it in the portal; each problem shows beside its input.
 */
export function PromptEditor({ prompt }: { prompt: Prompt }) {
  const client = useQueryClient();
  const draft = prompt.draft;
  const [messages, setMessages] = useState<Message[]>(draft.messages);
  const [variables, setVariables] = useState(pretty(draft.variables));
  const [model, setModel] = useState(draft.model);
  const [parameters, setParameters] = useState(pretty(draft.parameters));
  const [local, setLocal] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const models = useQuery({ queryKey: ['models', prompt.serviceId], queryFn: () => api.get<{ models: ModelRoute[] }>(`/api/services/${prompt.serviceId}/models`) });
  const save = useMutation({
    mutationFn: (next: PromptSpecJson) => api.patch<{ prompt: Prompt }>(`/api/prompts/${prompt.id}`, { draft: next }),
    onSuccess: ({ prompt: updated }) => {
      setSaved(true);
      // The diff against the draft and the test run read the saved draft.
      void client.invalidateQueries({ queryKey: ['prompt-diff', prompt.id] });
      client.setQueryData(['prompt', prompt.id], { prompt: updated });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const vars = parseObject(variables, 'The variables schema');
    const params = parseObject(parameters, 'The parameters');
    const problems: Record<string, string> = {};
    if (vars.error) problems.variables = vars.error;
    if (params.error) problems.parameters = params.error;
    setLocal(problems);
    if (Object.keys(problems).length) return;
    save.mutate({ messages, variables: vars.value!, model, ...(Object.keys(params.value!).length ? { parameters: params.value } : {}), ...(draft.outputSchema ? { outputSchema: draft.outputSchema } : {}) });
  };
  const err = save.error;
  const setMessage = (i: number, change: Partial<Message>) => {
    setSaved(false);
    setMessages(messages.map((m, j) => (j === i ? { ...m, ...change } : m)));
  };
  const modelNames = (models.data?.models ?? []).map((m) => m.name);
  return (
    <form className="card prompt-editor" onSubmit={submit} aria-labelledby="editor-title">
      <h2 id="editor-title">Template (draft)</h2>
      <p className="hint">Write <code>{'{{name}}'}</code> where a variable goes; every name must be declared in the variables schema.</p>
      {err && !(err instanceof ApiError && err.fields.length) ? <ErrorNote error={err} title="The draft was not saved" /> : null}
      {err instanceof ApiError && err.fields.length ? <p role="alert" className="field-error">The draft was not saved: fix the fields marked below.</p> : null}
      <fieldset className="messages">
        <legend>Messages</legend>
        {messages.map((m, i) => (
          <div key={i} className="message-row">
            <SelectField label={`Message ${i + 1} role`} value={m.role} onChange={(e) => setMessage(i, { role: e.target.value as Message['role'] })} error={messagesUnder(err, `draft.messages.${i}.role`)}>
              {roles.map((r) => <option key={r} value={r}>{r}</option>)}
            </SelectField>
            <TextArea label={`Message ${i + 1} content`} rows={4} value={m.content} onChange={(e) => setMessage(i, { content: e.target.value })} error={messagesUnder(err, `draft.messages.${i}.content`)} />
            <button type="button" className="button button-secondary button-small" disabled={messages.length === 1} onClick={() => setMessages(messages.filter((_, j) => j !== i))}>
              Remove message {i + 1}
            </button>
          </div>
        ))}
        {messagesUnder(err, 'draft.messages') && !messages.some((_, i) => messagesUnder(err, `draft.messages.${i}`)) ? <p className="field-error">{messagesUnder(err, 'draft.messages')}</p> : null}
        <button type="button" className="button button-secondary" onClick={() => setMessages([...messages, { role: 'user', content: '' }])}>Add a message</button>
      </fieldset>
      <TextArea label="Variables (JSON Schema)" rows={6} value={variables} onChange={(e) => setVariables(e.target.value)} error={local.variables ?? messagesUnder(err, 'draft.variables')} spellCheck={false} />
      <SelectField label="Model" value={model} onChange={(e) => setModel(e.target.value)} error={messagesUnder(err, 'draft.model')} hint="One of the service’s model routes.">
        {modelNames.includes(model) ? null : <option value={model}>{model} (not routed)</option>}
        {modelNames.map((n) => <option key={n} value={n}>{n}</option>)}
      </SelectField>
      <TextArea label="Parameters (JSON)" rows={4} value={parameters} onChange={(e) => setParameters(e.target.value)} error={local.parameters ?? messagesUnder(err, 'draft.parameters')} hint="Such as temperature and max_tokens." spellCheck={false} />
      <div className="form-actions">
        <button type="submit" className="button" disabled={save.isPending}>{save.isPending ? 'Saving…' : 'Save draft'}</button>
        <span role="status" className="muted">{saved ? 'Draft saved. Freeze a version to publish it.' : ''}</span>
      </div>
    </form>
  );
}
