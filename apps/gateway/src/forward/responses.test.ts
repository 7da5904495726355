import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { RecordedRequest } from '@tollgate/providers';
import { testKeys } from '../testing/test-snapshot';
import { mockBehindGateway, mockProviders, type MockProvider } from '../testing/mock-providers';
import { errorBody, responseObject, streamEvent, type StreamEvent } from '../testing/responses-schemas';

// The official openai SDK's Responses API, unchanged but for its base URL, through the gateway to an
// OpenAI-type and an Anthropic-type provider; every answer is checked against the reference's shapes.
interface Provider extends MockProvider {
  /** The mock answers function tools by calling one (the OpenAI mock answers them with text). */
  callsTools: boolean;
  /** Where the provider's request carries a JSON schema for the answer; null when the provider has no such mode. */
  schemaOf: ((body: Record<string, any>) => unknown) | null;
}

const expectations: Record<string, Pick<Provider, 'callsTools' | 'schemaOf'>> = {
  openai: { callsTools: false, schemaOf: (b) => b.response_format?.json_schema?.schema },
  anthropic: { callsTools: true, schemaOf: (b) => b.output_config?.format?.schema },
  gemini: { callsTools: true, schemaOf: (b) => b.generationConfig?.responseSchema },
  bedrock: { callsTools: true, schemaOf: null },
};
// OpenAI-type providers take the native passthrough (responses-passthrough.test.ts); the translation to OpenAI's
// chat format is what an OpenAI-compatible provider gets, on the same mock.
const translated = (p: MockProvider): MockProvider => (p.type === 'openai' ? { ...p, type: 'openai-compatible' } : p);
const providers: Provider[] = mockProviders.map((p) => ({ ...translated(p), ...expectations[p.type]! }));

const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function setup(p: Provider, upstreamModel = p.model) {
  const { mock, gateway } = await mockBehindGateway(p, closers, upstreamModel);
  return { mock, gateway, client: new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 }) };
}

const sentBody = (mock: { requests: RecordedRequest[] }) => mock.requests.at(-1)!.body as Record<string, any>;

