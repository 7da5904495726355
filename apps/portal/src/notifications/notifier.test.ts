import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessQueue } from '@tollgate/jobs';
import { newId } from '@tollgate/domain';
import { fixturePerTest } from '../testing/portal-fixture';
import { eventsForChange, notificationEvents, notifiedActions } from './events';
import { createNotifier } from './notifier';
import { createMarket, waitFor } from './test-market';

const fixture = fixturePerTest(afterEach);

describe('eventsForChange', () => {
  it('maps every subscription action to its event and audience', () => {
    expect(eventsForChange('subscription.request', 'pending')).toEqual([{ event: 'subscription.requested', audience: 'publisher' }]);
    expect(eventsForChange('subscription.change_plan', 'pending')).toEqual([{ event: 'subscription.plan_change_requested', audience: 'publisher' }]);
    expect(eventsForChange('subscription.cancel', 'cancelled')).toEqual([{ event: 'subscription.cancelled', audience: 'publisher' }]);
    for (const [action, event] of [
      ['approve', 'approved'],
      ['reject', 'rejected'],
      ['pause', 'paused'],
      ['resume', 'resumed'],
      ['revoke', 'revoked'],
    ]) {
      expect(eventsForChange(`subscription.${action}`, event), action).toEqual([{ event: `subscription.${event}`, audience: 'consumer' }]);
    }
  });

  it('sends an auto-approved request or plan change to both sides', () => {
    for (const [action, asked] of [
      ['subscription.request', 'subscription.requested'],
      ['subscription.change_plan', 'subscription.plan_change_requested'],
    ]) {
      expect(eventsForChange(action!, 'approved')).toEqual([
        { event: asked, audience: 'publisher' },
        { event: 'subscription.approved', audience: 'consumer' },
      ]);
    }
  });

  it('ignores everything else, and every event it sends is a public event name', () => {
    for (const action of ['app.create', 'webhook.create', 'subscription.bulk', 'plan.update']) expect(eventsForChange(action, 'approved')).toEqual([]);
    const sent = [...notifiedActions].flatMap((a) => [...eventsForChange(a, 'approved'), ...eventsForChange(a, 'pending')].map((r) => r.event));
    expect(new Set(sent)).toEqual(new Set(notificationEvents));
  });
});

describe('notifier', () => {
  it('never throws from the change listener, even when the queue refuses the job', async () => {
    const f = await fixture();
    const queue = createInProcessQueue();
    await queue.close();
    const errors: unknown[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line)) });
    const notifier = createNotifier({ db: f.db, secrets: f.secrets, queue, logger, delivery: { attempts: 1, backoffMs: 10, timeoutMs: 1_000 } });
    const change = {
      action: 'subscription.approve',
      targetType: 'subscription',
      targetId: newId('subscription'),
      auditEventId: newId('auditEvent'),
      actorId: null,
      at: Date.now(),
    };
    expect(() => notifier.listener(change)).not.toThrow();
    await waitFor(() => errors.length > 0 || undefined, 'the logged error');
    expect(errors[0]).toMatchObject({ msg: 'could not enqueue a notification', auditEventId: change.auditEventId });
    // Not a subscription action: not even enqueued.
    expect(() => notifier.listener({ ...change, action: 'app.create' })).not.toThrow();
    await notifier.close();
  });

  it('tells the publisher’s admins of a plan change request', async () => {
    const f = await fixture();
    const m = await createMarket(f);
    const sub = await m.request(m.autoPlan.id);
    await waitFor(async () => (await f.api('GET', '/api/notifications', { cookie: m.users.pOwner.cookie })).body.notifications.length === 1 || undefined, 'the request notice');
    const changed = await m.as(m.users.cMember)('POST', `/api/subscriptions/${sub.id}/change-plan`, { planId: m.manualPlan.id, note: 'more calls' });
    const inbox = await waitFor(async () => {
      const body = (await f.api('GET', '/api/notifications', { cookie: m.users.pAdmin.cookie })).body;
      return body.notifications.length === 2 ? body : undefined;
    }, 'the plan change notice');
    expect(inbox.notifications[0]).toMatchObject({
      event: 'subscription.plan_change_requested',
      data: { subscription: { id: changed.body.subscription.id, state: 'pending', note: 'more calls', plan: { id: m.manualPlan.id, name: 'Gold' } } },
    });
    expect(inbox.notifications[0].title).toContain('Gold');
  });
});
