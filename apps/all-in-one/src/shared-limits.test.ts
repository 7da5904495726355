import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { createConsumer, publishAiService, startTestPlatform } from './testing/test-platform';
import { freePort, startEntry, stopProcess } from './testing/processes';

/**
 * Issue 5's headline: two gateway processes sharing one Redis admit exactly the limit under 200 concurrent
 * requests. The portal runs in this process; the gateways are real processes that pull its snapshot.
 */
const token = 'shared-limits-internal-token-0123456789';
const limit = 37;
let redis: TestRedis;
let upstream: MockOpenAi;
let t: Awaited<ReturnType<typeof startTestPlatform>>;
let secret: string;
const gateways: Array<{ child: ChildProcess; url: string; output: () => string }> = [];

async function startGateway(): Promise<(typeof gateways)[number]> {
  const port = await freePort();
  const { child, output } = startEntry('apps/gateway/src/main.ts', {
    TOLLGATE_GATEWAY_PORT: String(port),
    TOLLGATE_PORTAL_URL: t.platform.portalUrl,
    TOLLGATE_INTERNAL_TOKEN: token,
    TOLLGATE_REDIS_URL: redis.url,
    TOLLGATE_SNAPSHOT_POLL_MS: '100',
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  // Ready means the snapshot holding the consumer's key arrived: a call answers something other than 401/503.
  for (;;) {
    const status = await request(`${url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } }).then(
      async (r) => (await r.body.dump(), r.statusCode),
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) throw new Error(`gateway on ${port} not ready: ${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, output };
}

beforeAll(async () => {
  redis = await startRedisServer();
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
  t = await startTestPlatform({ TOLLGATE_INTERNAL_TOKEN: token });
  const published = await publishAiService(t.admin, { upstreamUrl: upstream.url, upstreamKey: 'sk-up', approval: 'auto', limits: { requestsPerDay: limit } });
  const consumer = await createConsumer(t.admin);
  await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId: published.plan.id });
  secret = consumer.secret;
  gateways.push(await startGateway(), await startGateway());
}, 60_000);

afterAll(async () => {
  for (const g of gateways) await stopProcess(g.child);
  await t?.close();
  await upstream?.close();
  await redis?.close();
});

describe('limits shared by two gateway processes through Redis', () => {
  it('admits exactly the limit of 200 concurrent requests spread over both gateways', async () => {
    const dispatcher = new Agent({ connections: 128 });
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const statuses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        request(`${gateways[i % 2]!.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body,
          dispatcher,
        }).then(async (r) => (await r.body.dump(), r.statusCode)),
      ),
    );
    await dispatcher.close();
    const count = (s: number) => statuses.filter((x) => x === s).length;
    expect({ admitted: count(200), refused: count(429), other: statuses.length - count(200) - count(429) }).toEqual({ admitted: limit, refused: 200 - limit, other: 0 });
    // Both processes admitted some: the count really was shared, not one gateway doing all the work.
    const perGateway = [0, 1].map((g) => statuses.filter((s, i) => s === 200 && i % 2 === g).length);
    expect(perGateway.every((n) => n > 0)).toBe(true);
    for (const g of gateways) expect(g.output()).not.toMatch(/"level":(50|60)/);
  });
});