describe.each(providers)('POST /v1/responses over $type', (p) => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    ctx = await setup(p);
  });

  it('answers responses.create with a message item, usage, and a metered call record', async () => {
    const { data, response } = await ctx.client.responses
      .create({ model: 'gpt-4o-mini', instructions: 'Be brief.', input: 'hello responses api', metadata: { ticket: 't-1' }, max_output_tokens: 200 })
      .withResponse();
    const parsed = responseObject.parse(data);
    expect(parsed.status).toBe('completed');
    expect(data.output_text).toBe('Echo: hello responses api');
    expect(parsed.output).toEqual([expect.objectContaining({ type: 'message', status: 'completed', content: [expect.objectContaining({ type: 'output_text', text: 'Echo: hello responses api', annotations: [] })] })]);
    expect(parsed.metadata).toEqual({ ticket: 't-1' });
    expect(parsed.instructions).toBe('Be brief.');
    const usage = parsed.usage!;
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
    // The instructions reached the provider as its system prompt; metadata stays with the response.
    expect(JSON.stringify(sentBody(ctx.mock))).toContain('Be brief.');
    expect(sentBody(ctx.mock).metadata).toBeUndefined();

    const record = (await ctx.gateway.flushed()).find((r) => r.requestId === response.headers.get('x-request-id'));
    expect(record).toMatchObject({ status: 200, failed: false, stream: false, path: '/v1/responses', api: '/v1/responses', model: 'gpt-4o-mini' });
    expect(record!.inputTokens + record!.cacheReadTokens + record!.cacheWriteTokens).toBe(usage.input_tokens);
    expect(record!.outputTokens + record!.reasoningTokens).toBe(usage.output_tokens);
    expect(record!.costMicroUsd).toBeGreaterThan(0);
    // Counted under its own bounded route label.
    expect(await (await fetch(`${ctx.gateway.url}/metrics`)).text()).toMatch(/tollgate_gateway_requests_total\{route="\/v1\/responses",status="2xx"\} [1-9]/);
  });

  it('runs a function tool round trip with function_call_output', async () => {
    const first = await ctx.client.responses.create({ model: 'gpt-4o-mini', input: 'Weather in Oslo?', tools: [weather], tool_choice: 'auto' });
    responseObject.parse(first);
    const calls = first.output.filter((item) => item.type === 'function_call');
    if (p.callsTools) {
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ name: 'weather', status: 'completed' });
      expect(JSON.parse(calls[0]!.arguments)).toHaveProperty('city');
    }
    // The function tool reached the provider in its own tool format.
    expect(JSON.stringify(ctx.mock.requests.at(-1)!.body)).toContain('"weather"');
    const call = calls[0] ?? { type: 'function_call' as const, call_id: 'call_fixed_1', name: 'weather', arguments: '{"city":"Oslo"}' };

    const second = await ctx.client.responses.create({
      model: 'gpt-4o-mini',
      tools: [weather],
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Weather in Oslo?' }] },
        ...(first.output.filter((item) => item.type === 'message') as OpenAI.Responses.ResponseInputItem[]),
        call,
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny and 21 degrees' },
      ],
    });
    responseObject.parse(second);
    expect(second.output.some((item) => item.type === 'function_call')).toBe(false);
    // The provider got the call and its result, in its own format: tied by the call id (Gemini ties them by
    // the function's name, and has no ids).
    const sent = JSON.stringify(sentBody(ctx.mock));
    if (p.type !== 'gemini') expect(sent).toContain(call.call_id);
    expect(sent).toContain('sunny and 21 degrees');
    expect(second.output_text).not.toBe('');
    // The Anthropic mock answers with the tool result's text.
    if (p.type === 'anthropic') expect(second.output_text).toContain('sunny and 21 degrees');
  });

  it('asks for JSON schema output with text.format', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const asked = ctx.client.responses.create({
      model: 'gpt-4o-mini',
      input: '{"city":"Oslo"}',
      text: { format: { type: 'json_schema', name: 'place', schema, strict: true } },
    });
    if (!p.schemaOf) {
      // A provider without structured output refuses it, named in the caller's terms.
      const err = await asked.catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.param).toBe('text.format');
      return;
    }
    const res = await asked;
    responseObject.parse(res);
    expect((res.text?.format as { type: string }).type).toBe('json_schema');
    expect(p.schemaOf(sentBody(ctx.mock))).toMatchObject({ properties: { city: { type: 'string' } } });
    if (p.type === 'openai-compatible') expect(JSON.parse(res.output_text)).toEqual({ city: 'Oslo' });
  });

  it('streams with responses.stream: events in order, numbered, in the reference shapes, with usage', async () => {
    const stream = ctx.client.responses.stream({ model: 'gpt-4o-mini', input: 'one two three four' });
    const events: StreamEvent[] = [];
    for await (const event of stream) events.push(streamEvent.parse(event));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('Echo: one two three four');
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_e, i) => i));
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    const deltas = events.filter((e) => e.type === 'response.output_text.delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((e) => (e as { delta: string }).delta).join('')).toBe('Echo: one two three four');
    const completed = events.at(-1) as Extract<StreamEvent, { type: 'response.completed' }>;
    expect(completed.response.status).toBe('completed');
    expect(completed.response.usage!.output_tokens).toBeGreaterThan(0);
    expect(final.output).toMatchObject(completed.response.output);

    const record = (await ctx.gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ stream: true, failed: false, api: '/v1/responses' });
    expect(record.outputTokens + record.reasoningTokens).toBe(completed.response.usage!.output_tokens);
    expect(record.inputTokens + record.cacheReadTokens + record.cacheWriteTokens).toBe(completed.response.usage!.input_tokens);
  });

  it('streams with create({ stream: true }) the same answer', async () => {
    const stream = await ctx.client.responses.create({ model: 'gpt-4o-mini', input: 'five six', stream: true });
    let text = '';
    let last: OpenAI.Responses.ResponseStreamEvent | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      last = event;
    }
    expect(text).toBe('Echo: five six');
    expect(last?.type).toBe('response.completed');
  });

  it('refuses what it cannot translate with a 400 naming the field', async () => {
    const refused = async (body: Record<string, unknown>) => {
      const res = await fetch(`${ctx.gateway.url}/v1/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', input: 'x', ...body }),
      });
      expect(res.status).toBe(400);
      return errorBody.parse(await res.json()).error;
    };
    expect(await refused({ frobnicate: true })).toMatchObject({ param: 'frobnicate', type: 'invalid_request_error' });
    const builtIn = await refused({ tools: [{ type: 'web_search' }] });
    expect(builtIn.param).toBe('tools.0.type');
    expect(builtIn.message).toContain("'web_search'");
    const item = await refused({ input: [{ type: 'computer_call_output', call_id: 'c', output: {} }] });
    expect(item).toMatchObject({ param: 'input.0.type' });
    expect(item.message).toContain('computer_call_output');
    expect(await refused({ previous_response_id: 'resp_123' })).toMatchObject({ param: 'previous_response_id' });
    expect(await refused({ store: 'yes' })).toMatchObject({ param: 'store' });
    expect(await refused({ input: [{ role: 'user', content: [{ type: 'input_audio' }] }] })).toMatchObject({ param: 'input.0.content.0.type' });
    // The SDK raises its typed error with the param.
    const err = await ctx.client.responses.create({ model: 'gpt-4o-mini', input: 'x', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe('tools.0.type');
    // store: false, the SDKs' explicit choice, is fine.
    const ok = await ctx.client.responses.create({ model: 'gpt-4o-mini', input: 'still fine', store: false });
    expect(ok.output_text).toBe('Echo: still fine');
  });
});

describe('POST /v1/responses over anthropic: reasoning, streamed tools, failures', () => {
  const anthropic = providers.find((p) => p.type === 'anthropic')!;

  it('returns the thinking as a reasoning item with a summary, whole and streamed', async () => {
    const { client } = await setup(anthropic);
    const res = await client.responses.create({ model: 'gpt-4o-mini', input: 'think about this', reasoning: { effort: 'low', summary: 'auto' } });
    const parsed = responseObject.parse(res);
    expect(parsed.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: expect.stringContaining('think about this') }] });
    expect(parsed.output[1]).toMatchObject({ type: 'message' });

    const events: StreamEvent[] = [];
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'think about this', reasoning: { effort: 'low' } });
    for await (const event of stream) events.push(streamEvent.parse(event));
    const types = events.map((e) => e.type);
    expect(types.slice(2, 4)).toEqual(['response.output_item.added', 'response.reasoning_summary_part.added']);
    expect(types).toContain('response.reasoning_summary_text.delta');
    expect(types.indexOf('response.reasoning_summary_text.done')).toBeLessThan(types.indexOf('response.output_text.delta'));
    const final = await stream.finalResponse();
    expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
  });

  it('streams a function call as function_call_arguments deltas the SDK assembles', async () => {
    const { client } = await setup(anthropic);
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'Weather in Oslo?', tools: [weather], tool_choice: { type: 'function', name: 'weather' } });
    const events: StreamEvent[] = [];
    for await (const event of stream) events.push(streamEvent.parse(event));
    const final = await stream.finalResponse();
    const call = final.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'weather' });
    const args = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => (e as { delta: string }).delta).join('');
    expect(JSON.parse(args)).toEqual(JSON.parse((call as OpenAI.Responses.ResponseFunctionToolCall).arguments));
    expect(events.find((e) => e.type === 'response.function_call_arguments.done')).toMatchObject({ name: 'weather', arguments: args });
  });

  // mock-stream-error: the provider sends an error event; mock-cut-stream: its socket is cut, which the relay
  // detects and reports through the same converter, so the sequence numbers run on.
  it.each(['mock-stream-error', 'mock-cut-stream'])('ends a stream %s breaks with response.failed and an error the SDK raises, recorded as failed', async (model) => {
    const { client, gateway } = await setup(anthropic, model);
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'one two three four', stream: true });
    const seen: StreamEvent[] = [];
    const failure = await (async () => {
      for await (const event of stream) seen.push(streamEvent.parse(event));
    })().catch((e) => e);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(seen[0]!.type).toBe('response.created');
    expect(seen.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'server_error' } } });
    expect(seen.map((e) => e.sequence_number)).toEqual(seen.map((_e, i) => i));
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ api: '/v1/responses', stream: true, failed: true });
  });
});
