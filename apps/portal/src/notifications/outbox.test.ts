import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { auditEvents, executeRaw, isPostgres, notificationOutbox, notifications, webhookDeliveries, type Db } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { createInProcessQueue, type JobQueue } from '@tollgate/jobs';
import { createChangeCommitter } from '../changes/commit-change';
import { fixturePerTest, type PortalFixture, type PortalFixtureOptions } from '../testing/portal-fixture';
import { startReceiver, type TestReceiver } from '../webhooks/test-receiver';
import { fanOut } from './fan-out';
import { createNotifier, notifyJob } from './notifier';
import { deliverJob } from '../webhooks/deliver';
import { outboxEntries, recordInOutbox } from './outbox';
import { createMarket, waitFor, type Market } from './test-market';

/**
 * The outbox's promise: a committed subscription change is told exactly once — whatever happens to its
 * `notify` job (never added, added to a queue that then died, run twice).
 */

const fixture = fixturePerTest(afterEach);
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/**
 * A real in-process queue whose `notify` jobs go missing while `failing` is set: `refuse` rejects the add as a
 * Redis outage does; `drop` accepts it and never runs it, as a process that stops right after the commit.
 */
function unreliableQueue(mode: 'refuse' | 'drop', jobName: string = notifyJob) {
  const inner = createInProcessQueue();
  const state = { failing: true, missed: [] as string[] };
  const queue: JobQueue = {
    kind: inner.kind,
    async add(name, data, options) {
      if (state.failing && name === jobName) {
        state.missed.push(String(data.auditEventId ?? data.deliveryId));
        if (mode === 'refuse') throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        return;
      }
      return inner.add(name, data, options);
    },
    process: (name, handler) => inner.process(name, handler),
    schedule: (id, name, everyMs, data) => inner.schedule(id, name, everyMs, data),
    close: () => inner.close(),
  };
  return { queue, state };
}

const eqAuditEvent = eq(notificationOutbox.auditEventId, auditEvents.id);

const count = async (db: Db, table: typeof notifications | typeof webhookDeliveries | typeof notificationOutbox) =>
  (await db.select().from(table)).length;

/**
 * Makes every insert into webhook_deliveries fail as a failing disk would, with each dialect's own trigger
 * (SQLite's temp trigger lives on the connection; the pg test database is the test's own, so a plain one will do).
 */
async function refuseDeliveries(db: Db): Promise<void> {
  if (isPostgres(db)) {
    await executeRaw(db, sql.raw(`CREATE FUNCTION refuse_delivery() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk I/O error'; END $$`));
    await executeRaw(db, sql.raw('CREATE TRIGGER refuse_delivery BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION refuse_delivery()'));
  } else {
    await executeRaw(db, sql.raw(`CREATE TEMP TRIGGER refuse_delivery BEFORE INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`));
  }
}

async function acceptDeliveries(db: Db): Promise<void> {
  await executeRaw(db, sql.raw(isPostgres(db) ? 'DROP TRIGGER refuse_delivery ON webhook_deliveries' : 'DROP TRIGGER refuse_delivery'));
}

/** An error's message and its causes' (drizzle wraps node-postgres' error in its own "Failed query: …"). */
const messagesOf = (err: unknown): string =>
  err instanceof Error ? [err.message, messagesOf(err.cause)].filter(Boolean).join(' / ') : '';

