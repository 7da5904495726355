import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ApiError } from '../api/client';

/** An API error as a page shows it: the portal's message, and the request id to quote when reporting it. */
export function ErrorNote({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  const message = error instanceof Error ? error.message : String(error);
  const requestId = error instanceof ApiError ? error.requestId : null;
  return (
    <div role="alert" className="note note-error">
      <strong>{title}.</strong> {message}
      {requestId ? <span className="muted"> (request {requestId})</span> : null}
    </div>
  );
}

/**
 * Loading, error and empty states for one query, in the same words everywhere; `children` renders the data.
 * `isEmpty` decides what counts as nothing to show.
 */
export function DataState<T>({
  query,
  isEmpty,
  empty,
  children,
  what = 'this',
}: {
  query: UseQueryResult<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
  what?: string;
}) {
  if (query.isPending) return <p className="muted" role="status">Loading {what}…</p>;
  if (query.isError) return <ErrorNote error={query.error} title={`Could not load ${what}`} />;
  if (isEmpty?.(query.data)) return <div className="empty">{empty ?? `Nothing here yet.`}</div>;
  return <>{children(query.data)}</>;
}
