import type { LifecycleState, SubscriptionState } from '@tollgate/domain';
import { conflict } from '../http/errors';

/** Which side of a subscription may take an action: the consumer's app team or the publisher's service team. */
export type Side = 'consumer' | 'publisher';

interface ActionRule {
  to: SubscriptionState;
  from: readonly SubscriptionState[];
  by: Side;
}

/**
 * Every subscription state change, in one table: the action, the states it may start from, the state it
 * leads to and who may take it. Routes never compare states themselves; a new action is a new row here (and
 * gets its route from it). Pausing is the publisher's reversible brake, revoking its final word; the consumer
 * may always walk away.
 */
export const subscriptionActions = {
  approve: { to: 'approved', from: ['pending'], by: 'publisher' },
  reject: { to: 'rejected', from: ['pending'], by: 'publisher' },
  pause: { to: 'paused', from: ['approved'], by: 'publisher' },
  resume: { to: 'approved', from: ['paused'], by: 'publisher' },
  revoke: { to: 'revoked', from: ['approved', 'paused'], by: 'publisher' },
  cancel: { to: 'cancelled', from: ['pending', 'approved', 'paused'], by: 'consumer' },
} as const satisfies Record<string, ActionRule>;

export type SubscriptionAction = keyof typeof subscriptionActions;

/**
 * A plan change starts a second subscription that replaces this one once approved; only a working (approved)
 * subscription can ask for one. Approving the replacement cancels this one (`cancel` above).
 */
export const planChangeFrom: readonly SubscriptionState[] = ['approved'];

/** The actions open from `state`, for a UI to offer and for error messages to name. */
export const actionsFrom = (state: SubscriptionState): SubscriptionAction[] =>
  (Object.keys(subscriptionActions) as SubscriptionAction[]).filter((a) =>
    (subscriptionActions[a].from as readonly SubscriptionState[]).includes(state),
  );

const either = (states: readonly string[]) =>
  states.length > 1 ? `${states.slice(0, -1).join(', ')} or ${states.at(-1)}` : (states[0] ?? '');

/** Returns the state `action` leads to from `current`, or throws a 409 naming the current state and what is allowed. */
export function applyAction(action: SubscriptionAction, current: SubscriptionState): SubscriptionState {
  const rule: ActionRule = subscriptionActions[action];
  if (rule.from.includes(current)) return rule.to;
  const open = actionsFrom(current);
  throw conflict(
    `Cannot ${action} a subscription that is ${current}; only ${either(rule.from)} subscriptions can be. ` +
      (open.length ? `From ${current} you can: ${open.join(', ')}.` : `${current} is final.`),
  );
}

/** Why a service that is not published takes no new subscriptions (requests and plan changes alike). */
export const notOpen: Record<Exclude<LifecycleState, 'published'>, string> = {
  draft: 'The service is still a draft: it takes subscriptions once its team publishes it.',
  deprecated: 'The service is deprecated: it takes no new subscriptions.',
  retired: 'The service is retired.',
};
