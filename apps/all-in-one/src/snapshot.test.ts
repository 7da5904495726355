import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { count } from 'drizzle-orm';
import { callRecords, first } from '@tollgate/db';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { CallMeter, createGatewayApp, createPortalCallRecordSink, createPortalSnapshotClient } from '@tollgate/gateway';
import { MemoryLimiter } from '@tollgate/limiter';
import { createConsumer, publishAiService, startTestPlatform } from './testing/test-platform';

const internalToken = 'internal-token-for-tests-0123456789abcdef';
let upstream: MockOpenAi;
let statements: string[] | null = null;
let t: Awaited<ReturnType<typeof startTestPlatform>>;
let consumer: Awaited<ReturnType<typeof createConsumer>>;

const chat = (gatewayUrl: string, key: string, dispatcher?: Agent) =>
  request(`${gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    dispatcher,
  }).then(async (res) => {
    await res.body.dump();
    return res.statusCode;
  });

/** Polls every 5 ms until `check` holds; returns the milliseconds it took. */
async function timeUntil(check: () => Promise<boolean>, limitMs = 5_000): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > limitMs) throw new Error(`not true within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - started;
}

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
  // Long meter and revision-poll intervals: nothing may touch the database on its own during the counted window.
  t = await startTestPlatform(
    { TOLLGATE_METER_FLUSH_MS: '600000', TOLLGATE_METER_BATCH_SIZE: '5000', TOLLGATE_REVISION_POLL_MS: '600000', TOLLGATE_INTERNAL_TOKEN: internalToken },
    { onStatement: (sql) => statements?.push(sql) },
  );
  const published = await publishAiService(t.admin, { upstreamUrl: upstream.url, upstreamKey: 'sk-up', approval: 'auto' });
  consumer = await createConsumer(t.admin);
  await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId: published.plan.id });
});
afterAll(async () => {
  await t.close();
  await upstream.close();
});

describe('config snapshot', () => {
  it('serves a change made through the portal API within 1 s: a new key works, a revoked key stops', async () => {
    const { key, secret } = await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/keys`, { name: 'fresh' });
    const servedIn = await timeUntil(async () => (await chat(t.platform.gatewayUrl, secret)) === 200);
    await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/keys/${key.id}/revoke`, {}, 200);
    const revokedIn = await timeUntil(async () => (await chat(t.platform.gatewayUrl, secret)) === 401);
    expect(servedIn).toBeLessThan(1_000);
    expect(revokedIn).toBeLessThan(1_000);
  });

  it('keeps a rotated key working for its grace period beside the new one, then refuses it', async () => {
    const { key, secret: oldSecret } = await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/keys`, { name: 'to-rotate' });
    await timeUntil(async () => (await chat(t.platform.gatewayUrl, oldSecret)) === 200);
    const rotated = await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/keys/${key.id}/rotate`, { graceSeconds: 1 });
    await timeUntil(async () => (await chat(t.platform.gatewayUrl, rotated.secret)) === 200);
    expect(await chat(t.platform.gatewayUrl, oldSecret)).toBe(200);
    const endedIn = await timeUntil(async () => (await chat(t.platform.gatewayUrl, oldSecret)) === 401);
    // The old key ends when its grace period does (measured from the rotation), not at once and not much later.
    expect(endedIn).toBeLessThan(1_500);
    expect(await chat(t.platform.gatewayUrl, rotated.secret)).toBe(200);
  });

  it('runs zero database statements during 1,000 gateway requests, and meters all of them afterwards', async () => {
    const agent = new Agent({ connections: 20 });
    await t.platform.meter.flush();
    const before = (await first(t.platform.portal.db.select({ n: count() }).from(callRecords)))!.n;
    statements = [];
    const statuses: number[] = [];
    for (let batch = 0; batch < 50; batch++) {
      statuses.push(...(await Promise.all(Array.from({ length: 20 }, () => chat(t.platform.gatewayUrl, consumer.secret, agent)))));
    }
    const seen = statements;
    statements = null;
    expect(statuses.filter((s) => s === 200)).toHaveLength(1_000);
    expect(seen.length, seen.slice(0, 3).join('\n').slice(0, 500)).toBe(0);
    await t.platform.meter.flush();
    const after = (await first(t.platform.portal.db.select({ n: count() }).from(callRecords)))!.n;
    expect(after - before).toBe(1_000);
    await agent.close();
  });

  it('serves a gateway running on its own: it pulls the snapshot over HTTP and pushes call records back', async () => {
    const logger = pino({ level: 'silent' });
    const channel = { portalUrl: t.platform.portalUrl, internalToken };
    const client = createPortalSnapshotClient({ ...channel, pollMs: 100, logger });
    await client.pullOnce();
    client.start();
    const meter = new CallMeter({ sink: createPortalCallRecordSink(channel), logger, flushIntervalMs: 50 });
    const limiter = new MemoryLimiter();
    const server = serve({ fetch: createGatewayApp({ snapshots: client.source, meter, limiter, logger }).fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect(await chat(url, consumer.secret)).toBe(200);
      // A change reaches the separate gateway on its next poll, with no republish.
      const { secret } = await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/keys`, { name: 'split' });
      expect(await timeUntil(async () => (await chat(url, secret)) === 200)).toBeLessThan(1_000);
      await meter.flush();
      const { records } = await consumer.dev.must('GET', `/api/call-records?appId=${consumer.app.id}&limit=5`);
      expect(records[0].status).toBe(200);
      // The internal channel refuses a wrong token.
      const denied = await request(`${t.platform.portalUrl}/api/internal/snapshot`, { headers: { authorization: 'Bearer wrong' } });
      expect(denied.statusCode).toBe(401);
      await denied.body.dump();
    } finally {
      client.stop();
      limiter.close();
      await meter.close();
      await new Promise((r) => server.close(r));
    }
  });
});
