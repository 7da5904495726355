import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { createConsumer, publishAiService, startTestPlatform } from './testing/test-platform';

/**
 * Body capture across the whole platform: switched on in the portal, served from the next snapshot by the
 * gateway, redacted there, stored by the meter, read back through the log explorer by both teams.
 */
let upstream: MockOpenAi;
let t: Awaited<ReturnType<typeof startTestPlatform>>;
let consumer: Awaited<ReturnType<typeof createConsumer>>;
let serviceId: string;
let openai: OpenAI;

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
  t = await startTestPlatform({ TOLLGATE_METER_FLUSH_MS: '50' });
  const published = await publishAiService(t.admin, { upstreamUrl: upstream.url, upstreamKey: 'sk-up', approval: 'auto' });
  serviceId = published.service.id;
  consumer = await createConsumer(t.admin);
  await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId: published.plan.id });
  openai = new OpenAI({ apiKey: consumer.secret, baseURL: `${t.platform.gatewayUrl}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await t.close();
  await upstream.close();
});

/** Makes a streamed call and returns its stored record as the consumer reads it, bodies included. */
async function streamedCall(content: string) {
  const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], stream: true }).withResponse();
  let text = '';
  for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
  await t.platform.meter.flush();
  const { records } = await consumer.dev.must('GET', `/api/call-records?requestId=${response.headers.get('x-request-id')}`);
  expect(records).toHaveLength(1);
  const { record } = await consumer.dev.must('GET', `/api/call-records/${records[0].id}`);
  return { text, record };
}

/** Calls until the gateway serves the snapshot with the change: a config change is live within a poll. */
async function untilServed(check: (record: { bodies: unknown }) => boolean) {
  const started = Date.now();
  for (;;) {
    const call = await streamedCall('probe');
    if (check(call.record)) return;
    if (Date.now() - started > 5_000) throw new Error('the change was not served within 5 s');
  }
}

describe('call logs and body capture', () => {
  it('stores no bodies until the service turns capture on, then redacted ones, readable by both teams', async () => {
    const before = await streamedCall('nothing kept');
    expect(before.text).toBe('Echo: nothing kept');
    expect(before.record.bodies).toBeNull();

    const { service } = await t.admin.must('PATCH', `/api/services/${serviceId}`, { capture: { bodies: true, redact: ['messages.*.content'] } });
    expect(service.capture).toEqual({ bodies: true, redact: ['messages.*.content'] });
    await untilServed((r) => r.bodies !== null);

    const captured = await streamedCall('a private question');
    expect(captured.text).toBe('Echo: a private question');
    const { bodies } = captured.record;
    expect(JSON.parse(bodies.request)).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: '[REDACTED]' }] });
    expect(bodies.request).not.toContain('private');
    // The answer is not named by a rule: it is the stream the client read, event by event.
    const pieces = bodies.response
      .split('\n')
      .filter((line: string) => line.startsWith('data: {'))
      .map((line: string) => JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? '')
      .join('');
    expect(pieces).toBe(captured.text);
    expect(bodies.response).toMatch(/data: \[DONE\]\n\n$/);
    expect(bodies).toMatchObject({ requestTruncated: false, responseTruncated: false });
    // The publisher (here the platform admin, who made the service) reads the same record.
    const asPublisher = await t.admin.must('GET', `/api/call-records/${captured.record.id}`);
    expect(asPublisher.record.bodies).toEqual(bodies);
    const listed = await consumer.dev.must('GET', `/api/call-records?serviceId=${serviceId}&status=2xx&limit=2`);
    expect(listed.records[0].id).toBe(captured.record.id);
    expect(listed.nextCursor).toEqual(expect.any(String));

    await t.admin.must('PATCH', `/api/services/${serviceId}`, { capture: { bodies: false } });
    await untilServed((r) => r.bodies === null);
    expect((await streamedCall('off again')).record.bodies).toBeNull();
  });
});
