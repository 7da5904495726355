import { useState, type ReactNode } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api } from '../api/client';
import type { WhenServed } from '../api/types';
import { ErrorNote } from '../ui/states';
import { useServiceRefresh } from './forms';
import { TakesEffectNote } from './takes-effect';

/**
 * Deleting one record of a service (an API, a model route, an upstream) behind a ConfirmDialog: which one is
 * being asked about, the call, and when the gateway stops serving it (the answer's `takesEffect`).
 */
export function useConfirmedDelete<T>(serviceId: string, pathOf: (item: T) => string) {
  const [deleting, setDeleting] = useState<T | null>(null);
  const [when, setWhen] = useState<WhenServed | null>(null);
  const refresh = useServiceRefresh(serviceId);
  const remove = useMutation({
    mutationFn: (item: T) => api.delete<WhenServed>(pathOf(item)),
    onSuccess: async (answer) => {
      setWhen(answer);
      setDeleting(null);
      await refresh();
    },
  });
  return {
    deleting,
    ask: setDeleting,
    remove,
    when,
    setWhen,
    dialog: { open: deleting !== null, busy: remove.isPending, onConfirm: () => deleting && remove.mutate(deleting), onCancel: () => setDeleting(null) },
  };
}

/** A card listing a service's records, with what the last change did (or why it failed) above the list. */
export function RecordsCard({ id, title, when, error, errorTitle, children }: { id: string; title: string; when: WhenServed | null; error: unknown; errorTitle: string; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <TakesEffectNote when={when} />
      {error ? <ErrorNote error={error} title={errorTitle} /> : null}
      {children}
    </section>
  );
}

/** A row's Edit and Delete buttons, named after the record so a screen reader tells the rows apart. */
export function RowActions({ name, onEdit, onDelete, children }: { name: string; onEdit?: () => void; onDelete?: () => void; children?: ReactNode }) {
  return (
    <td>
      <div className="row-actions">
        {onEdit ? <button type="button" className="button button-secondary" onClick={onEdit} aria-label={`Edit ${name}`}>Edit</button> : null}
        {children}
        {onDelete ? <button type="button" className="button button-secondary" onClick={onDelete} aria-label={`Delete ${name}`}>Delete</button> : null}
      </div>
    </td>
  );
}