describe('notification outbox', () => {
  let f: PortalFixture;
  let m: Market;
  let r: TestReceiver;

  const setup = async (options: PortalFixtureOptions) => {
    f = await fixture(options);
    m = await createMarket(f);
    r = await startReceiver(() => 200);
    closers.push(() => r.close());
    await f.api('POST', `/api/teams/${m.publisherTeam}/webhooks`, { cookie: m.users.pOwner.cookie, body: { url: r.url, events: [] }, expect: 201 });
    await f.api('POST', `/api/teams/${m.consumerTeam}/webhooks`, { cookie: m.users.cOwner.cookie, body: { url: r.url, events: [] }, expect: 201 });
  };

  /** A notifier as a new portal process on the same database would start one. */
  const startAnotherNotifier = async () => {
    const queue = createInProcessQueue();
    const notifier = createNotifier({ db: f.db, secrets: f.secrets, queue, logger: pino({ level: 'silent' }), delivery: { attempts: 2, backoffMs: 10, timeoutMs: 2_000 } });
    closers.push(async () => {
      await queue.close();
      await notifier.close();
    });
    await notifier.start();
    return notifier;
  };

  it('keeps a change whose notify job never ran, and the next start tells it exactly once', async () => {
    const { queue, state } = unreliableQueue('drop');
    await setup({ jobs: queue });
    // An auto plan: the publisher's owner and admin hear of the request, the consumer's owner of the approval.
    const sub = await m.request(m.autoPlan.id);
    expect(sub.state).toBe('approved');
    expect(state.missed).toHaveLength(1);
    expect(await outboxEntries(f.db)).toEqual(state.missed);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await count(f.db, notifications)).toBe(0);

    await startAnotherNotifier();
    await waitFor(() => r.calls.length >= 2 || undefined, 'two webhook calls');
    await startAnotherNotifier();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await count(f.db, notificationOutbox)).toBe(0);
    expect(await count(f.db, notifications)).toBe(3);
    // One hook per team: the publisher's hears the request, the consumer's the approval.
    expect(await count(f.db, webhookDeliveries)).toBe(2);
    expect(r.calls).toHaveLength(2);
    const events = r.calls.map((c) => c.headers['x-tollgate-event']).sort();
    expect(events).toEqual(['subscription.approved', 'subscription.requested']);
    const ids = r.calls.map((c) => c.headers['x-tollgate-delivery']);
    expect(new Set(ids).size).toBe(ids.length);
    const { body } = await f.api('GET', '/api/notifications', { cookie: m.users.cOwner.cookie, expect: 200 });
    expect(body.notifications.map((n: any) => n.event)).toEqual(['subscription.approved']);
  });

  it('writes one set of notifications and deliveries however often fanOut runs for a change', async () => {
    const { queue, state } = unreliableQueue('drop');
    await setup({ jobs: queue });
    const sub = await m.request(m.manualPlan.id);
    await m.as(m.users.pAdmin)('POST', `/api/subscriptions/${sub.id}/approve`, {}, 200);
    expect(state.missed).toHaveLength(2);
    const [requested, approved] = state.missed as [string, string];

    const first = await fanOut(f.db, requested);
    expect(first).toHaveLength(1);
    expect(await fanOut(f.db, requested)).toEqual([]);
    // pOwner and pAdmin hear the request; no second set, no second delivery id.
    expect(await count(f.db, notifications)).toBe(2);
    expect(await f.db.select({ id: webhookDeliveries.id }).from(webhookDeliveries)).toEqual([{ id: first[0] }]);
    expect(await outboxEntries(f.db)).toEqual([approved]);

    // As when BullMQ's stalled-job check runs a job again: two notify jobs for one change.
    const handled = await Promise.all([approved, approved].map(async (id) => fanOut(f.db, id)));
    expect(handled.map((ids) => ids.length).sort()).toEqual([0, 1]);
    // cOwner and cMember hear the approval (pAdmin decided it and already knows).
    expect(await count(f.db, notifications)).toBe(4);
    expect(await count(f.db, webhookDeliveries)).toBe(2);
    expect(await count(f.db, notificationOutbox)).toBe(0);
    // An id that never was in the outbox (or is not an audit event id at all) writes nothing.
    expect(await fanOut(f.db, newId('auditEvent'))).toEqual([]);
    expect(await fanOut(f.db, 'not-an-id')).toEqual([]);
    expect(await count(f.db, notifications)).toBe(4);
  });

  it('leaves the outbox row when the fan-out fails part way, so the retry writes everything once', async () => {
    const { queue, state } = unreliableQueue('drop');
    await setup({ jobs: queue });
    await m.request(m.manualPlan.id);
    const [id] = state.missed as [string];
    // A real failure in the middle of the fan-out: the notifications are written, then the delivery insert fails.
    await refuseDeliveries(f.db);
    const failure = await fanOut(f.db, id).then(() => undefined, (err: unknown) => err);
    expect(messagesOf(failure)).toMatch(/disk I\/O error/);
    expect(await count(f.db, notifications)).toBe(0);
    expect(await count(f.db, webhookDeliveries)).toBe(0);
    expect(await outboxEntries(f.db)).toEqual([id]);

    await acceptDeliveries(f.db);
    expect(await fanOut(f.db, id)).toHaveLength(1);
    expect(await count(f.db, notifications)).toBe(2);
    expect(await count(f.db, webhookDeliveries)).toBe(1);
    expect(await outboxEntries(f.db)).toEqual([]);
  });

  it('recovers a webhook delivery whose deliver job could not be added, with the sweep, without a restart', async () => {
    const { queue, state } = unreliableQueue('refuse', deliverJob);
    await setup({ jobs: queue, outbox: { sweepEveryMs: 50, missedAfterMs: 200 } });
    await m.request(m.manualPlan.id);
    await waitFor(() => state.missed.length >= 1 || undefined, 'the deliver add to fail');
    expect((await f.db.select().from(webhookDeliveries)).map((d) => d.state)).toEqual(['pending']);
    state.failing = false;
    await waitFor(() => r.calls.length >= 1 || undefined, 'the sweep to deliver the pending webhook');
    await waitFor(async () => (await f.db.select().from(webhookDeliveries))[0]?.state === 'delivered' || undefined, 'the delivery to be recorded');
    expect(r.calls).toHaveLength(1);
  });

  it('recovers a notification whose queue.add failed with the sweep, without a restart', async () => {
    const { queue, state } = unreliableQueue('refuse');
    await setup({ jobs: queue, outbox: { sweepEveryMs: 50, missedAfterMs: 200 } });
    await m.request(m.manualPlan.id);
    expect(state.missed).toHaveLength(1);
    // Still down: the sweep tries again and fails again, and the row stays.
    await waitFor(() => state.missed.length >= 3 || undefined, 'the sweep to retry while the queue is down');
    expect(await outboxEntries(f.db)).toEqual([state.missed[0]]);
    expect(await count(f.db, notifications)).toBe(0);

    state.failing = false;
    await waitFor(async () => ((await count(f.db, notificationOutbox)) === 0 && r.calls.length >= 1) || undefined, 'the sweep to recover the notification');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await count(f.db, notifications)).toBe(2);
    expect(await count(f.db, webhookDeliveries)).toBe(1);
    expect(r.calls.map((c) => c.headers['x-tollgate-event'])).toEqual(['subscription.requested']);
  });

  it('does not sweep a fresh row whose job may still be on its way', async () => {
    const { queue, state } = unreliableQueue('refuse');
    await setup({ jobs: queue, outbox: { sweepEveryMs: 20, missedAfterMs: 60_000 } });
    await m.request(m.manualPlan.id);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(state.missed).toHaveLength(1);
    expect(await count(f.db, notificationOutbox)).toBe(1);
  });
});

