/**
 * The whole path: the official OpenAI SDK → the gateway (public model `gpt-4o-mini`) → the Gemini adapter →
 * the mock Gemini server over real sockets, and the call record the meter flushes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { startTestGateway } from '../../../../apps/gateway/src/testing/gateway-harness';
import { testKeys, testSnapshot } from '../../../../apps/gateway/src/testing/test-snapshot';
import { costMicroUsd } from '../pricing/cost';
import { startMockGemini, type MockGemini } from './mock-server';
import { geminiPrices } from './prices';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

let mock: MockGemini;
const gateways: Gateway[] = [];

async function gatewayFor(upstreamModel: string, priceAs?: string): Promise<{ gateway: Gateway; client: OpenAI }> {
  const snapshot = testSnapshot({ providerUrl: mock.url, providerKey: 'AIza-upstream', providerType: 'gemini', upstreamModel });
  // A mock-only model name is priced like the real model it stands for.
  if (priceAs) snapshot.providers[0]!.priceOverrides = { [upstreamModel]: geminiPrices[priceAs]! };
  const gateway = await startTestGateway(snapshot);
  gateways.push(gateway);
  return { gateway, client: new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 }) };
}

let gateway: Gateway;
let client: OpenAI;
const recordFor = async (g: Gateway, requestId: string | null) => (await g.flushed()).find((r) => r.requestId === requestId);

beforeAll(async () => {
  mock = await startMockGemini({ apiKey: 'AIza-upstream' });
  ({ gateway, client } = await gatewayFor('gemini-2.5-flash'));
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  await mock.close();
});

const weather: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    strict: true,
    parameters: { type: 'object', additionalProperties: false, properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('chat completions routed to Gemini', () => {
  it('answers a non-streaming call in OpenAI shape and meters the exact tokens and cost', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there gemini' }], temperature: 0.2, user: 'end-user-1' })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('gemini-2.5-flash');
    expect(data.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Echo: hello there gemini' } });
    expect(data.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 4, total_tokens: 12 });
    expect(response.headers.get('x-tollgate-model')).toBe('gemini-2.5-flash');

    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe('AIza-upstream');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [{ role: 'user', parts: [{ text: 'hello there gemini' }] }],
      generationConfig: { temperature: 0.2 },
    });

    const record = await recordFor(gateway, response.headers.get('x-request-id'));
    expect(record).toMatchObject({ status: 200, failed: false, stream: false, upstreamModel: 'gemini-2.5-flash', inputTokens: 8, outputTokens: 4, cacheReadTokens: 0, reasoningTokens: 0 });
    // 8 × $0.30/M + 4 × $2.50/M = 12.4 micro-USD.
    expect(record!.costMicroUsd).toBe(12);
  });

  it('streams chunk by chunk and hides usage from a caller who did not ask, yet meters it', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one two three four five' }], stream: true });
    let text = '';
    let chunks = 0;
    let sawUsage = false;
    let finish: string | null = null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) sawUsage = true;
    }
    expect(text).toBe('Echo: one two three four five');
    expect(chunks).toBeGreaterThan(2);
    expect(finish).toBe('stop');
    expect(sawUsage).toBe(false);
    expect(mock.requests.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(mock.requests.at(-1)!.query).toBe('?alt=sse');
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ stream: true, status: 200, failed: false, inputTokens: 8, outputTokens: 6 });
    expect(record.costMicroUsd).toBeGreaterThan(0);
    expect(record.ttftMs).not.toBeNull();
  });

  it('returns usage in the stream when the caller asked for it, thoughts as reasoning_content', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'count my tokens' }],
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: 'low',
    });
    let usage: OpenAI.CompletionUsage | undefined;
    let reasoning = '';
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
    }
    expect(reasoning).toBe('Thinking about "count my tokens".');
    expect(mock.requests.at(-1)!.body).toMatchObject({ generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } } });
    // 4 answer words + 5 thought words, as OpenAI counts them (reasoning inside completion_tokens).
    expect(usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 9, completion_tokens_details: { reasoning_tokens: 5 } });
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ inputTokens: 6, outputTokens: 4, reasoningTokens: 5, failed: false });
    // Gemini bills thinking at the output rate.
    expect(record.costMicroUsd).toBe(costMicroUsd(record, geminiPrices['gemini-2.5-flash']!));
  });

  it('makes a tool call and takes its result back, the function named from the call id', async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Paris' }];
    const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [weather], tool_choice: 'required', parallel_tool_calls: false });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]!;
    expect(call).toMatchObject({ id: expect.stringMatching(/^call_[A-Za-z0-9]{24}$/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect(mock.requests.at(-1)!.body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    });

    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp":21}' });
    const second = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [weather] });
    expect(second.choices[0]!.message.content).toBe('Result: get_weather={"temp":21}');
    expect((mock.requests.at(-1)!.body as { contents: unknown[] }).contents.at(-1)).toEqual({
      role: 'user',
      parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }],
    });
  });

  it('bills cached prompt tokens once, at the cached rate', async () => {
    const cached = await gatewayFor('gemini-2.5-flash-cached', 'gemini-2.5-flash');
    const { data, response } = await cached.client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a long shared prefix here' }] })
      .withResponse();
    // 3 + 5 words = 8 prompt tokens, half of them read from the cache.
    expect(data.usage).toMatchObject({ prompt_tokens: 8, prompt_tokens_details: { cached_tokens: 4 } });
    const record = await recordFor(cached.gateway, response.headers.get('x-request-id'));
    expect(record).toMatchObject({ inputTokens: 4, cacheReadTokens: 4, outputTokens: 6 });
    // 4 × 0.30 + 4 × 0.03 + 6 × 2.50 = 16.32 micro-USD.
    expect(record!.costMicroUsd).toBe(16);
  });

  it('answers 400 naming the field for what Gemini cannot take or rejects', async () => {
    await expect(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'extreme' as never }),
    ).rejects.toMatchObject({ status: 400, param: 'reasoning_effort' });
    const before = mock.requests.length;
    // Not translated, not on the dropped list: it reaches Gemini, whose 400 names it.
    await expect(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], logprobs: true }),
    ).rejects.toMatchObject({ status: 400, param: 'logprobs', code: 'invalid_argument' });
    expect(mock.requests.length).toBe(before + 1);
  });
});

describe('Gemini failures through the gateway', () => {
  it('passes a 429 on as rate_limit_exceeded and records the failure', async () => {
    const { gateway: g, client: c } = await gatewayFor('mock-error-429');
    await expect(c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 429,
      code: 'rate_limit_exceeded',
    });
    expect((await g.flushed()).at(-1)).toMatchObject({ status: 429, failed: true });
  });

  it('never ends a stream cut before its finish reason as a clean answer', async () => {
    const { gateway: g, client: c } = await gatewayFor('mock-cut-stream');
    const stream = await c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a b c d e f g h' }], stream: true });
    let text = '';
    await expect(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
    ).rejects.toThrow();
    expect(text.length).toBeGreaterThan(0);
    const record = (await g.flushed()).at(-1)!;
    expect(record).toMatchObject({ stream: true, failed: true });
    expect(record.outputTokens).toBeGreaterThan(0);
  });

  it('fails a stream that carried an error object', async () => {
    const { gateway: g, client: c } = await gatewayFor('mock-stream-error');
    const stream = await c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a b c d' }], stream: true });
    await expect(
      (async () => {
        for await (const chunk of stream) void chunk;
      })(),
    ).rejects.toThrow(/internal error/);
    expect((await g.flushed()).at(-1)).toMatchObject({ failed: true, errorCode: 'upstream_error' });
  });
});
