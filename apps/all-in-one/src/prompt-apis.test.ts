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
    // The catalogue lists the prompt API among the service's operations, as callers reach it.
    const { apis } = await consumer.dev.must('GET', `/api/services/${svc}/apis`);
    expect(apis).toContainEqual(expect.objectContaining({ kind: 'prompt', name: 'Greet', methods: ['POST'], path: '/llm/greet', tags: ['prompts'] }));
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

  it('test-runs a draft or a version with sample variables in the gateway, metered to the service team, before anything is published', async () => {
    const { team } = await t.admin.must('POST', '/api/teams', { name: 'Drafters', slug: 'drafters' });
    const { providers } = await t.admin.must('GET', '/api/providers');
    const { service } = await t.admin.must('POST', `/api/teams/${team.id}/services`, { name: 'Draft LLM', slug: 'draft-llm', kind: 'ai' });
    await t.admin.must('POST', `/api/services/${service.id}/models`, { name: 'fast', targets: [{ providerId: providers[0].id, model: 'gpt-4o-mini' }] });
    const spec = (word: string) => ({
      messages: [{ role: 'user', content: `${word} {{name}}` }],
      variables: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } }, required: ['name'] },
      model: 'fast',
    });
    const { prompt } = await t.admin.must('POST', `/api/services/${service.id}/prompts`, { name: 'Hi', path: '/hi', draft: spec('Hi') });
    await t.admin.must('POST', `/api/prompts/${prompt.id}/versions`);
    await t.admin.must('PATCH', `/api/prompts/${prompt.id}`, { draft: spec('Hey') }, 200);

    const draftRun = await t.admin.request('POST', `/api/prompts/${prompt.id}/test-run`, { variables: { name: 'Ada' } });
    expect(draftRun.status).toBe(200);
    expect(draftRun.body).toMatchObject({ output: 'Echo: Hey Ada', model: 'gpt-4o-mini', usage: { total_tokens: expect.any(Number) } });
    const versionRun = await t.admin.request('POST', `/api/prompts/${prompt.id}/test-run`, { variables: { name: 'Ada' }, version: 1 });
    expect(versionRun.body.output).toBe('Echo: Hi Ada');
    // Streamed: the portal relays the gateway's events as they come (the web app's test-run panel reads them).
    const streamed = await streamedRun(prompt.id, { variables: { name: 'Ada' }, stream: true });
    expect(streamed.type).toMatch(/^text\/event-stream/);
    expect(streamed.events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('')).toBe('Echo: Hey Ada');
    expect(streamed.events.at(-1)).toMatchObject({ event: 'done', data: { output: 'Echo: Hey Ada' } });
    // A refusal is still one JSON error, not a stream.
    const refused = await t.admin.request('POST', `/api/prompts/${prompt.id}/test-run`, { variables: {}, stream: true });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'invalid_variables']);
    const bad = await t.admin.request('POST', `/api/prompts/${prompt.id}/test-run`, { variables: { name: 'x'.repeat(21) } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_variables', message: expect.stringContaining('name') });
    expect((await t.admin.request('POST', `/api/prompts/${prompt.id}/test-run`, { version: 9 })).status).toBe(404);
    // The gateway does not serve the draft service's prompt to callers: a test run is the only way in.
    expect((await fetch(`${t.platform.gatewayUrl}/draft-llm/hi`, { method: 'POST', body: '{}' })).status).toBe(404);

    await t.platform.meter.flush();
    const { records } = await t.admin.must('GET', `/api/call-records?serviceId=${service.id}`);
    expect(records.map((r: { promptVersion: number | null; teamId: string; appId: string | null; status: number }) => [r.promptVersion, r.teamId, r.appId, r.status]).sort()).toEqual(
      [[null, team.id, null, 200], [1, team.id, null, 200], [null, team.id, null, 200], [null, team.id, null, 400], [null, team.id, null, 400]].sort(),
    );
    // Someone outside the team cannot run it.
    const outsider = await createConsumer(t.admin, 'outsiders');
    expect((await outsider.dev.request('POST', `/api/prompts/${prompt.id}/test-run`, { variables: { name: 'Ada' } })).status).toBe(404);
  });
});

/** A streamed test run through the portal, with the admin's session: its content type and its events in order. */
async function streamedRun(promptId: string, body: unknown) {
  const cookie = await adminCookie();
  const res = await fetch(`${t.platform.portalUrl}/api/prompts/${promptId}/test-run`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const events = (await res.text())
    .trim()
    .split('\n\n')
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return { event: eventLine!.replace('event: ', ''), data: JSON.parse(dataLine!.replace('data: ', '')) };
    });
  return { type: res.headers.get('content-type'), events };
}

async function adminCookie(): Promise<string> {
  const { email, password } = t.platform.portal.firstAdmin!;
  const res = await fetch(`${t.platform.portalUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}
