import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createDb, first, webhookDeliveries } from '@tollgate/db';
import { newId, type WebhookId } from '@tollgate/domain';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { parsePortalConfig } from '../config';
import { createPortalRuntime, type PortalRuntime } from '../runtime';
import { startReceiver, type TestReceiver } from '../webhooks/test-receiver';
import { waitFor } from './test-market';

/**
 * The real start path with TOLLGATE_REDIS_URL set: the runtime picks BullMQ, a subscription request reaches a
 * webhook through Redis, and a delivery left pending by a stopped portal is delivered by the next start.
 */
describe('portal runtime with TOLLGATE_REDIS_URL', () => {
  let redis: TestRedis;
  let receiver: TestReceiver;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedisServer();
    receiver = await startReceiver((n) => (n === 1 ? 502 : 200));
    dir = mkdtempSync(path.join(tmpdir(), 'tollgate-redis-runtime-'));
  });
  afterAll(async () => {
    await receiver?.close();
    await redis?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    TOLLGATE_DATA_DIR: dir,
    TOLLGATE_REDIS_URL: redis.url,
    TOLLGATE_WEBHOOK_ATTEMPTS: '3',
    TOLLGATE_WEBHOOK_BACKOFF_MS: '50',
    TOLLGATE_WEBHOOK_TIMEOUT_MS: '2000',
  });
  const call = async (runtime: PortalRuntime, method: string, url: string, cookie?: string, body?: unknown) => {
    const res = await runtime.app.request(url, {
      method,
      headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, cookie: res.headers.get('set-cookie')?.split(';')[0], body: (await res.json().catch(() => null)) as any };
  };
  let webhookId: WebhookId;

  it('delivers a signed webhook through BullMQ, retrying a 502', async () => {
    const runtime = await createPortalRuntime(parsePortalConfig(env()), pino({ level: 'silent' }));
    try {
      expect(runtime.jobs.kind).toBe('bullmq');
      const { email, password } = runtime.firstAdmin!;
      const { cookie } = await call(runtime, 'POST', '/api/auth/login', undefined, { email, password });
      const team = (await call(runtime, 'POST', '/api/teams', cookie, { name: 'Redis Co', slug: 'redis-co' })).body.team;
      const hook = (await call(runtime, 'POST', `/api/teams/${team.id}/webhooks`, cookie, { url: receiver.url })).body;
      webhookId = hook.webhook.id;
      const service = (await call(runtime, 'POST', `/api/teams/${team.id}/services`, cookie, { name: 'Queue API', slug: 'queue-api', kind: 'rest' })).body.service;
      const plan = (await call(runtime, 'POST', `/api/services/${service.id}/plans`, cookie, { name: 'Manual', approval: 'manual' })).body.plan;
      expect((await call(runtime, 'POST', `/api/services/${service.id}/lifecycle`, cookie, { state: 'published' })).status).toBe(200);
      const app = (await call(runtime, 'POST', `/api/teams/${team.id}/apps`, cookie, { name: 'Queue Client' })).body.app;
      expect((await call(runtime, 'POST', `/api/apps/${app.id}/subscriptions`, cookie, { planId: plan.id })).status).toBe(201);

      const [delivery] = await waitFor(async () => {
        const list = (await call(runtime, 'GET', `/api/webhooks/${webhookId}/deliveries`, cookie)).body.deliveries;
        return list.length === 1 && list[0].state !== 'pending' ? list : undefined;
      }, 'the delivery');
      expect(delivery).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200, event: 'subscription.requested' });
      expect(receiver.calls.map((c) => c.status)).toEqual([502, 200]);
      for (const c of receiver.calls) {
        expect(receiver.verify(c, hook.secret)).toBe(true);
        expect(c.headers['x-tollgate-delivery']).toBe(delivery.id);
      }
    } finally {
      await runtime.close();
    }
  });

  it('delivers on the next start what a stopped portal left pending', async () => {
    // Written while no portal runs, as a crash between insert and enqueue would leave it.
    const db = createDb({ path: path.join(dir, 'tollgate.db') });
    const id = newId('delivery');
    await db.insert(webhookDeliveries).values({ id, webhookId, event: 'subscription.requested', payload: '{"left":"behind"}', state: 'pending' });
    db.$client.close();

    const before = receiver.calls.length;
    const runtime = await createPortalRuntime(parsePortalConfig(env()), pino({ level: 'silent' }));
    try {
      await waitFor(async () => (await first(runtime.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id))))?.state === 'delivered' || undefined, 'the recovered delivery');
      const recovered = receiver.calls.slice(before);
      expect(recovered.map((c) => [c.headers['x-tollgate-delivery'], c.body])).toEqual([[id, '{"left":"behind"}']]);
    } finally {
      await runtime.close();
    }
  });
});
