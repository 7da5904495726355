import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { ApiKey, ApiKeyCreate, ApiKeyRotate } from '../api/types';
import { ConfirmDialog } from '../ui/confirm';
import { CopyButton } from '../ui/copy-button';
import { SelectField, TextField } from '../ui/field';
import { DataState, ErrorNote } from '../ui/states';
import { Badge } from '../ui/badge';
import { when } from './format';
import { Table } from '../ui/table';
import { useAction } from '../ui/use-action';

const graceChoices = [
  { seconds: 0, label: 'End the old key now' },
  { seconds: 3_600, label: 'Keep the old key for 1 hour' },
  { seconds: 86_400, label: 'Keep the old key for 1 day' },
  { seconds: 7 * 86_400, label: 'Keep the old key for 7 days' },
  { seconds: 30 * 86_400, label: 'Keep the old key for 30 days' },
];

function keyState(k: ApiKey, now: number): { word: string; tone: 'good' | 'warn' | 'bad' } {
  if (k.revokedAt) return { word: 'revoked', tone: 'bad' };
  if (k.expiresAt && k.expiresAt <= now) return { word: 'expired', tone: 'bad' };
  // Ends on its own (a rotated key in its grace period, or one made with an expiry): see the Expires column.
  if (k.expiresAt) return { word: 'active', tone: 'warn' };
  return { word: 'active', tone: 'good' };
}

/** The one moment a secret is visible: kept in this component's state only, gone once dismissed or reloaded. */
function SecretPanel({ secret, keyName, onDone }: { secret: string; keyName: string; onDone: () => void }) {
  return (
    <div className="note note-good secret-panel" role="region" aria-label="New key secret">
      <p><strong>The secret of key {keyName}.</strong> Copy it now and keep it somewhere safe: you will not see it again.</p>
      <p className="secret-line">
        <code className="secret">{secret}</code> <CopyButton text={secret} label="Copy secret" />
      </p>
      <button type="button" className="button button-secondary" onClick={onDone}>I have stored it</button>
    </div>
  );
}

export function KeysSection({ appId }: { appId: string }) {
  const client = useQueryClient();
  const keys = useQuery({ queryKey: ['app-keys', appId], queryFn: () => api.get<{ keys: ApiKey[] }>(`/api/apps/${appId}/keys`) });
  const [shown, setShown] = useState<{ secret: string; name: string } | null>(null);
  const [rotating, setRotating] = useState<ApiKey | null>(null);
  const [grace, setGrace] = useState(86_400);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  // A refused rotate or revoke shows in the row of the key it was about.
  const [actedOn, setActedOn] = useState<string | null>(null);
  const { busy, run, error } = useAction();
  const refresh = () => client.invalidateQueries({ queryKey: ['app-keys', appId] });
  const act = (key: ApiKey, work: () => Promise<void>) => {
    setActedOn(key.id);
    return run(async () => {
      try {
        await work();
        await refresh();
      } finally {
        setRotating(null);
        setRevoking(null);
      }
    });
  };
  const rotate = (key: ApiKey) =>
    act(key, async () => {
      const body: ApiKeyRotate = { graceSeconds: grace };
      const { key: created, secret } = await api.post<{ key: ApiKey; secret: string }>(`/api/apps/${appId}/keys/${key.id}/rotate`, body);
      setShown({ secret, name: created.name });
    });
  const revoke = (key: ApiKey) => act(key, () => api.post(`/api/apps/${appId}/keys/${key.id}/revoke`));
  const now = Date.now();
  return (
    <section aria-labelledby="keys-heading" className="app-section">
      <h2 id="keys-heading">Keys</h2>
      {shown ? <SecretPanel secret={shown.secret} keyName={shown.name} onDone={() => setShown(null)} /> : null}
      <CreateKeyForm appId={appId} onCreated={(secret, name) => { setShown({ secret, name }); void refresh(); }} />
      <DataState query={keys} what="keys" isEmpty={(d) => d.keys.length === 0} empty="No key yet. Create one to call the gateway.">
        {(d) => (
          <Table caption="Keys of this app" columns={['Name', 'Prefix', 'State', 'Created', 'Last used', 'Expires', <span className="visually-hidden">Actions</span>]}>
            {d.keys.map((k) => {
              const state = keyState(k, now);
              const usable = state.tone !== 'bad';
              return (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td><code>{k.prefix}…</code></td>
                  <td><Badge tone={state.tone}>{state.word}</Badge></td>
                  <td>{when(k.createdAt)}</td>
                  <td>{when(k.lastUsedAt, 'never')}</td>
                  <td>{when(k.revokedAt ?? k.expiresAt, 'never')}</td>
                  <td>
                    {usable ? (
                      <div className="row-actions">
                        <button type="button" className="button button-secondary" onClick={() => setRotating(k)} aria-label={`Rotate key ${k.name} (${k.prefix})`}>Rotate</button>
                        <button type="button" className="button button-secondary" onClick={() => setRevoking(k)} aria-label={`Revoke key ${k.name} (${k.prefix})`}>Revoke</button>
                      </div>
                    ) : null}
                    {actedOn === k.id && error ? <ErrorNote error={error} title="That did not work" /> : null}
                  </td>
                </tr>
              );
            })}
          </Table>
        )}
      </DataState>
      <ConfirmDialog open={rotating !== null} title={`Rotate key ${rotating?.name ?? ''}?`} confirmLabel="Rotate key" busy={busy} onCancel={() => setRotating(null)} onConfirm={() => rotating && void rotate(rotating)}>
        <p>A new key is made now and its secret shown once. The old key ({rotating?.prefix}…) keeps working for the time you choose, so your clients can switch without an outage.</p>
        <SelectField label="Grace period" value={String(grace)} onChange={(e) => setGrace(Number(e.target.value))}>
          {graceChoices.map((g) => (
            <option key={g.seconds} value={g.seconds}>{g.label}</option>
          ))}
        </SelectField>
      </ConfirmDialog>
      <ConfirmDialog open={revoking !== null} title={`Revoke key ${revoking?.name ?? ''}?`} confirmLabel="Revoke key" busy={busy} onCancel={() => setRevoking(null)} onConfirm={() => revoking && void revoke(revoking)}>
        <p>Calls with the key {revoking?.prefix}… are refused from now on. This cannot be undone.</p>
      </ConfirmDialog>
    </section>
  );
}

function CreateKeyForm({ appId, onCreated }: { appId: string; onCreated: (secret: string, name: string) => void }) {
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const { busy, run, fieldError, formError } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      // The end of the chosen day, in the reader's time zone.
      const body: ApiKeyCreate = { name, ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}) };
      const { key, secret } = await api.post<{ key: ApiKey; secret: string }>(`/api/apps/${appId}/keys`, body);
      setName('');
      setExpires('');
      onCreated(secret, key.name);
    });
  };
  return (
    <form className="toolbar create-key-form" onSubmit={submit} aria-label="Create a key">
      <TextField label="Key name" required maxLength={120} value={name} onChange={(e) => setName(e.target.value)} error={fieldError('name')} placeholder="production" />
      <TextField label="Expires on (optional)" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} error={fieldError('expiresAt')} />
      <button type="submit" className="button" disabled={busy}>{busy ? 'Creating…' : 'Create key'}</button>
      {formError('name', 'expiresAt') ? <ErrorNote error={formError('name', 'expiresAt')} title="The key was not created" /> : null}
    </form>
  );
}
