import { useId, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { ApiError, request } from '../api/client';
import type { Service, ServiceApi, WhenServed } from '../api/types';
import { ErrorNote } from '../ui/states';
import { useServiceRefresh } from './forms';
import { TakesEffectNote } from './takes-effect';

interface ImportAnswer extends WhenServed {
  apis: ServiceApi[];
  imported: number;
  upstreamFromServers?: string[];
  serversSkipped?: Array<{ url: string; reason: string }>;
}

/** The portal reads the document as JSON or YAML by its content type; the file's name says which it is. */
const contentTypeOf = (file: File) =>
  /\.json$/i.test(file.name) || file.type === 'application/json' ? 'application/json' : 'application/yaml';

/**
 * Importing an OpenAPI document replaces the service's APIs. A refused document's problems are listed one by
 * one with their place in the document (`paths./pets.get.tags`), under the file input that sent it.
 */
export function OpenApiUpload({ service }: { service: Service }) {
  const inputId = useId();
  const [file, setFile] = useState<File | null>(null);
  const refresh = useServiceRefresh(service.id);
  const upload = useMutation({
    mutationFn: async (f: File) =>
      request<ImportAnswer>('PUT', `/api/services/${service.id}/openapi`, undefined, {
        body: await f.text(),
        headers: { accept: 'application/json', 'content-type': contentTypeOf(f) },
      }),
    onSuccess: () => refresh(),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (file) upload.mutate(file);
  };
  const problems = upload.error instanceof ApiError ? upload.error.fields : [];
  return (
    <form className="card form-card" onSubmit={submit} aria-labelledby="openapi-title">
      <h2 id="openapi-title">Import an OpenAPI document</h2>
      <p className="muted">OpenAPI 3.0 or 3.1, as JSON or YAML. Its operations replace the service’s APIs{service.kind === 'ai' ? ' (the chat completions API stays)' : ''}.</p>
      <div className={`field${upload.error ? ' field-invalid' : ''}`}>
        <label htmlFor={inputId}>OpenAPI document</label>
        <input
          id={inputId}
          type="file"
          accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
          aria-describedby={upload.error ? `${inputId}-problems` : undefined}
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            upload.reset();
          }}
        />
        {upload.error ? (
          <div id={`${inputId}-problems`} className="import-problems">
            <ErrorNote error={upload.error} title={`${file?.name ?? 'The document'} was not imported`} />
            {problems.length ? (
              <ul aria-label="Problems in the document">
                {problems.map((p) => (
                  <li key={`${p.path} ${p.message}`}>
                    <code>{p.path}</code>: {p.message}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </div>
      {upload.isSuccess ? (
        <div role="status" className="note note-good">
          Imported {upload.data.imported} operation{upload.data.imported === 1 ? '' : 's'}; the service now has {upload.data.apis.length} API{upload.data.apis.length === 1 ? '' : 's'}.
          {upload.data.upstreamFromServers?.length ? <> Its first upstream was made from the document’s servers: {upload.data.upstreamFromServers.join(', ')}.</> : null}
          {upload.data.serversSkipped?.length ? (
            <ul>
              {upload.data.serversSkipped.map((s) => (
                <li key={s.url}>Server {s.url} not used: {s.reason}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {upload.isSuccess ? <TakesEffectNote when={upload.data} /> : null}
      <div className="form-actions">
        <button type="submit" className="button" disabled={!file || upload.isPending}>{upload.isPending ? 'Importing…' : 'Import document'}</button>
      </div>
    </form>
  );
}
