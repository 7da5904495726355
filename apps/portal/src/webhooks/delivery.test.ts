import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { webhookDeliveries, webhooks } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { createBullmqQueue, createInProcessQueue, type JobQueue } from '@tollgate/jobs';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { createNotifier } from '../notifications/notifier';
import { createMarket, waitFor, type Market } from '../notifications/test-market';
import { fixturePerTest, type PortalFixture, type PortalFixtureOptions } from '../testing/portal-fixture';
import type { WebhookDeliverySettings } from './settings';
import { startReceiver, type TestReceiver } from './test-receiver';

/**
 * Webhook delivery end to end, to a real HTTP receiver on loopback: once on the in-process runner (the
 * embedded default) and once on BullMQ against a private redis-server, with the same expectations.
 */
let redis: TestRedis | undefined;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.close();
});

const queues: Array<[string, () => JobQueue]> = [
  ['in-process', () => createInProcessQueue()],
  ['bullmq', () => createBullmqQueue({ url: redis!.url, name: 'tollgate-notifications', prefix: `t-${randomBytes(6).toString('hex')}` })],
];

const fixture = fixturePerTest(afterEach);
const receivers: TestReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
const receiver = async (answer: Parameters<typeof startReceiver>[0]) => {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
};
const gapsOf = (r: TestReceiver) => r.calls.slice(1).map((call, i) => call.at - r.calls[i]!.at);

