import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { request } from 'undici';
import type { SnapshotDelta } from '@tollgate/domain';
import { createPortalSnapshotClient } from '@tollgate/gateway';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { createConsumer, publishAiService, startTestPlatform } from './testing/test-platform';

let upstream: MockOpenAi;
let t: Awaited<ReturnType<typeof startTestPlatform>>;
let planId: string;
const deltas: SnapshotDelta[] = [];
const internalToken = 'internal-token-for-tests-0123456789abcdef';

const chat = (key: string) =>
  request(`${t.platform.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  }).then(async (res) => {
    await res.body.dump();
    return res.statusCode;
  });

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
  t = await startTestPlatform({ TOLLGATE_REVISION_POLL_MS: '600000', TOLLGATE_INTERNAL_TOKEN: internalToken });
  planId = (await publishAiService(t.admin, { upstreamUrl: upstream.url, upstreamKey: 'sk-up', approval: 'auto' })).plan.id;
  t.platform.portal.publisher.subscribe((_, delta) => delta && deltas.push(delta));
});
afterAll(async () => {
  await t.close();
  await upstream.close();
});

describe('all-in-one: key, app and subscription changes reach the gateway as deltas (ADR 0032)', () => {
  it('a revoked key is refused, the app and its other key still served; deleting the app refuses that key too', async () => {
    const consumer = await createConsumer(t.admin);
    await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId });
    const { key, secret } = await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/keys`, { name: 'second' });
    // Each change is in the gateway when the portal has answered and the publisher's immediate has run.
    await new Promise((r) => setImmediate(r));
    expect(await chat(secret)).toBe(200);
    expect(await chat(consumer.secret)).toBe(200);

    const before = deltas.length;
    await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/keys/${key.id}/revoke`, {}, 200);
    await new Promise((r) => setImmediate(r));
    expect(deltas.slice(before)).toEqual([expect.objectContaining({ keys: { put: [expect.objectContaining({ hash: hashOf(consumer.secret) })], remove: [hashOf(secret)] } })]);
    expect(await chat(secret)).toBe(401);
    expect(await chat(consumer.secret)).toBe(200);

    await consumer.dev.must('DELETE', `/api/apps/${consumer.app.id}`, undefined, 204);
    await new Promise((r) => setImmediate(r));
    expect(deltas.at(-1)).toMatchObject({ apps: { remove: [consumer.app.id] }, keys: { remove: [hashOf(consumer.secret)] } });
    expect(await chat(consumer.secret)).toBe(401);
  });

  it('split shape: a gateway on its own pulls a revoke as a delta, and the full snapshot after other changes', async () => {
    const consumer = await createConsumer(t.admin, 'split-consumers');
    await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId });
    const client = createPortalSnapshotClient({ portalUrl: t.platform.portalUrl, internalToken, pollMs: 60_000, logger: pino({ level: 'silent' }) });
    await client.pullOnce();
    expect(client.stats).toEqual({ full: 1, deltas: 0 });
    const { key, secret } = await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/keys`, { name: 'split' });
    await new Promise((r) => setImmediate(r));
    await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/keys/${key.id}/revoke`, {}, 200);
    await new Promise((r) => setImmediate(r));
    // Two revisions behind: one composed delta brings it level, and the revoked key is gone.
    expect(await client.pullOnce()).toBe(true);
    expect(client.stats).toEqual({ full: 1, deltas: 1 });
    const config = client.source.current()!;
    expect(config.revision).toBe(t.platform.portal.publisher.current().revision);
    expect(config.keysByHash.has(hashOf(secret))).toBe(false);
    expect(config.keysByHash.get(hashOf(consumer.secret))).toMatchObject({ appId: consumer.app.id });
    expect(await client.pullOnce()).toBe(false);
    // A gateway that does not ask for deltas (an older one) still gets the whole snapshot, as before.
    const plain = await request(`${t.platform.portalUrl}/api/internal/snapshot`, { headers: { authorization: `Bearer ${internalToken}`, 'if-none-match': `"${config.revision - 1}"` } });
    expect(plain.headers['content-type']).toMatch(/^application\/json/);
    expect(((await plain.body.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
    // A change beyond keys, apps and subscriptions: the chain is broken, the next pull takes the whole snapshot.
    await t.admin.must('PATCH', `/api/plans/${planId}`, { limits: { requestsPerMinute: 600 } }, 200);
    await new Promise((r) => setImmediate(r));
    expect(await client.pullOnce()).toBe(true);
    expect(client.stats).toEqual({ full: 2, deltas: 1 });
    expect(client.source.current()!.revision).toBe(t.platform.portal.publisher.current().revision);
    // Pulls asked for while one runs share it: two answering out of order could install the older one last.
    await t.admin.must('PATCH', `/api/plans/${planId}`, { limits: { requestsPerMinute: 700 } }, 200);
    await new Promise((r) => setImmediate(r));
    const [first, second] = [client.pullOnce(), client.pullOnce()];
    expect(second).toBe(first);
    expect(await first).toBe(true);
    expect(client.stats).toEqual({ full: 3, deltas: 1 });
  });
});
