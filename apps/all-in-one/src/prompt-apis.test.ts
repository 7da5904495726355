import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { createConsumer, publishAiService, startTestPlatform } from './testing/test-platform';

/** A prompt written in the portal, versioned, published and released, then called by a plain HTTP client. */
let upstream: MockOpenAi;
let t: Awaited<ReturnType<typeof startTestPlatform>>;

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
  t = await startTestPlatform();
});
afterAll(async () => {
  await t.close();
  await upstream.close();
});

describe('prompt APIs end to end', () => {
  it('serves the released version at /<service slug><path>, meters it, and stops when unpublished and released', async () => {
    const published = await publishAiService(t.admin, { upstreamUrl: upstream.url, upstreamKey: 'sk-up', approval: 'auto' });
    const svc = published.service.id;
    const draft = (greeting: string) => ({
      messages: [{ role: 'user', content: `${greeting} {{name}}` }],
      variables: { type: 'object', properties: { name: { type: 'string', maxLength: 50 } }, required: ['name'] },
      model: published.model,
    });
    const { prompt } = await t.admin.must('POST', `/api/services/${svc}/prompts`, { name: 'Greet', path: '/greet', draft: draft('Hello') });
    await t.admin.must('POST', `/api/prompts/${prompt.id}/versions`);
    await t.admin.must('POST', `/api/prompts/${prompt.id}/publish`, { version: 1 }, 200);
    await t.admin.must('POST', `/api/services/${svc}/releases`);

    const consumer = await createConsumer(t.admin);
    await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId: published.plan.id });
    const greet = async () => {
      const deadline = Date.now() + 2_000;
      for (;;) {
        const res = await fetch(`${t.platform.gatewayUrl}/llm/greet`, {
          method: 'POST',
          headers: { authorization: `Bearer ${consumer.secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ variables: { name: 'Ada' } }),
        });
        if (res.status !== 401 && res.status !== 403 || Date.now() > deadline) return res;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const res = await greet();
    expect(res.status).toBe(200);
    const body = (await res.json()) as { output: string; id: string };
    expect(body.output).toBe('Echo: Hello Ada');

    // A new draft version is not served until it is published and released.
    await t.admin.must('PATCH', `/api/prompts/${prompt.id}`, { draft: draft('Goodbye') }, 200);
    await t.admin.must('POST', `/api/prompts/${prompt.id}/versions`);
    expect(((await (await greet()).json()) as { output: string }).output).toBe('Echo: Hello Ada');
    await t.admin.must('POST', `/api/prompts/${prompt.id}/publish`, { version: 2 }, 200);
    await t.admin.must('POST', `/api/services/${svc}/releases`);
    const deadline = Date.now() + 2_000;
    let output = '';
    while (output !== 'Echo: Goodbye Ada' && Date.now() < deadline) output = ((await (await greet()).json()) as { output: string }).output;
    expect(output).toBe('Echo: Goodbye Ada');

    // Unpublished and released: the path is gone.
    await t.admin.must('POST', `/api/prompts/${prompt.id}/publish`, { version: null }, 200);
    await t.admin.must('POST', `/api/services/${svc}/releases`);
    const goneBy = Date.now() + 2_000;
    let status = 200;
    while (status !== 404 && Date.now() < goneBy) status = (await greet()).status;
    expect(status).toBe(404);

    await t.platform.meter.flush();
    const { records } = await t.admin.must('GET', `/api/call-records?serviceId=${svc}`);
    const promptCalls = records.filter((r: { path: string }) => r.path === '/llm/greet');
    expect(promptCalls.length).toBeGreaterThanOrEqual(3);
    expect(promptCalls.find((r: { id: string }) => r.id === body.id)).toMatchObject({ promptId: prompt.id, promptVersion: 1, status: 200 });
  });
});
