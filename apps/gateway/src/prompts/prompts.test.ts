import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic, startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import type { PromptSpecJson } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';
import { startScriptedUpstream } from '../testing/scripted-upstream';
import { testKeys, testSnapshot, type TestSnapshotOptions } from '../testing/test-snapshot';

/**
 * Prompt APIs through a real gateway, called with plain `fetch` as a client that knows nothing about LLMs,
 * against the OpenAI mock (which answers JSON when asked for it with `response_format`, like the real API).
 */
const summarize: PromptSpecJson = {
  messages: [
    { role: 'system', content: 'Summarise in a {{style}} style.' },
    { role: 'user', content: 'Summarize: {{text}}' },
  ],
  variables: {
    type: 'object',
    properties: { text: { type: 'string', minLength: 1, maxLength: 200 }, style: { type: 'string', enum: ['short', 'long'], default: 'short' } },
    required: ['text'],
  },
  model: 'gpt-4o-mini',
  parameters: { temperature: 0.2 },
};
const extract: PromptSpecJson = {
  messages: [{ role: 'user', content: '{"title": "{{title}}", "tags": ["a", "b"]}' }],
  variables: { type: 'object', properties: { title: { type: 'string', maxLength: 100 } }, required: ['title'] },
  model: 'gpt-4o-mini',
  outputSchema: { type: 'object', properties: { title: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['title', 'tags'], additionalProperties: false },
};

/** Response bodies are read loosely: the assertions below are the type check. */
const json = (res: Response): Promise<any> => res.json();

let upstream: MockOpenAi;
beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
});
afterAll(() => upstream.close());

async function gatewayWith(o: Partial<TestSnapshotOptions> = {}) {
  const gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-up', prompts: [{ path: '/summarize', spec: summarize, version: 3 }, { path: '/extract', spec: extract }], ...o }));
  const call = (path: string, body: unknown, key: string | null = testKeys.approved) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { gateway, call };
}

