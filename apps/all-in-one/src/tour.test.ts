import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { createConsumer, publishAiService, startTestPlatform } from './testing/test-platform';

// The README's five-minute tour, end to end over real sockets: portal API → snapshot → gateway → provider →
// meter → call records.
let upstream: MockOpenAi;
let t: Awaited<ReturnType<typeof startTestPlatform>>;

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-provider-secret' });
  t = await startTestPlatform();
});
afterAll(async () => {
  await t.close();
  await upstream.close();
});

describe('the tour', () => {
  it('provider → AI service → plan → app → key → pending → approve → completion and stream → cost', async () => {
    const published = await publishAiService(t.admin, { upstreamUrl: upstream.url, upstreamKey: 'sk-provider-secret', approval: 'manual' });
    const consumer = await createConsumer(t.admin);
    const { subscription } = await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, {
      planId: published.plan.id,
      note: 'Our support chatbot needs it',
    });
    expect(subscription.state).toBe('pending');

    const openai = new OpenAI({ apiKey: consumer.secret, baseURL: `${t.platform.gatewayUrl}/v1`, maxRetries: 0 });
    const ask = () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is a toll gate?' }] });

    const refused = await ask().catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(refused.message).toMatch(/pending approval/);

    const queue = await t.admin.must('GET', '/api/subscriptions?state=pending');
    expect(queue.subscriptions.map((s: { id: string }) => s.id)).toContain(subscription.id);
    await t.admin.must('POST', `/api/subscriptions/${subscription.id}/approve`, { reason: 'Looks fine' }, 200);

    const completion = await eventually(ask);
    expect(completion.choices[0]?.message.content).toBe('Echo: What is a toll gate?');

    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? '';
      usage ??= chunk.usage ?? undefined;
    }
    expect(streamed).toBe('Echo: stream please');
    expect(usage?.total_tokens).toBeGreaterThan(0);

    const badKey = new OpenAI({ apiKey: 'tg_not_a_real_key', baseURL: `${t.platform.gatewayUrl}/v1`, maxRetries: 0 });
    await expect(badKey.chat.completions.create({ model: 'gpt-4o-mini', messages: [] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    // The provider never saw Tollgate's key, only its own.
    expect(upstream.requests.every((r) => r.headers.authorization === 'Bearer sk-provider-secret')).toBe(true);

    await t.platform.meter.flush();
    const { records } = await consumer.dev.must('GET', `/api/call-records?appId=${consumer.app.id}`);
    const ok = records.filter((r: { status: number }) => r.status === 200);
    expect(ok).toHaveLength(2);
    for (const r of ok) {
      expect(r.inputTokens).toBeGreaterThan(0);
      expect(r.outputTokens).toBeGreaterThan(0);
      expect(r.costMicroUsd).toBeGreaterThan(0);
    }
    expect(records.find((r: { status: number }) => r.status === 403)?.errorCode).toBe('subscription_pending');
    const usageTotals = await consumer.dev.must('GET', `/api/apps/${consumer.app.id}/usage`);
    expect(usageTotals.totals.costMicroUsd).toBe(ok.reduce((sum: number, r: { costMicroUsd: number }) => sum + r.costMicroUsd, 0));
  });
});

/** Retries for up to a second: the gateway serves a portal change within that (see snapshot.test.ts). */
async function eventually<T>(fn: () => Promise<T>, ms = 1_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
