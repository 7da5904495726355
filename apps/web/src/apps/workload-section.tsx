import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { WorkloadCredential, WorkloadCredentialCreate } from '../api/types';
import { ConfirmDialog } from '../ui/confirm';
import { TextField } from '../ui/field';
import { DataState, ErrorNote } from '../ui/states';
import { StateBadge } from '../ui/badge';
import { Table } from '../ui/table';
import { useAction } from '../ui/use-action';
import { when } from './format';

/**
 * The app's workload identities (ADR 0033): SPIFFE IDs that the mesh proves with mTLS and the gateway, set up
 * for it, takes as this app when no key or token is sent. Added and removed here, served from the next snapshot.
 */
export function WorkloadSection({ appId }: { appId: string }) {
  const client = useQueryClient();
  const queryKey = ['app-workloads', appId];
  const creds = useQuery({ queryKey, queryFn: () => api.get<{ credentials: WorkloadCredential[] }>(`/api/apps/${appId}/workload-credentials`) });
  const [removing, setRemoving] = useState<WorkloadCredential | null>(null);
  const { busy, run, error } = useAction();
  const refresh = () => client.invalidateQueries({ queryKey });
  const remove = (c: WorkloadCredential) =>
    run(async () => {
      try {
        await api.delete(`/api/apps/${appId}/workload-credentials/${c.id}`);
        await refresh();
      } finally {
        setRemoving(null);
      }
    });
  return (
    <section aria-labelledby="workload-heading" className="app-section">
      <h2 id="workload-heading">Workload identities</h2>
      <p className="muted">
        Services in the mesh that call as this app by their mTLS identity (a SPIFFE ID, like <code>spiffe://cluster.local/ns/shop/sa/checkout</code>), with no key. A SPIFFE ID belongs to one app only.
      </p>
      <AddWorkloadForm appId={appId} onAdded={() => void refresh()} />
      {error ? <ErrorNote error={error} title="The identity was not removed" /> : null}
      <DataState query={creds} what="workload identities" isEmpty={(d) => d.credentials.length === 0} empty="No workload identity.">
        {(d) => (
          <Table caption="Workload identities of this app" columns={['SPIFFE ID', 'State', 'Added', <span className="visually-hidden">Actions</span>]}>
            {d.credentials.map((c) => (
              <tr key={c.id}>
                <td><code>{c.spiffeId}</code></td>
                <td>{c.revokedAt ? <><StateBadge state="revoked" /> <span className="muted">{when(c.revokedAt)}</span></> : <StateBadge state="active" />}</td>
                <td>{when(c.createdAt)}</td>
                <td>
                  {c.revokedAt ? null : (
                    <button type="button" className="button button-secondary" onClick={() => setRemoving(c)} aria-label={`Remove workload identity ${c.spiffeId}`}>Remove</button>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </DataState>
      <ConfirmDialog open={removing !== null} title="Remove this workload identity?" confirmLabel="Remove identity" busy={busy} onCancel={() => setRemoving(null)} onConfirm={() => removing && void remove(removing)}>
        <p>Calls from <code>{removing?.spiffeId}</code> without a key are refused from the next configuration on. It stays listed as revoked.</p>
      </ConfirmDialog>
    </section>
  );
}

function AddWorkloadForm({ appId, onAdded }: { appId: string; onAdded: () => void }) {
  const [spiffeId, setSpiffeId] = useState('');
  const { busy, run, fieldError, formError } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const body: WorkloadCredentialCreate = { spiffeId: spiffeId.trim() };
      await api.post(`/api/apps/${appId}/workload-credentials`, body);
      setSpiffeId('');
      onAdded();
    });
  };
  return (
    <form className="toolbar" onSubmit={submit} aria-label="Add a workload identity">
      {/* Wide: SPIFFE IDs run long, and the placeholder alone does not fit the toolbar's usual field. */}
      <div className="field-wide">
        <TextField label="SPIFFE ID" required maxLength={2048} value={spiffeId} onChange={(e) => setSpiffeId(e.target.value)} error={fieldError('spiffeId')} placeholder="spiffe://cluster.local/ns/shop/sa/checkout" />
      </div>
      <button type="submit" className="button" disabled={busy}>{busy ? 'Adding…' : 'Add identity'}</button>
      {formError('spiffeId') ? <ErrorNote error={formError('spiffeId')} title="The identity was not added" /> : null}
    </form>
  );
}
