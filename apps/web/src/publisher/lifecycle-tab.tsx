import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api } from '../api/client';
import type { LifecycleChange, Release, Service } from '../api/types';
import { ErrorNote } from '../ui/states';
import { StateBadge } from '../ui/badge';
import { TextField } from '../ui/field';
import { ConfirmDialog } from '../ui/confirm';
import { fieldError, useServiceRefresh } from './forms';

type Move = 'publish' | 'deprecate' | 'undeprecate' | 'retire';

/** The moves each state allows (the portal checks again): retiring is final, deprecating can be undone. */
const movesFrom: Record<Service['lifecycle'], Move[]> = {
  draft: ['publish'],
  published: ['deprecate'],
  deprecated: ['undeprecate', 'retire'],
  retired: [],
};

const moves: Record<Move, { label: string; state: LifecycleChange['state']; says: string }> = {
  publish: {
    label: 'Publish',
    state: 'published',
    says: 'The working copy becomes release 1 and the gateway starts serving it. A public service appears in everyone’s catalogue, and apps can subscribe to its plans.',
  },
  deprecate: {
    label: 'Deprecate',
    state: 'deprecated',
    says: 'The service keeps working for its subscribers, but every answer carries a Deprecation header (and Sunset, with the date below). You can publish it again later.',
  },
  undeprecate: { label: 'Publish again', state: 'published', says: 'The deprecation and its sunset date are withdrawn; the live release keeps being served.' },
  retire: {
    label: 'Retire',
    state: 'retired',
    says: 'The gateway stops serving the service: every call is answered 410 Gone, and it leaves the catalogue. Retiring is final; the service cannot be published again.',
  },
};

/** Publish, deprecate (with a sunset date) and retire, each behind a dialog that says what will happen. */
export function LifecycleTab({ service }: { service: Service }) {
  const [asking, setAsking] = useState<Move | null>(null);
  const [sunset, setSunset] = useState('');
  const refresh = useServiceRefresh(service.id);
  const change = useMutation({
    mutationFn: (body: LifecycleChange) => api.post<{ service: Service; release: Pick<Release, 'id' | 'version' | 'createdAt'> | null }>(`/api/services/${service.id}/lifecycle`, body),
    onSuccess: async () => {
      setAsking(null);
      await refresh();
    },
    onError: () => setAsking(null),
  });
  const confirm = () => {
    if (!asking) return;
    const m = moves[asking];
    change.mutate({ state: m.state, ...(asking === 'deprecate' && sunset ? { sunsetAt: new Date(`${sunset}T00:00:00Z`).toISOString() } : {}) });
  };
  const available = movesFrom[service.lifecycle];
  return (
    <section className="card" aria-labelledby="lifecycle-title">
      <h2 id="lifecycle-title">Lifecycle</h2>
      <p>
        The service is <StateBadge state={service.lifecycle} />
        {service.sunsetAt ? <> and retires on {new Date(service.sunsetAt).toISOString().slice(0, 10)}</> : null}.
      </p>
      {change.error ? <ErrorNote error={change.error} title="The service’s state did not change" /> : null}
      {change.isSuccess ? (
        <p role="status" className="note note-good">
          The service is now {change.data.service.lifecycle}
          {change.data.release ? `; release ${change.data.release.version} is live` : ''}.
        </p>
      ) : null}
      {available.includes('deprecate') ? (
        <TextField label="Sunset date" type="date" value={sunset} onChange={(e) => setSunset(e.target.value)} error={fieldError(change.error, 'sunsetAt')} hint="Optional: the day the service will retire, announced to callers in the Sunset header." />
      ) : null}
      {available.length === 0 ? <p className="muted">A retired service has no further states.</p> : null}
      <div className="form-actions">
        {available.map((m) => (
          <button key={m} type="button" className={m === 'retire' ? 'button button-danger' : 'button'} onClick={() => setAsking(m)}>{moves[m].label}</button>
        ))}
      </div>
      <ConfirmDialog
        open={asking !== null}
        title={asking ? `${moves[asking].label} ${service.name}?` : ''}
        confirmLabel={asking ? moves[asking].label : ''}
        busy={change.isPending}
        onConfirm={confirm}
        onCancel={() => setAsking(null)}
      >
        <p>{asking ? moves[asking].says : null}</p>
        {asking === 'deprecate' ? <p>{sunset ? `Sunset date: ${sunset}.` : 'No sunset date is announced.'}</p> : null}
      </ConfirmDialog>
    </section>
  );
}
