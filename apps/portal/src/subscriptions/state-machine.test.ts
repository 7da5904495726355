import { describe, expect, it } from 'vitest';
import { subscriptionStates, type SubscriptionState } from '@tollgate/domain';
import { actionsFrom, applyAction, subscriptionActions, type SubscriptionAction } from './state-machine';

describe('subscription state machine', () => {
  const allowed: Array<[SubscriptionAction, SubscriptionState, SubscriptionState]> = [
    ['approve', 'pending', 'approved'],
    ['reject', 'pending', 'rejected'],
    ['pause', 'approved', 'paused'],
    ['resume', 'paused', 'approved'],
    ['revoke', 'approved', 'revoked'],
    ['revoke', 'paused', 'revoked'],
    ['cancel', 'pending', 'cancelled'],
    ['cancel', 'approved', 'cancelled'],
    ['cancel', 'paused', 'cancelled'],
  ];

  it('allows exactly the listed transitions, from every state', () => {
    expect(Object.keys(subscriptionActions).sort()).toEqual(['approve', 'cancel', 'pause', 'reject', 'resume', 'revoke']);
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
      'Cannot approve a subscription that is approved; only pending subscriptions can be. From approved you can: pause, revoke, cancel.',
    );
    expect(() => applyAction('cancel', 'rejected')).toThrow('only pending, approved or paused subscriptions can be. rejected is final.');
    expect(() => applyAction('resume', 'approved')).toThrow('only paused subscriptions can be.');
    expect(() => applyAction('pause', 'paused')).toThrow('From paused you can: resume, revoke, cancel.');
    expect(() => applyAction('revoke', 'pending')).toThrow('only approved or paused subscriptions can be. From pending you can: approve, reject, cancel.');
    expect(() => applyAction('resume', 'revoked')).toThrow('revoked is final.');
    try {
      applyAction('reject', 'cancelled');
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ status: 409, code: 'conflict' });
    }
  });

  it('lists the actions open from each state', () => {
    expect(actionsFrom('pending')).toEqual(['approve', 'reject', 'cancel']);
    expect(actionsFrom('approved')).toEqual(['pause', 'revoke', 'cancel']);
    expect(actionsFrom('paused')).toEqual(['resume', 'revoke', 'cancel']);
    for (const final of ['rejected', 'revoked', 'cancelled'] as const) expect(actionsFrom(final)).toEqual([]);
  });

  it('gives decisions, pausing, resuming and revoking to the publisher and cancelling to the consumer', () => {
    for (const action of ['approve', 'reject', 'pause', 'resume', 'revoke'] as const) expect(subscriptionActions[action].by).toBe('publisher');
    expect(subscriptionActions.cancel.by).toBe('consumer');
  });
});
