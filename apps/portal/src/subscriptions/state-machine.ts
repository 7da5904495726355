import type { SubscriptionState } from '@tollgate/domain';
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
 * leads to and who may take it. Routes never compare states themselves; new actions (pause, resume, revoke)
 * are new rows here.
 */
export const subscriptionActions = {
  approve: { to: 'approved', from: ['pending'], by: 'publisher' },
  reject: { to: 'rejected', from: ['pending'], by: 'publisher' },
  cancel: { to: 'cancelled', from: ['pending', 'approved'], by: 'consumer' },
} as const satisfies Record<string, ActionRule>;

export type SubscriptionAction = keyof typeof subscriptionActions;

/** The actions open from `state`, for a UI to offer and for error messages to name. */
export const actionsFrom = (state: SubscriptionState): SubscriptionAction[] =>
  (Object.keys(subscriptionActions) as SubscriptionAction[]).filter((a) =>
    (subscriptionActions[a].from as readonly SubscriptionState[]).includes(state),
  );

/** Returns the state `action` leads to from `current`, or throws a 409 naming the current state and what is allowed. */
export function applyAction(action: SubscriptionAction, current: SubscriptionState): SubscriptionState {
  const rule: ActionRule = subscriptionActions[action];
  if (rule.from.includes(current)) return rule.to;
  const open = actionsFrom(current);
  throw conflict(
    `Cannot ${action} a subscription that is ${current}; only ${rule.from.join(' or ')} subscriptions can be. ` +
      (open.length ? `From ${current} you can: ${open.join(', ')}.` : `${current} is final.`),
  );
}
