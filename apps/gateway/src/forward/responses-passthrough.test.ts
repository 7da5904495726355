import { afterAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAi, type RecordedRequest } from '@tollgate/providers';
import type { ProviderType } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';
import { mockBehindGateway, mockProvider } from '../testing/mock-providers';
import { errorBody, streamEvent, type StreamEvent } from '../testing/responses-schemas';

// `/v1/responses` passed through natively to OpenAI-type providers (ADR 0022): the official openai SDK through
// the gateway to the OpenAI mock's own Responses API, and to its Azure layout.
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

interface Options {
  upstreamModel?: string;
  providerType?: ProviderType;
  settings?: Record<string, string>;
  fallback?: boolean;
  /** Body capture on the service, with these redaction rules. */
  redact?: string[];
  /** The provider's key pool (the mock takes only `sk-mock`). */
  keyPool?: Array<{ key: string; weight: number }>;
}

async function setup(o: Options = {}) {
  const azure = o.providerType === 'azure-openai';
  const mock = await startMockOpenAi(azure ? { apiKey: 'az-key', authHeader: 'api-key', azureDeployments: { 'my-mini': 'gpt-4o-mini' } } : { apiKey: 'sk-mock' });
  const fallback = o.fallback ? await startMockOpenAi({ apiKey: 'sk-mock' }) : null;
  const snapshot = testSnapshot({
    providerUrl: mock.url,
    providerKey: azure ? 'az-key' : 'sk-mock',
    providerType: o.providerType,
    providerSettings: o.settings,
    upstreamModel: o.upstreamModel ?? (azure ? 'my-mini' : 'gpt-4o-mini'),
    fallbackProviderUrl: fallback?.url,
  });
  if (o.redact) snapshot.services[0]!.capture = { redact: o.redact };
  if (o.keyPool) snapshot.providers[0]!.keyPool = o.keyPool;
  const gateway = await startTestGateway(snapshot);
  closers.push(mock.close, gateway.close, ...(fallback ? [fallback.close] : []));
  return { mock, fallback, gateway, client: new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 }) };
}

const last = (mock: { requests: RecordedRequest[] }) => mock.requests.at(-1)!;
const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

