import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { streamTestRun } from './stream-run';
import type { Prompt, PromptVersion } from '../api/types';
import { SelectField, TextArea } from '../ui/field';
import { ErrorNote } from '../ui/states';

/** Sample variables from the schema: each declared property's default, or an empty value of its type. */
function sampleVariables(schema: Record<string, unknown>): string {
  const props = (schema.properties ?? {}) as Record<string, { type?: string; default?: unknown }>;
  const empty: Record<string, unknown> = { string: '', integer: 0, number: 0, boolean: false, array: [], object: {} };
  return JSON.stringify(Object.fromEntries(Object.entries(props).map(([k, p]) => [k, p.default ?? empty[p.type ?? 'string'] ?? ''])), null, 2);
}

/** The gateway's answer to a prompt run, read defensively: its shape is the gateway's, not the portal's. */
function describeAnswer(answer: unknown): { output: string; meta: string } {
  const a = (answer ?? {}) as { output?: unknown; model?: unknown; usage?: Record<string, unknown>; costMicroUsd?: unknown };
  const output = typeof a.output === 'string' ? a.output : JSON.stringify(a.output, null, 2);
  // Only what was used: a row of zeros (cached, reasoning) says nothing.
  const usage = a.usage ? Object.entries(a.usage).filter(([, v]) => typeof v === 'number' && v > 0).map(([k, v]) => `${k.replace(/_/g, ' ')} ${String(v)}`).join(', ') : '';
  return { output, meta: [a.model ? `model ${String(a.model)}` : '', usage].filter(Boolean).join(' · ') };
}

/**
 * Runs the saved draft (or a version) with sample variables through a gateway, as a call metered to the team,
 * showing the answer as it streams in. Unsaved edits are not run: the portal runs what it has.
 */
export function TestRunPanel({ prompt }: { prompt: Prompt }) {
  const [variables, setVariables] = useState(() => sampleVariables(prompt.draft.variables));
  const [version, setVersion] = useState('draft');
  const [parseError, setParseError] = useState<string>();
  const versions = useQuery({ queryKey: ['prompt-versions', prompt.id], queryFn: () => api.get<{ versions: PromptVersion[] }>(`/api/prompts/${prompt.id}/versions`) });
  // The text so far, as the model writes it; the final answer replaces it once the run is done.
  const [streamed, setStreamed] = useState('');
  const run = useMutation({
    mutationFn: (vars: Record<string, unknown>) => {
      setStreamed('');
      return streamTestRun(prompt.id, { variables: vars, version: version === 'draft' ? 'draft' : Number(version) }, (text) => setStreamed((so) => so + text));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    let vars: unknown;
    try {
      vars = JSON.parse(variables || '{}');
    } catch (err) {
      return setParseError(`Not valid JSON: ${(err as Error).message}`);
    }
    if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) return setParseError('The variables must be a JSON object.');
    setParseError(undefined);
    run.mutate(vars as Record<string, unknown>);
  };
  const answer = run.data === undefined ? null : describeAnswer(run.data);
  return (
    <form className="card test-run" onSubmit={submit} aria-labelledby="test-run-title">
      <h2 id="test-run-title">Test run</h2>
      <SelectField label="What to run" value={version} onChange={(e) => setVersion(e.target.value)}>
        <option value="draft">the saved draft</option>
        {(versions.data?.versions ?? []).map((v) => <option key={v.version} value={v.version}>version {v.version}</option>)}
      </SelectField>
      <TextArea label="Sample variables (JSON)" rows={5} value={variables} onChange={(e) => setVariables(e.target.value)} error={parseError} spellCheck={false} />
      <button type="submit" className="button" disabled={run.isPending}>{run.isPending ? 'Running…' : 'Run'}</button>
      <div className="test-run-answer">
        <p role="status" className="muted">{run.isPending ? (streamed ? 'Answering…' : 'Waiting for the model…') : answer ? 'Answer complete.' : ''}</p>
        {run.isError ? <ErrorNote error={run.error} title="The test run failed" /> : null}
        {run.isPending && streamed ? (
          <>
            <h3>Answer</h3>
            <pre className="answer" aria-busy="true">{streamed}</pre>
          </>
        ) : null}
        {answer ? (
          <>
            <h3>Answer</h3>
            <pre className="answer">{answer.output}</pre>
            {answer.meta ? <p className="muted">{answer.meta}</p> : null}
          </>
        ) : null}
      </div>
    </form>
  );
}