describe.each(queues)('webhook delivery on the %s queue', (kind, makeQueue) => {
  let f: PortalFixture;
  let m: Market;
  const setup = async (delivery: Partial<WebhookDeliverySettings>, options: PortalFixtureOptions = {}) => {
    f = await fixture({ ...options, jobs: makeQueue(), delivery });
    m = await createMarket(f);
  };
  const addWebhook = async (url: string, team: string = m.publisherTeam, events: string[] = []) =>
    (await f.api('POST', `/api/teams/${team}/webhooks`, { cookie: ownerOf(team), body: { url, events }, expect: 201 })).body as {
      webhook: { id: string };
      secret: string;
    };
  const ownerOf = (team: string) => (team === m.consumerTeam ? m.users.cOwner : m.users.pOwner).cookie;
  /** Asked as the platform admin, so one helper reads any team's webhook deliveries. */
  const deliveries = async (webhookId: string) =>
    (await f.api('GET', `/api/webhooks/${webhookId}/deliveries`, { cookie: f.admin.cookie, expect: 200 })).body.deliveries as any[];
  const settled = (webhookId: string, n = 1) =>
    waitFor(async () => {
      const list = await deliveries(webhookId);
      return list.length >= n && list.every((d) => d.state !== 'pending') ? list : undefined;
    }, 'deliveries to settle');

  it('retries a 500 with growing delays until a 200, signing every attempt, with one delivery id', async () => {
    await setup({ attempts: 5, backoffMs: 100 });
    expect(f.jobs.kind).toBe(kind);
    const r = await receiver((n) => (n <= 2 ? 500 : 200));
    const { webhook, secret } = await addWebhook(r.url);
    const sub = await m.request(m.manualPlan.id);

    const [delivery] = await settled(webhook.id);
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 200, lastError: null, event: 'subscription.requested' });
    expect(delivery.deliveredAt).toEqual(expect.any(Number));
    expect(r.calls.map((c) => c.status)).toEqual([500, 500, 200]);
    for (const call of r.calls) {
      expect(r.verify(call, secret)).toBe(true);
      expect(call.headers['x-tollgate-delivery']).toBe(delivery.id);
      expect(call.headers['x-tollgate-event']).toBe('subscription.requested');
      expect(call.headers['content-type']).toBe('application/json');
      expect(call.headers['user-agent']).toBe('Tollgate-Webhooks/1');
      expect(Math.abs(Number(call.headers['x-tollgate-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
      expect(JSON.parse(call.body)).toEqual(delivery.payload);
    }
    // The signature covers the body and the timestamp: a changed byte or another secret does not verify.
    const first = r.calls[0]!;
    expect(r.verify({ ...first, body: first.body.replace('Storm', 'Sturm') }, secret)).toBe(false);
    expect(r.verify(first, 'whsec_someone-else')).toBe(false);
    expect(JSON.parse(first.body)).toMatchObject({
      event: 'subscription.requested',
      subscription: { id: sub.id, state: 'pending', app: { name: 'Storm Tracker' }, plan: { id: m.manualPlan.id } },
      actor: { id: m.users.cMember.id },
    });
    const [gap1, gap2] = gapsOf(r);
    expect(gap1).toBeGreaterThanOrEqual(90);
    expect(gap2).toBeGreaterThan(gap1!);
  });

  it('marks a delivery failed after the configured attempts to a receiver that always fails', async () => {
    await setup({ attempts: 4, backoffMs: 50 });
    const r = await receiver(() => 503);
    const { webhook } = await addWebhook(r.url);
    await m.request(m.manualPlan.id);
    const [delivery] = await settled(webhook.id);
    expect(delivery).toMatchObject({ state: 'failed', attempts: 4, lastStatus: 503, deliveredAt: null });
    expect(delivery.lastError).toContain('503');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(r.calls).toHaveLength(4);
    const gaps = gapsOf(r);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
    expect(gaps[2]).toBeGreaterThan(gaps[1]!);
  });

  it('does not follow a redirect and records an unreachable receiver', async () => {
    await setup({ attempts: 1, backoffMs: 10 });
    const elsewhere = await receiver(() => 200);
    const redirecting = await receiver(() => ({ status: 307, headers: { location: elsewhere.url } }));
    const moved = await addWebhook(redirecting.url);
    // A port nobody listens on: the previous receiver's, closed.
    const gone = await receiver(() => 200);
    const goneUrl = gone.url;
    await gone.close();
    const dead = await addWebhook(goneUrl);
    await m.request(m.manualPlan.id);
    const [redirected] = await settled(moved.webhook.id);
    expect(redirected).toMatchObject({ state: 'failed', attempts: 1, lastStatus: 307 });
    expect(elsewhere.calls).toEqual([]);
    const [refused] = await settled(dead.webhook.id);
    expect(refused).toMatchObject({ state: 'failed', attempts: 1, lastStatus: null });
    expect(refused.lastError).toMatch(/ECONNREFUSED|connect/i);
  });

  it('delivers each event only to the right team’s active webhooks that subscribe to it', async () => {
    await setup({ attempts: 2, backoffMs: 10 });
    const r = await receiver(() => 204);
    const publisherAll = await addWebhook(`${r.url}?hook=publisher-all`);
    const publisherCancels = await addWebhook(`${r.url}?hook=publisher-cancels`, m.publisherTeam, ['subscription.cancelled']);
    const consumerApprovals = await addWebhook(`${r.url}?hook=consumer-approvals`, m.consumerTeam, ['subscription.approved']);
    const consumerOff = await addWebhook(`${r.url}?hook=consumer-off`, m.consumerTeam);
    await f.api('PATCH', `/api/webhooks/${consumerOff.webhook.id}`, { cookie: m.users.cOwner.cookie, body: { active: false }, expect: 200 });

    const sub = await m.request(m.manualPlan.id);
    await m.as(m.users.pAdmin)('POST', `/api/subscriptions/${sub.id}/approve`, {}, 200);
    await waitFor(() => r.calls.length >= 2 || undefined, 'two deliveries');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.calls.map((c) => `${c.headers['x-tollgate-event']}`).sort()).toEqual(['subscription.approved', 'subscription.requested']);
    expect((await deliveries(publisherAll.webhook.id)).map((d) => d.event)).toEqual(['subscription.requested']);
    expect((await deliveries(consumerApprovals.webhook.id)).map((d) => [d.event, d.state])).toEqual([['subscription.approved', 'delivered']]);
    expect(await deliveries(publisherCancels.webhook.id)).toEqual([]);
    expect(await deliveries(consumerOff.webhook.id)).toEqual([]);
  });

  it('re-enqueues deliveries still pending on start, once each', async () => {
    await setup({ attempts: 3, backoffMs: 10 });
    const r = await receiver(() => 200);
    const { webhook } = await addWebhook(r.url);
    // As a crash would leave it: a pending row whose timer died with the process.
    const id = newId('delivery');
    await f.db.insert(webhookDeliveries).values({ id, webhookId: webhook.id as never, event: 'subscription.requested', payload: '{"left":"behind"}', state: 'pending', attempts: 1 });
    const queue = makeQueue();
    const notifier = createNotifier({ db: f.db, secrets: f.secrets, queue, logger: pino({ level: 'silent' }), delivery: { attempts: 3, backoffMs: 10, timeoutMs: 2_000 } });
    try {
      await notifier.start();
      await notifier.start();
      const [row] = await settled(webhook.id);
      expect(row).toMatchObject({ id, state: 'delivered', attempts: 2, payload: { left: 'behind' } });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(r.calls.map((c) => c.headers['x-tollgate-delivery'])).toEqual([id]);
    } finally {
      await queue.close();
      await notifier.close();
    }
  });

  it('posts an attempt once when two portals take the same pending delivery at once (the lease)', async () => {
    await setup({ attempts: 3, backoffMs: 10 });
    const r = await receiver(() => 200);
    const { webhook } = await addWebhook(r.url);
    const id = newId('delivery');
    await f.db.insert(webhookDeliveries).values({ id, webhookId: webhook.id as never, event: 'subscription.requested', payload: '{}', state: 'pending' });
    // Two portal processes starting together on one database: both sweeps find the row and send it.
    const queues = [makeQueue(), makeQueue()];
    const notifiers = queues.map((queue) => createNotifier({ db: f.db, secrets: f.secrets, queue, logger: pino({ level: 'silent' }), delivery: { attempts: 3, backoffMs: 10, timeoutMs: 2_000 } }));
    try {
      await Promise.all(notifiers.map((n) => n.start()));
      const [row] = await settled(webhook.id);
      expect(row).toMatchObject({ id, state: 'delivered', attempts: 1 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(r.calls).toHaveLength(1);
    } finally {
      for (const q of queues) await q.close();
      for (const n of notifiers) await n.close();
    }
  });

  it('gives up on a pending delivery whose webhook was switched off', async () => {
    await setup({ attempts: 3, backoffMs: 10 });
    const r = await receiver(() => 200);
    const { webhook } = await addWebhook(r.url);
    await f.db.update(webhooks).set({ active: false }).where(eq(webhooks.id, webhook.id as never));
    const id = newId('delivery');
    await f.db.insert(webhookDeliveries).values({ id, webhookId: webhook.id as never, event: 'subscription.requested', payload: '{}', state: 'pending' });
    await f.notifier.start();
    const [row] = await settled(webhook.id);
    expect(row).toMatchObject({ state: 'failed', lastError: expect.stringContaining('deactivated') });
    expect(r.calls).toEqual([]);
  });
});