describe('POST /v1/responses passed through to an OpenAI-type provider', () => {
  it("sends the caller's body to the provider's /responses, with only the model replaced, and meters its usage", async () => {
    const { mock, gateway, client } = await setup({ upstreamModel: 'gpt-4o-mini-cached' });
    const { data, response } = await client.responses
      .create({ model: 'gpt-4o-mini', instructions: 'Be brief.', input: 'hello native responses', metadata: { ticket: 't-9' }, max_output_tokens: 100 })
      .withResponse();
    expect(data.output_text).toBe('Echo: hello native responses');
    expect(data.metadata).toEqual({ ticket: 't-9' });
    const sent = last(mock);
    expect(sent.path).toBe('/v1/responses');
    expect(sent.headers.authorization).toBe('Bearer sk-mock');
    // Everything the caller sent reached the provider, metadata included; the model is the target's.
    expect(sent.body).toEqual({ model: 'gpt-4o-mini-cached', instructions: 'Be brief.', input: 'hello native responses', metadata: { ticket: 't-9' }, max_output_tokens: 100 });
    const usage = data.usage!;
    expect(usage.input_tokens_details.cached_tokens).toBeGreaterThan(0);
    const record = (await gateway.flushed()).find((r) => r.requestId === response.headers.get('x-request-id'))!;
    expect(record).toMatchObject({ status: 200, failed: false, api: '/v1/responses', model: 'gpt-4o-mini', upstreamModel: 'gpt-4o-mini-cached' });
    expect(record.cacheReadTokens).toBe(usage.input_tokens_details.cached_tokens);
    expect(record.inputTokens + record.cacheReadTokens).toBe(usage.input_tokens);
    expect(record.outputTokens + record.reasoningTokens).toBe(usage.output_tokens);
  });

  it('relays the stream unchanged, metered from response.completed as it passes', async () => {
    const { mock, gateway, client } = await setup({ upstreamModel: 'o4-mini' });
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'one two three' });
    const events: StreamEvent[] = [];
    for await (const event of stream) if (event.type !== 'response.output_item.added' || event.item.type !== 'reasoning') events.push(event as StreamEvent);
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('Echo: one two three');
    expect(last(mock).body).toMatchObject({ model: 'o4-mini', stream: true });
    for (const e of events.filter((e) => e.type.startsWith('response.output_text') || e.type === 'response.completed')) streamEvent.parse(e);
    const completed = events.at(-1) as Extract<StreamEvent, { type: 'response.completed' }>;
    expect(completed.type).toBe('response.completed');
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ stream: true, failed: false, api: '/v1/responses', upstreamModel: 'o4-mini' });
    expect(record.reasoningTokens).toBe(5);
    expect(record.costMicroUsd).toBeGreaterThan(0);
    expect(record.outputTokens + record.reasoningTokens).toBe(completed.response.usage!.output_tokens);
    expect(record.inputTokens + record.cacheReadTokens).toBe(completed.response.usage!.input_tokens);
  });

  it('passes built-in tools through to OpenAI, and refuses them by name on a provider that has no Responses API', async () => {
    const { mock, client } = await setup();
    const res = await client.responses.create({ model: 'gpt-4o-mini', input: 'news about Oslo', tools: [{ type: 'web_search' }] });
    expect(res.output.map((i) => i.type)).toEqual(['web_search_call', 'message']);
    expect(last(mock).body).toMatchObject({ tools: [{ type: 'web_search' }] });

    const anthropic = await mockBehindGateway(mockProvider('anthropic'), closers);
    const refused = await fetch(`${anthropic.gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', input: 'x', tools: [{ type: 'web_search' }] }),
    });
    expect(refused.status).toBe(400);
    const err = errorBody.parse(await refused.json()).error;
    expect(err.param).toBe('tools.0.type');
    expect(err.message).toContain("'web_search'");
    expect(anthropic.mock.requests).toHaveLength(0);
  });

  it('runs a function tool round trip natively', async () => {
    const { mock, client } = await setup();
    const first = await client.responses.create({ model: 'gpt-4o-mini', input: 'Weather in Oslo?', tools: [weather] });
    const call = first.output.find((i) => i.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ name: 'weather' });
    const second = await client.responses.create({
      model: 'gpt-4o-mini',
      tools: [weather],
      input: [{ role: 'user', content: 'Weather in Oslo?' }, call, { type: 'function_call_output', call_id: call.call_id, output: 'sunny and 21 degrees' }],
    });
    expect(second.output_text).toBe('Echo: sunny and 21 degrees');
    // The model needed no change, so the provider got the caller's very bytes.
    expect(last(mock).body).toMatchObject({ model: 'gpt-4o-mini', tools: [weather] });
    expect(JSON.stringify(last(mock).body)).toContain(call.call_id);
  });

  it("passes the provider's refusal through as its 4xx, and falls back from a failing provider", async () => {
    const { client } = await setup();
    const err = await client.responses.create({ model: 'gpt-4o-mini', input: 'x', max_output_tokens: 5 }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe('max_output_tokens');

    const { mock, fallback, gateway, client: fallbackClient } = await setup({ upstreamModel: 'mock-error-500', fallback: true });
    const res = await fallbackClient.responses.create({ model: 'gpt-4o-mini', input: 'still answered' });
    expect(res.output_text).toBe('Echo: still answered');
    expect(last(mock).path).toBe('/v1/responses');
    expect(last(fallback!).path).toBe('/v1/responses');
    expect((await gateway.flushed()).at(-1)).toMatchObject({ failed: false, errorMessage: expect.stringContaining('primary answered 500') });
  });

  it('ends a cut stream with response.failed and an error the SDK raises, numbered on, recorded as failed', async () => {
    const { gateway, client } = await setup({ upstreamModel: 'mock-cut-stream' });
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'one two three four', stream: true });
    const seen: Array<{ type: string; sequence_number: number }> = [];
    const failure = await (async () => {
      for await (const event of stream) seen.push(event);
    })().catch((e) => e);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(seen.map((e) => e.sequence_number)).toEqual(seen.map((_e, i) => i));
    expect(seen.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'server_error' } } });
    expect((await gateway.flushed()).at(-1)).toMatchObject({ stream: true, failed: true, errorCode: 'stream_interrupted' });
  });

  it("retries a key the provider refuses with another of the pool's, on the same target", async () => {
    const { mock, gateway, client } = await setup({ keyPool: [{ key: 'sk-revoked', weight: 5 }, { key: 'sk-mock', weight: 1 }] });
    const res = await client.responses.create({ model: 'gpt-4o-mini', input: 'pooled' });
    expect(res.output_text).toBe('Echo: pooled');
    // The heavier key goes first, is refused (401), and the call moves to the next key of the pool.
    expect(mock.requests.filter((r) => r.path === '/v1/responses').map((r) => r.headers.authorization)).toEqual(['Bearer sk-revoked', 'Bearer sk-mock']);
    expect((await gateway.flushed()).at(-1)).toMatchObject({ failed: false });
  });

  it('captures the request and the answer or stream as relayed', async () => {
    const { gateway, client } = await setup({ redact: ['input'] });
    const { data, response } = await client.responses.create({ model: 'gpt-4o-mini', input: 'my secret plan' }).withResponse();
    const bodies = (await gateway.flushed()).find((r) => r.requestId === response.headers.get('x-request-id'))!.bodies!;
    expect(bodies.request).not.toContain('my secret plan');
    expect(JSON.parse(bodies.response!)).toEqual(JSON.parse(JSON.stringify(data)));
    const raw = await client.responses.create({ model: 'gpt-4o-mini', input: 'streamed plan', stream: true }).asResponse();
    const received = await raw.text();
    expect(received).toMatch(/event: response\.completed\n/);
    const record = (await gateway.flushed()).find((r) => r.requestId === raw.headers.get('x-request-id'))!;
    expect(record.bodies!.response).toBe(received);
  });

  it('keeps calls that name stored state on the translated path', async () => {
    const { mock, client } = await setup();
    await client.responses.create({ model: 'gpt-4o-mini', input: 'x', previous_response_id: 'resp_123' }).catch(() => null);
    expect(mock.requests.filter((r) => r.path === '/v1/responses')).toHaveLength(0);
    // Provider-side state the gateway cannot scope to the app is refused by name, as on the translated path.
    for (const [param, value] of [['conversation', 'conv_1'], ['background', true]] as const) {
      const err = await client.responses.create({ model: 'gpt-4o-mini', input: 'x', [param]: value }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.param).toBe(param);
    }
    expect(mock.requests.filter((r) => r.path === '/v1/responses')).toHaveLength(0);
  });
});

describe('POST /v1/responses passed through to Azure OpenAI', () => {
  it.each([
    [{}, '/openai/v1/responses', ''],
    [{ apiVersion: '2025-04-01-preview' }, '/openai/responses', '?api-version=2025-04-01-preview'],
    [{ apiVersion: '2024-10-21' }, '/openai/v1/responses', ''],
  ])('with settings %j calls %s, the deployment named by model', async (settings, path, query) => {
    const { mock, gateway, client } = await setup({ providerType: 'azure-openai', settings });
    const res = await client.responses.create({ model: 'gpt-4o-mini', input: 'hello azure' });
    expect(res.output_text).toBe('Echo: hello azure');
    expect(last(mock)).toMatchObject({ path, query, body: { model: 'my-mini' } });
    expect(last(mock).headers['api-key']).toBe('az-key');
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'streamed azure' });
    expect((await stream.finalResponse()).output_text).toBe('Echo: streamed azure');
    expect((await gateway.flushed()).at(-1)).toMatchObject({ failed: false, stream: true, upstreamModel: 'gpt-4o-mini' });
  });
});
