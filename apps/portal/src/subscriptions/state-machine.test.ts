import { describe, expect, it } from 'vitest';
import { subscriptionStates, type SubscriptionState } from '@tollgate/domain';
import { actionsFrom, applyAction, subscriptionActions, type SubscriptionAction } from './state-machine';

describe('subscription state machine', () => {
  const allowed: Array<[SubscriptionAction, SubscriptionState, SubscriptionState]> = [
    ['approve', 'pending', 'approved'],
    ['reject', 'pending', 'rejected'],
    ['cancel', 'pending', 'cancelled'],
    ['cancel', 'approved', 'cancelled'],
  ];

  it('allows exactly the listed transitions, from every state', () => {
    for (const action of Object.keys(subscriptionActions) as SubscriptionAction[]) {
      for (const from of subscriptionStates) {
        const expected = allowed.find(([a, f]) => a === action && f === from);
        if (expected) expect(applyAction(action, from)).toBe(expected[2]);
        else expect(() => applyAction(action, from), `${action} from ${from}`).toThrow(`Cannot ${action} a subscription that is ${from}`);
      }
    }
  });

  it('names the current state and what is allowed instead', () => {
    expect(() => applyAction('approve', 'approved')).toThrow(
      'Cannot approve a subscription that is approved; only pending subscriptions can be. From approved you can: cancel.',
    );
    expect(() => applyAction('cancel', 'rejected')).toThrow('only pending or approved subscriptions can be. rejected is final.');
    try {
      applyAction('reject', 'cancelled');
    } catch (err) {
      expect(err).toMatchObject({ status: 409, code: 'conflict' });
    }
  });

  it('lists the actions open from each state', () => {
    expect(actionsFrom('pending')).toEqual(['approve', 'reject', 'cancel']);
    expect(actionsFrom('approved')).toEqual(['cancel']);
    expect(actionsFrom('rejected')).toEqual([]);
  });

  it('assigns decisions to the publisher and cancelling to the consumer', () => {
    expect(subscriptionActions.approve.by).toBe('publisher');
    expect(subscriptionActions.reject.by).toBe('publisher');
    expect(subscriptionActions.cancel.by).toBe('consumer');
  });
});
