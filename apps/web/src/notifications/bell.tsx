import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api } from '../api/client';
import type { Notification, NotificationList, NotificationPayload } from '../api/types';
import { ErrorNote } from '../ui/states';

const listed = 20;

/** Events that ask the publishing team to act: they lead to the approval queue; the rest to the consumer's app. */
const forPublisher = new Set(['subscription.requested', 'subscription.plan_change_requested', 'subscription.cancelled']);

/** Where a notification leads: what it is about, by its event and the subscription it carries. */
export function notificationHref(n: Notification): string | null {
  const payload = n.data as unknown as Partial<NotificationPayload>;
  const subscription = payload.subscription;
  if (!subscription) return null;
  if (forPublisher.has(n.event)) return `/queue${subscription.service?.id ? `?service=${encodeURIComponent(subscription.service.id)}` : ''}`;
  return subscription.app?.id ? `/apps/${subscription.app.id}` : null;
}

/**
 * The bell in the top bar: the unread count, refreshed every 15 s and whenever the window regains focus, so
 * a new request shows up without a reload; the panel lists the latest notifications with mark-read.
 */
export function NotificationBell() {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const inbox = useQuery({
    queryKey: ['notifications'],
    queryFn: () => api.get<NotificationList>(`/api/notifications?limit=${listed}`),
    refetchInterval: 15_000,
    refetchOnWindowFocus: true,
  });
  const refresh = () => client.invalidateQueries({ queryKey: ['notifications'] });
  const markRead = useMutation({ mutationFn: (id: string) => api.post(`/api/notifications/${id}/read`), onSettled: refresh });
  const markAll = useMutation({ mutationFn: () => api.post('/api/notifications/read-all'), onSettled: refresh });
  const unread = inbox.data?.unread ?? 0;

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent) {
        if (e.key !== 'Escape') return;
        setOpen(false);
        buttonRef.current?.focus();
        return;
      }
      const target = e.target as Node;
      if (!panelRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('keydown', close);
    document.addEventListener('mousedown', close);
    return () => {
      document.removeEventListener('keydown', close);
      document.removeEventListener('mousedown', close);
    };
  }, [open]);

  return (
    <div className="bell">
      <button
        ref={buttonRef}
        type="button"
        className="button button-secondary bell-button"
        aria-expanded={open}
        aria-controls="notification-panel"
        aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
        onClick={() => setOpen(!open)}
      >
        {/* Drawn, not an emoji: a machine without an emoji font would show an empty box. */}
        <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.73 21a2 2 0 0 1-3.46 0" />
        </svg>
        {unread ? <span className="bell-count" aria-hidden="true">{unread > 99 ? '99+' : unread}</span> : null}
      </button>
      {open ? (
        <div ref={panelRef} id="notification-panel" className="bell-panel card" role="region" aria-label="Notifications">
          <div className="bell-head">
            <h2>Notifications</h2>
            {unread ? (
              <button type="button" className="button button-secondary" disabled={markAll.isPending} onClick={() => markAll.mutate()}>Mark all read</button>
            ) : null}
          </div>
          {markAll.error ? <ErrorNote error={markAll.error} title="Could not mark them read" /> : null}
          {markRead.error ? <ErrorNote error={markRead.error} title="Could not mark it read" /> : null}
          {inbox.isPending ? <p className="muted" role="status">Loading notifications…</p> : null}
          {inbox.isError ? <ErrorNote error={inbox.error} title="Could not load notifications" /> : null}
          {inbox.data && inbox.data.notifications.length === 0 ? <p className="empty">Nothing yet. Requests and decisions about your subscriptions show up here.</p> : null}
          {inbox.data && inbox.data.notifications.length > 0 ? (
            <ul className="bell-list" aria-label="Latest notifications">
              {inbox.data.notifications.map((n) => {
                const href = notificationHref(n);
                const read = () => {
                  if (!n.readAt) markRead.mutate(n.id);
                  setOpen(false);
                };
                return (
                  <li key={n.id} className={n.readAt ? 'bell-read' : 'bell-unread'}>
                    <p>
                      {n.readAt ? null : <span className="visually-hidden">Unread: </span>}
                      {href ? <Link href={href} onClick={read}>{n.title}</Link> : n.title}
                    </p>
                    <p className="muted bell-meta">
                      {new Date(n.createdAt).toLocaleString()}
                      {n.readAt ? null : (
                        <button type="button" className="button button-secondary" onClick={() => markRead.mutate(n.id)} aria-label={`Mark read: ${n.title}`}>Mark read</button>
                      )}
                    </p>
                  </li>
                );
              })}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
