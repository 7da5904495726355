/**
 * End to end: the official OpenAI SDK → the Tollgate gateway (real port) → the anthropic adapter → the mock
 * Anthropic server (real port, real wire format), and the call record the gateway meters.
 */
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '@tollgate/domain';
import { startTestGateway } from '../../../../apps/gateway/src/testing/gateway-harness';
import { testKeys, testSnapshot } from '../../../../apps/gateway/src/testing/test-snapshot';
import { startMockAnthropic, type MockAnthropic } from './mock-server';
import { anthropicPrices } from './prices';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

let upstream: MockAnthropic;
const gateways = new Map<string, Gateway>();

/** A gateway whose public `gpt-4o-mini` routes to `upstreamModel` on the mock Anthropic provider. */
async function gatewayFor(upstreamModel: string, priced = true): Promise<Gateway> {
  const existing = gateways.get(upstreamModel);
  if (existing) return existing;
  const snapshot = testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-ant-upstream', providerType: 'anthropic', upstreamModel });
  // The mock's "cached" model is priced like the model it stands for, through a provider price override.
  if (priced && !Object.hasOwn(anthropicPrices, upstreamModel)) snapshot.providers[0]!.priceOverrides = { [upstreamModel]: anthropicPrices['claude-sonnet-4-5']! };
  const gateway = await startTestGateway(snapshot);
  gateways.set(upstreamModel, gateway);
  return gateway;
}

const clientOf = (gateway: Gateway) => new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

async function recordOf(gateway: Gateway, requestId: string | null): Promise<CallRecord> {
  const record = (await gateway.flushed()).find((r) => r.requestId === requestId);
  expect(record).toBeDefined();
  return record!;
}

/** Claude Sonnet 4.5 list price in micro-USD per token: $3 input, $0.30 cache read, $3.75 cache write, $15 output per 1M. */
const sonnetMicro = (u: { input: number; read?: number; write?: number; output: number }) =>
  Math.round(u.input * 3 + (u.read ?? 0) * 0.3 + (u.write ?? 0) * 3.75 + u.output * 15);

beforeAll(async () => {
  upstream = await startMockAnthropic({ apiKey: 'sk-ant-upstream' });
});
afterAll(async () => {
  for (const g of gateways.values()) await g.close();
  await upstream.close();
});

const tools: ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } } },
];

