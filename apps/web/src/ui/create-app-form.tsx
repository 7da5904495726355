import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { App, AppCreate, Team } from '../api/types';
import { SelectField, TextField } from './field';
import { ErrorNote } from './states';
import { useAction } from './use-action';

/**
 * Creates an app in one of the user's teams: on the apps page and inline where an app is needed (subscribing
 * to a service). What was typed stays after a refusal; the portal's field messages show beside the inputs.
 */
export function CreateAppForm({ teams, onCreated, submitLabel = 'Create app' }: { teams: Team[]; onCreated: (app: App) => void; submitLabel?: string }) {
  const client = useQueryClient();
  const [teamId, setTeamId] = useState<Team['id'] | ''>(teams[0]?.id ?? '');
  const [name, setName] = useState('');
  const { busy, run, fieldError, formError } = useAction();
  if (!teams.length) return <p className="muted">You are not a member of any team yet: ask a platform admin to add you to one, then create an app in it.</p>;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const body: AppCreate = { name };
      const { app } = await api.post<{ app: App }>(`/api/teams/${teamId}/apps`, body);
      await client.invalidateQueries({ queryKey: ['my-apps'] });
      setName('');
      onCreated(app);
    });
  };
  return (
    <form className="create-app-form" onSubmit={submit} aria-label="Create an app">
      {formError('name') ? <ErrorNote error={formError('name')} title="The app was not created" /> : null}
      {teams.length > 1 ? (
        <SelectField label="Team" value={teamId} onChange={(e) => setTeamId(e.target.value as Team['id'])}>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>{t.name}</option>
          ))}
        </SelectField>
      ) : (
        <p className="muted">In team <strong>{teams[0]!.name}</strong>.</p>
      )}
      <TextField label="App name" required maxLength={120} value={name} onChange={(e) => setName(e.target.value)} error={fieldError('name')} hint="What calls the APIs: a product, a script, an environment." />
      <button type="submit" className="button" disabled={busy}>{busy ? 'Creating…' : submitLabel}</button>
    </form>
  );
}
