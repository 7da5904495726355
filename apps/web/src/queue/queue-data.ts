import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, query } from '../api/client';
import type { QueuePage, Subscription, SubscriptionAction } from '../api/types';
import { useCursorPages } from '../ui/use-cursor-pages';

/** The states a subscription can be in, for the state filter (checked against the portal's own type). */
export const subscriptionStates = ['pending', 'approved', 'paused', 'rejected', 'revoked', 'cancelled'] as const satisfies readonly Subscription['state'][];

/** The publisher's actions (cancel is the consumer's), with the words a button and a result use. */
export const publisherActions = {
  approve: { label: 'Approve', done: 'Approved', reasonRequired: false },
  reject: { label: 'Reject', done: 'Rejected', reasonRequired: true },
  pause: { label: 'Pause', done: 'Paused', reasonRequired: false },
  resume: { label: 'Resume', done: 'Resumed', reasonRequired: false },
  revoke: { label: 'Revoke', done: 'Revoked', reasonRequired: true },
} as const satisfies Partial<Record<SubscriptionAction, { label: string; done: string; reasonRequired: boolean }>>;
export type PublisherAction = keyof typeof publisherActions;
export const isPublisherAction = (a: SubscriptionAction): a is PublisherAction => a in publisherActions;

export const PAGE_SIZE = 50;

export interface QueueFilters {
  state?: string;
  serviceId?: string;
  appTeamId?: string;
  q?: string;
}

/**
 * One page of the queue at a time (50 rows, the portal's cursor for the next), so a queue of thousands renders
 * as fast as one of ten. Earlier pages' cursors are kept to step back; changing a filter starts at page one.
 */
export function useQueuePages(filters: QueueFilters) {
  const { cursor, pageNumber, nextOf, previous } = useCursorPages(JSON.stringify(filters));
  const page = useQuery({
    queryKey: ['subscriptions', filters, cursor ?? null],
    queryFn: () => api.get<QueuePage>(`/api/subscriptions${query({ ...filters, limit: PAGE_SIZE, cursor })}`),
    placeholderData: keepPreviousData,
  });
  return { page, pageNumber, next: nextOf(page.data?.nextCursor), previous };
}

/**
 * Puts decided subscriptions into every cached queue page in place: the row stays where the person saw it,
 * with its new state, instead of vanishing from a `pending` filter before they read the result.
 */
export function usePatchSubscriptions() {
  const client = useQueryClient();
  return (changed: Subscription[]) => {
    const byId = new Map(changed.map((s) => [s.id, s]));
    client.setQueriesData<QueuePage>({ queryKey: ['subscriptions'] }, (old) =>
      old ? { ...old, subscriptions: old.subscriptions.map((s) => byId.get(s.id) ?? s) } : old,
    );
  };
}