describe('OpenAI SDK → gateway → Anthropic', () => {
  it('answers a non-streaming call and meters exact tokens and cost', async () => {
    const gateway = await gatewayFor('claude-sonnet-4-5');
    const { data, response } = await clientOf(gateway)
      .chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: 'hello there gateway' },
        ],
        temperature: 0.5,
      })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Echo: hello there gateway' }, finish_reason: 'stop' });
    // 2 system words + 3 user words + 3 per message.
    expect(data.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 4, total_tokens: 12 });

    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-ant-upstream');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'Be terse.',
      messages: [{ role: 'user', content: 'hello there gateway' }],
      temperature: 0.5,
    });

    const record = await recordOf(gateway, response.headers.get('x-request-id'));
    expect(record).toMatchObject({ status: 200, failed: false, stream: false, model: 'gpt-4o-mini', upstreamModel: 'claude-sonnet-4-5' });
    expect(record).toMatchObject({ inputTokens: 8, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 4, reasoningTokens: 0 });
    expect(record.costMicroUsd).toBe(sonnetMicro({ input: 8, output: 4 }));
  });

  it('bills cache reads and writes at their own rates, never twice', async () => {
    const gateway = await gatewayFor('claude-sonnet-4-5-cached');
    const { data, response } = await clientOf(gateway)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one two three four five six seven eight nine' }] })
      .withResponse();
    // 12 prompt tokens: 6 read from the cache, 3 written to it, 3 uncached (Anthropic's input_tokens).
    expect(data.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 6 } });
    const record = await recordOf(gateway, response.headers.get('x-request-id'));
    expect(record).toMatchObject({ inputTokens: 3, cacheReadTokens: 6, cacheWriteTokens: 3, outputTokens: 10 });
    expect(record.costMicroUsd).toBe(sonnetMicro({ input: 3, read: 6, write: 3, output: 10 }));
  });

  it('streams without a usage chunk unless asked, and meters the stream either way', async () => {
    const gateway = await gatewayFor('claude-sonnet-4-5');
    const client = clientOf(gateway);
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'one two three four' }];

    const { data: plain, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }).withResponse();
    let text = '';
    const finishes: string[] = [];
    for await (const chunk of plain) {
      expect(chunk.usage ?? null).toBeNull();
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    expect(text).toBe('Echo: one two three four');
    expect(finishes).toEqual(['stop']);
    expect((upstream.requests.at(-1)!.body as Record<string, unknown>).stream).toBe(true);
    const record = await recordOf(gateway, response.headers.get('x-request-id'));
    expect(record).toMatchObject({ stream: true, status: 200, failed: false, inputTokens: 7, outputTokens: 5 });
    expect(record.costMicroUsd).toBe(sonnetMicro({ input: 7, output: 5 }));
    expect(record.ttftMs).not.toBeNull();

    const withUsage = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    const usages = [];
    for await (const chunk of withUsage) if (chunk.usage) usages.push({ usage: chunk.usage, choices: chunk.choices.length });
    expect(usages).toEqual([{ usage: expect.objectContaining({ prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 }), choices: 0 }]);
    // stream_options is the gateway's business: Anthropic would refuse it.
    expect(upstream.requests.at(-1)!.body).not.toHaveProperty('stream_options');
  });

  it('round-trips parallel tool calls, streamed and whole', async () => {
    const gateway = await gatewayFor('claude-sonnet-4-5');
    const client = clientOf(gateway);
    const ask: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Paris' }];

    // The SDK's stream helper assembles tool calls from their deltas by index: the real test of the numbering.
    const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: ask, tools });
    const streamed = await runner.finalChatCompletion();
    const msg = streamed.choices[0]!.message;
    expect(streamed.choices[0]!.finish_reason).toBe('tool_calls');
    expect(msg.content).toBe('Let me check that.');
    expect(msg.tool_calls?.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_time', { zone: 'Paris' }],
    ]);

    const whole = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: ask, tools, tool_choice: 'required', parallel_tool_calls: false });
    expect(whole.choices[0]!.finish_reason).toBe('tool_calls');
    expect(whole.choices[0]!.message.tool_calls).toHaveLength(1);
    expect(upstream.requests.at(-1)!.body).toMatchObject({ tool_choice: { type: 'any', disable_parallel_tool_use: true } });

    // Hand the results back: the mock refuses any tool_use left without its tool_result in the next turn.
    const calls = msg.tool_calls!;
    const answer = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      tools,
      messages: [
        ...ask,
        { role: 'assistant', content: msg.content, tool_calls: calls },
        { role: 'tool', tool_call_id: calls[0]!.id, content: '21C' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: '14:00' },
      ],
    });
    expect(answer.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Echo: 21C 14:00' } });
    const sent = upstream.requests.at(-1)!.body as { messages: Array<{ role: string; content: unknown }> };
    expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('thinks on reasoning_effort and hands the thinking back as reasoning_content', async () => {
    const gateway = await gatewayFor('claude-sonnet-4-5');
    const completion = await clientOf(gateway).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'why' }], reasoning_effort: 'low' });
    expect(upstream.requests.at(-1)!.body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 4096 + 2048 });
    const message = completion.choices[0]!.message as typeof completion.choices[0]['message'] & { reasoning_content?: string };
    expect(message.reasoning_content).toBe('The user wrote: why. I will echo it back.');
    expect(message.content).toBe('Echo: why');
  });
});

describe('failures through the gateway', () => {
  it('refuses a parameter Anthropic cannot honour with 400 naming it, without calling the provider', async () => {
    const gateway = await gatewayFor('claude-sonnet-4-5');
    const before = upstream.requests.length;
    const err = await clientOf(gateway)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], n: 2 })
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).param).toBe('n');
    expect(upstream.requests.length).toBe(before);
  });

  it("passes Anthropic's own 400 on, naming the field, for a value only Anthropic refuses", async () => {
    const gateway = await gatewayFor('claude-sonnet-4-5');
    const err = await clientOf(gateway)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], temperature: 1.7 })
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, type: 'invalid_request_error', message: expect.stringMatching(/temperature: Input should be/) });
  });

  it('passes a rate limit on as 429 with retry-after', async () => {
    const gateway = await gatewayFor('mock-error-429', false);
    const err = await clientOf(gateway)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('1');
  });

  it("answers Anthropic's overload as the gateway's 502 in OpenAI's error shape, the provider's words in the record", async () => {
    const gateway = await gatewayFor('mock-error-529', false);
    const err = await clientOf(gateway)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: 502, type: 'server_error', code: 'upstream_error', message: expect.stringContaining('529') });
    expect((await gateway.flushed()).at(-1)).toMatchObject({ status: 502, errorCode: 'upstream_error', errorMessage: expect.stringContaining('Overloaded') });
  });

  it('ends a stream Anthropic cut mid-answer with an error, and records the failure', async () => {
    const gateway = await gatewayFor('mock-cut-stream', false);
    const { data: stream, response } = await clientOf(gateway)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a b c d' }], stream: true })
      .withResponse();
    const consumed = (async () => {
      for await (const chunk of stream) void chunk;
    })();
    await expect(consumed).rejects.toThrow();
    const record = await recordOf(gateway, response.headers.get('x-request-id'));
    expect(record).toMatchObject({ status: 200, failed: true, stream: true, inputTokens: 7 });
  });
});
