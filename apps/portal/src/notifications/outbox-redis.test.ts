import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { notificationOutbox, notifications, webhookDeliveries } from '@tollgate/db';
import { createBullmqQueue } from '@tollgate/jobs';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { fixturePerTest } from '../testing/portal-fixture';
import { startReceiver, type TestReceiver } from '../webhooks/test-receiver';
import { outboxEntries } from './outbox';
import { createMarket, waitFor } from './test-market';

/**
 * Defect 2 of the review, against a real redis-server: Redis is down when the change commits, so BullMQ's add
 * fails. The outbox row keeps the change, and once Redis is back (empty, as after a restart without
 * persistence) the sweep enqueues it again: the notification arrives once, without restarting the portal.
 */
let redis: TestRedis | undefined;
let receiver: TestReceiver | undefined;
// Registered before the fixture's hook, so it runs after it (hooks unwind as a stack): BullMQ closes while Redis is up.
afterEach(async () => {
  await receiver?.close();
  await redis?.close();
});
const fixture = fixturePerTest(afterEach);

describe('notification outbox on BullMQ', () => {
  it('tells a change committed while Redis was down once Redis is back', async () => {
    redis = await startRedisServer();
    const port = Number(new URL(redis.url).port);
    const jobs = createBullmqQueue({ url: redis.url, name: 'tollgate-notifications', prefix: `t-${randomBytes(6).toString('hex')}` });
    const f = await fixture({ jobs, outbox: { sweepEveryMs: 100, missedAfterMs: 300 } });
    const m = await createMarket(f);
    receiver = await startReceiver(() => 200);
    await f.api('POST', `/api/teams/${m.publisherTeam}/webhooks`, { cookie: m.users.pOwner.cookie, body: { url: receiver.url }, expect: 201 });

    await redis.close();
    // The request still succeeds: the change and its outbox row are in SQLite, which is all it needs.
    await m.request(m.manualPlan.id);
    expect(await outboxEntries(f.db)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await f.db.select().from(notifications)).toHaveLength(0);
    expect(await f.db.select().from(notificationOutbox)).toHaveLength(1);

    redis = await startRedisServer({ port });
    await waitFor(() => receiver!.calls.length >= 1 || undefined, 'the delivery after Redis came back', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await f.db.select().from(notificationOutbox)).toHaveLength(0);
    expect(await f.db.select().from(notifications)).toHaveLength(2);
    expect(await f.db.select().from(webhookDeliveries)).toHaveLength(1);
    expect(receiver.calls.map((c) => c.headers['x-tollgate-event'])).toEqual(['subscription.requested']);
  }, 30_000);
});