describe('the outbox row and its change', () => {
  const commit = (f: PortalFixture) => createChangeCommitter(f.db, () => {}, [], [recordInOutbox]);
  const outboxed = async (f: PortalFixture) =>
    (await f.db.select({ action: auditEvents.action }).from(notificationOutbox).innerJoin(auditEvents, eqAuditEvent))
      .map((row) => row.action)
      .sort();

  it('commits with the change, for every recorded change that is notified', async () => {
    const f = await fixture();
    const subscriptionId = newId('subscription');
    await commit(f)(f.admin.id, { action: 'subscription.approve', targetType: 'subscription', targetId: subscriptionId, affectsGateway: false }, (_tx, record) => {
      record({ action: 'subscription.revoke', targetType: 'subscription', targetId: newId('subscription') });
      record({ action: 'plan.update', targetType: 'plan', targetId: newId('plan') });
    });
    expect(await outboxed(f)).toEqual(['subscription.approve', 'subscription.revoke']);
    await commit(f)(f.admin.id, { action: 'app.create', targetType: 'app', targetId: newId('app'), affectsGateway: false }, () => {});
    expect(await count(f.db, notificationOutbox)).toBe(2);
  });

  it('rolls back with the change: a change that throws leaves no outbox row', async () => {
    const f = await fixture();
    const before = (await f.db.select().from(auditEvents)).length;
    await expect(
      commit(f)(f.admin.id, { action: 'subscription.cancel', targetType: 'subscription', targetId: newId('subscription'), affectsGateway: false }, (_tx, record) => {
        record({ action: 'subscription.revoke', targetType: 'subscription', targetId: newId('subscription') });
        throw new Error('the plan closed meanwhile');
      }),
    ).rejects.toThrow('the plan closed meanwhile');
    expect(await count(f.db, notificationOutbox)).toBe(0);
    expect(await f.db.select().from(auditEvents)).toHaveLength(before);
  });

  it('is written by the portal app itself, in the request that commits the change', async () => {
    const { queue, state } = unreliableQueue('drop');
    const f = await fixture({ jobs: queue });
    const m = await createMarket(f);
    expect(await count(f.db, notificationOutbox)).toBe(0);
    const sub = await m.request(m.manualPlan.id);
    expect(await outboxed(f)).toEqual(['subscription.request']);
    // A refused write (a plain member may not decide) commits nothing and leaves no row.
    await m.as(m.users.pMember)('POST', `/api/subscriptions/${sub.id}/approve`, {}, 403);
    expect(await outboxed(f)).toEqual(['subscription.request']);
    expect(state.missed).toHaveLength(1);
  });
});