describe('prompt APIs', () => {
  it('answers {id, output, model, usage, cost} to a plain HTTP client and meters the call with the prompt version', async () => {
    const { gateway, call } = await gatewayWith({ priceOverrides: { 'gpt-4o-mini': { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 } } });
    const res = await call('/llm/summarize', { variables: { text: 'toll gates on old roads' } });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ output: 'Echo: Summarize: toll gates on old roads', model: 'gpt-4o-mini', usage: { input_tokens: expect.any(Number), output_tokens: 7 } });
    expect(body.cost.micro_usd).toBeGreaterThan(0);
    // The default filled in, and the template's parameters passed through.
    const sent = JSON.parse(upstream.requests.at(-1)!.rawBody);
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'Summarise in a short style.' });
    expect(sent.temperature).toBe(0.2);
    const [record] = (await gateway.flushed()).filter((r) => r.path === '/llm/summarize');
    expect(record).toMatchObject({ id: body.id, promptId: 'prm_test00000000', promptVersion: 3, status: 200, serviceId: 'svc_llm00000000', model: 'gpt-4o-mini' });
    expect(record!.costMicroUsd).toBe(body.cost.micro_usd);
    await gateway.close();
  });

  it('refuses bad input with a 400 that names the variable, in the REST error shape', async () => {
    const { gateway, call } = await gatewayWith();
    const cases: Array<[unknown, string, string]> = [
      [{ variables: {} }, 'invalid_variables', 'text'],
      [{ variables: { text: '' } }, 'invalid_variables', 'text'],
      [{ variables: { text: 'x'.repeat(201) } }, 'invalid_variables', 'text'],
      [{ variables: { text: 'ok', style: 'epic' } }, 'invalid_variables', 'style'],
      [{ variables: { text: 'ok', mood: 'happy' } }, 'invalid_variables', 'mood'],
      [{ variables: { text: 42 } }, 'invalid_variables', 'text'],
      [{ variables: { text: 'ok' }, stream: 'yes' }, 'invalid_request', 'stream'],
      [{ variables: { text: 'ok' }, model: 'gpt-4o' }, 'unknown_field', 'model'],
      ['not json', 'invalid_json', 'JSON'],
    ];
    const before = upstream.requests.length;
    for (const [body, code, named] of cases) {
      const res = await call('/llm/summarize', body);
      const answer = await json(res);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(answer.error.code, JSON.stringify(body)).toBe(code);
      expect(answer.error.message, JSON.stringify(body)).toContain(named);
      expect(answer.error.requestId).toMatch(/^req_/);
    }
    expect(upstream.requests.length).toBe(before);
    const unknown = await call('/llm/nothing-here', { variables: {} });
    expect([unknown.status, (await json(unknown)).error.code]).toEqual([404, 'unknown_url']);
    const anonymous = await call('/llm/summarize', { variables: { text: 'ok' } }, null);
    expect(anonymous.status).toBe(401);
    expect((await json(anonymous)).error).toMatchObject({ code: expect.any(String), requestId: expect.any(String) });
    const pending = await call('/llm/summarize', { variables: { text: 'ok' } }, testKeys.pending);
    expect([pending.status, (await json(pending)).error.code]).toEqual([403, 'subscription_pending']);
    await gateway.close();
  });

  it('inserts values as data: placeholders inside values are never expanded', async () => {
    const { gateway, call } = await gatewayWith();
    const res = await call('/llm/summarize', { variables: { text: '{{style}} and {{secret}} }}{{', style: 'long' } });
    expect(res.status).toBe(200);
    const sent = JSON.parse(upstream.requests.at(-1)!.rawBody);
    expect(sent.messages[1].content).toBe('Summarize: {{style}} and {{secret}} }}{{');
    expect((await json(res)).output).toBe('Echo: Summarize: {{style}} and {{secret}} }}{{');
    await gateway.close();
  });

  it('returns the parsed, schema-checked object from the provider JSON mode', async () => {
    const { gateway, call } = await gatewayWith();
    const res = await call('/llm/extract', { variables: { title: 'Roads' } });
    const body = await json(res);
    expect(res.status).toBe(200);
    expect(body.output).toEqual({ title: 'Roads', tags: ['a', 'b'] });
    expect(JSON.parse(upstream.requests.at(-1)!.rawBody).response_format).toMatchObject({ type: 'json_schema', json_schema: { schema: extract.outputSchema } });
    await gateway.close();
  });

  it('repairs once on a provider without a JSON mode, and answers 502 when the repair fails too', async () => {
    // An OpenAI-compatible server gets no response_format: the mock echoes, which is not JSON, twice.
    const { gateway, call } = await gatewayWith({ providerType: 'openai-compatible' });
    const before = upstream.requests.length;
    const res = await call('/llm/extract', { variables: { title: 'Roads' } });
    expect(res.status).toBe(502);
    const body = await json(res);
    expect(body.error.code).toBe('invalid_output');
    expect(body.error.message).toMatch(/did not match the prompt's output schema after one repair attempt/);
    expect(upstream.requests.length - before).toBe(2);
    const repair = JSON.parse(upstream.requests.at(-1)!.rawBody);
    expect(repair.response_format).toBeUndefined();
    expect(repair.messages.at(-2)).toMatchObject({ role: 'assistant' });
    await gateway.close();

    // A provider that gets it right the second time: the repaired answer is the output, both calls metered.
    let calls = 0;
    const scripted = await startScriptedUpstream((_req, res2) => {
      calls++;
      const content = calls === 1 ? 'Sure! Here it is: {"title": "Roads"' : '{"title": "Roads", "tags": []}';
      res2.writeHead(200, { 'content-type': 'application/json' });
      res2.end(JSON.stringify({ id: `c${calls}`, object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }));
    });
    const fixed = await startTestGateway(testSnapshot({ providerUrl: scripted.url, providerType: 'openai-compatible', prompts: [{ path: '/extract', spec: extract }] }));
    const ok = await fetch(`${fixed.url}/llm/extract`, { method: 'POST', headers: { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' }, body: JSON.stringify({ variables: { title: 'Roads' } }) });
    const okBody = await json(ok);
    expect(ok.status).toBe(200);
    expect(okBody.output).toEqual({ title: 'Roads', tags: [] });
    expect(okBody.usage).toMatchObject({ input_tokens: 20, output_tokens: 10, total_tokens: 30 });
    await fixed.close();
    await scripted.close();
  });

  it('streams text deltas and ends with one event carrying usage and cost', async () => {
    const { gateway, call } = await gatewayWith();
    const res = await call('/llm/summarize', { variables: { text: 'one two three' }, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    const events = text.trim().split('\n\n').map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return { event: eventLine!.replace('event: ', ''), data: JSON.parse(dataLine!.replace('data: ', '')) };
    });
    const deltas = events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
    expect(deltas).toBe('Echo: Summarize: one two three');
    expect(events.filter((e) => e.event === 'delta').length).toBeGreaterThan(1);
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data).toMatchObject({ output: deltas, model: 'gpt-4o-mini', usage: { total_tokens: expect.any(Number) }, cost: { micro_usd: expect.any(Number) } });
    const [record] = (await gateway.flushed()).filter((r) => r.path === '/llm/summarize');
    expect(record).toMatchObject({ stream: true, status: 200, promptVersion: 3, failed: false });
    expect(record!.outputTokens).toBeGreaterThan(0);
    await gateway.close();
  });

  it('runs the portal test runs only for the internal token, metered to the service team without an app', async () => {
    const token = 'test-run-token-0123456789abcdef0123456789';
    const gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-up' }), { internalToken: token });
    const run = { serviceId: 'svc_llm00000000', promptId: 'prm_draft0000000', version: null, name: 'Draft', path: '/draft', spec: summarize, targets: [{ providerId: 'prv_primary0000', model: 'gpt-4o-mini' }], variables: { text: 'try me' } };
    const post = (auth: string | null, body: unknown = run) =>
      fetch(`${gateway.url}/internal/prompt-runs`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: JSON.stringify(body) });
    for (const auth of [null, 'wrong-token', testKeys.approved]) expect((await post(auth)).status, String(auth)).toBe(404);
    const ok = await post(token);
    expect(ok.status).toBe(200);
    expect((await json(ok)).output).toBe('Echo: Summarize: try me');
    // Streamed, as the portal's test-run panel asks: deltas, then one `done` with the whole output.
    const streamed = await post(token, { ...run, stream: true });
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const sse = await streamed.text();
    expect(sse).toMatch(/^event: delta\n/);
    expect(sse).toContain('"output":"Echo: Summarize: try me"');
    const badSpec = await post(token, { ...run, spec: { ...summarize, messages: [{ role: 'user', content: '{{undeclared}}' }] } });
    expect([badSpec.status, (await json(badSpec)).error.code]).toEqual([400, 'invalid_request']);
    const [record] = (await gateway.flushed()).filter((r) => r.path === '/internal/prompt-runs' && r.status === 200);
    expect(record).toMatchObject({ teamId: 'team_publisher0', appId: null, promptId: 'prm_draft0000000', promptVersion: null });
    await gateway.close();
  });

  it('ends a stream with an error event when the provider fails inside it', async () => {
    const anthropic = await startMockAnthropic({ apiKey: 'sk-ant' });
    const gateway = await startTestGateway(
      testSnapshot({ providerUrl: anthropic.url, providerKey: 'sk-ant', providerType: 'anthropic', upstreamModel: 'mock-stream-error', prompts: [{ path: '/summarize', spec: summarize }] }),
    );
    const res = await fetch(`${gateway.url}/llm/summarize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' },
      body: JSON.stringify({ variables: { text: 'a b c d e f g h' }, stream: true }),
    });
    const text = await res.text();
    const last = text.trim().split('\n\n').at(-1)!;
    expect(last.split('\n')[0]).toBe('event: error');
    expect(JSON.parse(last.split('\n')[1]!.slice('data: '.length))).toMatchObject({ code: 'upstream_error' });
    expect(text).not.toContain('event: done');
    await gateway.close();
    await anthropic.close();
  });

  it('does not repair on a provider with a structured-output mode, and answers a failed repair with 502', async () => {
    // OpenAI in JSON mode answered valid JSON that misses required fields: no second, paid, call.
    const { gateway, call } = await gatewayWith({ prompts: [{ path: '/extract', spec: { ...extract, messages: [{ role: 'user', content: 'Title: {{title}}' }] } }] });
    const before = upstream.requests.length;
    const res = await call('/llm/extract', { variables: { title: 'Roads' } });
    expect(res.status).toBe(502);
    expect((await json(res)).error.message).toMatch(/^The model's answer did not match the prompt's output schema: /);
    expect(upstream.requests.length - before).toBe(1);
    await gateway.close();

    // A repair the provider refuses (400) is the model's failure, not the caller's: still a 502.
    let calls = 0;
    const scripted = await startScriptedUpstream((_req, res2) => {
      calls++;
      if (calls > 1) return res2.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad turn order","type":"invalid_request_error","param":null,"code":null}}');
      res2.writeHead(200, { 'content-type': 'application/json' });
      res2.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'not json' }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 } }));
    });
    const refusing = await startTestGateway(testSnapshot({ providerUrl: scripted.url, providerType: 'openai-compatible', prompts: [{ path: '/extract', spec: extract }] }));
    const failed = await fetch(`${refusing.url}/llm/extract`, { method: 'POST', headers: { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' }, body: JSON.stringify({ variables: { title: 'Roads' } }) });
    expect(failed.status).toBe(502);
    expect((await json(failed)).error).toMatchObject({ code: 'invalid_output', message: expect.stringContaining('the repair request failed') });
    await refusing.close();
    await scripted.close();
  });

  it('treats POST /v1 as the unified API: one 404 in its shape, counted once', async () => {
    const { gateway, call } = await gatewayWith();
    const before = gateway.meter.stats.unattributed;
    const res = await call('/v1', {}, null);
    expect(res.status).toBe(404);
    expect((await json(res)).error).toMatchObject({ type: 'invalid_request_error', code: 'unknown_url' });
    expect(gateway.meter.stats.unattributed - before).toBe(1);
    await gateway.close();
  });
});

