/**
 * What the platform tells people about, and who hears it. Event names are part of the public webhook
 * contract: add new ones, never rename.
 */
export const notificationEvents = [
  'subscription.requested',
  'subscription.approved',
  'subscription.rejected',
  'subscription.paused',
  'subscription.resumed',
  'subscription.revoked',
  'subscription.cancelled',
  'subscription.plan_change_requested',
] as const;

export type NotificationEvent = (typeof notificationEvents)[number];

/**
 * The publisher (the service's team) hears what asks something of it or ends its business: requests, plan
 * changes, cancellations. The consumer (the app's team) hears the publisher's decisions.
 */
export type Audience = 'publisher' | 'consumer';

export interface EventRoute {
  event: NotificationEvent;
  audience: Audience;
}

const decisions: Record<string, NotificationEvent> = {
  'subscription.approve': 'subscription.approved',
  'subscription.reject': 'subscription.rejected',
  'subscription.pause': 'subscription.paused',
  'subscription.resume': 'subscription.resumed',
  'subscription.revoke': 'subscription.revoked',
};

/**
 * The events one committed change sends. A request or plan change that an `auto` plan approved on the spot
 * sends two: the publisher learns of its new subscriber (`*requested`, with state `approved`, so nothing to
 * act on), and the consumer gets the same `subscription.approved` a manual approval would send — so a
 * consumer's automation waits for one event whatever the plan's approval mode.
 */
export function eventsForChange(action: string, stateAfter: string | undefined): EventRoute[] {
  const decided = decisions[action];
  if (decided) return [{ event: decided, audience: 'consumer' }];
  if (action === 'subscription.cancel') return [{ event: 'subscription.cancelled', audience: 'publisher' }];
  const asked: NotificationEvent | undefined =
    action === 'subscription.request' ? 'subscription.requested' : action === 'subscription.change_plan' ? 'subscription.plan_change_requested' : undefined;
  if (!asked) return [];
  const routes: EventRoute[] = [{ event: asked, audience: 'publisher' }];
  if (stateAfter === 'approved') routes.push({ event: 'subscription.approved', audience: 'consumer' });
  return routes;
}

/** Actions whose changes the notifier enqueues; everything else is ignored without a database read. */
export const notifiedActions = new Set([...Object.keys(decisions), 'subscription.cancel', 'subscription.request', 'subscription.change_plan']);

const phrases: Record<NotificationEvent, (app: string, service: string, plan: string) => string> = {
  'subscription.requested': (app, service, plan) => `${app} asks to subscribe to ${service} (${plan})`,
  'subscription.approved': (app, service, plan) => `${app}'s subscription to ${service} (${plan}) is approved`,
  'subscription.rejected': (app, service) => `${app}'s subscription request to ${service} was rejected`,
  'subscription.paused': (app, service) => `${app}'s subscription to ${service} is paused`,
  'subscription.resumed': (app, service) => `${app}'s subscription to ${service} is resumed`,
  'subscription.revoked': (app, service) => `${app}'s subscription to ${service} was revoked`,
  'subscription.cancelled': (app, service) => `${app} cancelled its subscription to ${service}`,
  'subscription.plan_change_requested': (app, service, plan) => `${app} asks to move to the ${plan} plan of ${service}`,
};

export const titleFor = (event: NotificationEvent, app: string, service: string, plan: string) => phrases[event](app, service, plan);
