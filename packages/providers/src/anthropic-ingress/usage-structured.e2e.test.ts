/**
 * End to end over loopback, with the official SDKs as clients: streamed `/v1/messages` usage (ADR 0023) and
 * structured output over an Anthropic-type provider, both through `/v1/chat/completions` (`response_format`)
 * and through `/v1/messages` (`output_config.format`).
 */
import Anthropic from '@anthropic-ai/sdk';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ProviderType } from '@tollgate/domain';
import { startTestGateway } from '../../../../apps/gateway/src/testing/gateway-harness';
import { testKeys, testSnapshot } from '../../../../apps/gateway/src/testing/test-snapshot';
import { startMockAnthropic, type MockAnthropic } from '../anthropic/mock-server';
import { startMockGemini } from '../gemini/mock-server';
import { startMockOpenAi, type MockOpenAi } from '../openai/mock-server';
import { estimateInputTokens } from './usage';
import { anthropicToChatRequest } from './request';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

let anthropic: MockAnthropic;
// Paced like a real provider, so the usage chunk arrives after the first text; without a pause the whole
// stream can reach the gateway in one read, and message_start then carries the real count already.
let pacedOpenAi: MockOpenAi;
let pacedGemini: { url: string; close: () => Promise<void> };
const gateways: Gateway[] = [];

async function gatewayFor(providerType: ProviderType, upstreamModel: string): Promise<Gateway> {
  const upstream =
    providerType === 'anthropic' ? { providerUrl: anthropic.url, providerKey: 'sk-ant-u' }
    : providerType === 'gemini' ? { providerUrl: pacedGemini.url, providerKey: 'AIza-g' }
    : { providerUrl: pacedOpenAi.url, providerKey: 'sk-o' };
  const gateway = await startTestGateway(testSnapshot({ ...upstream, providerType, upstreamModel }));
  gateways.push(gateway);
  return gateway;
}

const anthropicClient = (g: Gateway) => new Anthropic({ apiKey: testKeys.approved, baseURL: g.url, maxRetries: 0 });
const openAiClient = (g: Gateway) => new OpenAI({ apiKey: testKeys.approved, baseURL: `${g.url}/v1`, maxRetries: 0 });

beforeAll(async () => {
  anthropic = await startMockAnthropic({ apiKey: 'sk-ant-u' });
  pacedOpenAi = await startMockOpenAi({ apiKey: 'sk-o', chunkDelayMs: 5 });
  pacedGemini = await startMockGemini({ apiKey: 'AIza-g', chunkDelayMs: 5 });
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  await anthropic.close();
  await pacedOpenAi.close();
  await pacedGemini.close();
});

const params = {
  model: 'gpt-4o-mini',
  max_tokens: 64,
  system: 'Answer plainly.',
  messages: [{ role: 'user' as const, content: 'count these five words please' }],
};

/** A streamed call through the Anthropic SDK, with the raw events it received and the message it assembled. */
async function streamed(g: Gateway) {
  const events: RawMessageStreamEvent[] = [];
  const stream = anthropicClient(g).messages.stream(params);
  // A copy: the SDK assembles its message in the message_start event's own object, overwriting its usage.
  stream.on('streamEvent', (e) => events.push(structuredClone(e)));
  const final = await stream.finalMessage();
  const start = events.find((e) => e.type === 'message_start')!;
  const delta = events.find((e) => e.type === 'message_delta')!;
  expect(start.type === 'message_start' && delta.type === 'message_delta').toBe(true);
  if (start.type !== 'message_start' || delta.type !== 'message_delta') throw new Error('unreachable');
  return { start: start.message.usage, delta: delta.usage, final: final.usage, requestId: stream.request_id };
}

/** What LangChain's ChatAnthropic reports for a stream: it adds message_start's and message_delta's counts. */
function langChainTotals(start: Anthropic.Usage, delta: Anthropic.MessageDeltaUsage) {
  const input = start.input_tokens + (start.cache_creation_input_tokens ?? 0) + (start.cache_read_input_tokens ?? 0);
  return {
    input,
    output: start.output_tokens + delta.output_tokens,
    cacheRead: (start.cache_read_input_tokens ?? 0) + (delta.cache_read_input_tokens ?? 0),
    cacheWrite: (start.cache_creation_input_tokens ?? 0) + (delta.cache_creation_input_tokens ?? 0),
  };
}

describe('streamed /v1/messages usage', () => {
  it('over an Anthropic upstream: message_start carries the provider’s exact input and cache counts', async () => {
    // The mock's `cached` model reads half the prompt from the cache and writes a quarter of it.
    const g = await gatewayFor('anthropic', 'claude-cached');
    const { start, delta, final } = await streamed(g);
    const whole = await anthropicClient(g).messages.create(params);
    expect(start.input_tokens).toBeGreaterThan(0);
    expect(start.cache_read_input_tokens).toBeGreaterThan(0);
    expect(start.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(start.output_tokens).toBe(0);
    // The same counts the non-streamed answer and the SDK's assembled message report, cache writes kept apart.
    for (const u of [final, whole.usage]) {
      expect(u).toMatchObject({
        input_tokens: start.input_tokens,
        cache_read_input_tokens: start.cache_read_input_tokens,
        cache_creation_input_tokens: start.cache_creation_input_tokens,
      });
    }
    expect(delta.input_tokens).toBe(start.input_tokens);
    expect(final.output_tokens).toBe(whole.usage.output_tokens);
    expect(langChainTotals(start, delta)).toEqual({
      input: whole.usage.input_tokens + whole.usage.cache_read_input_tokens! + whole.usage.cache_creation_input_tokens!,
      output: whole.usage.output_tokens,
      cacheRead: whole.usage.cache_read_input_tokens,
      cacheWrite: whole.usage.cache_creation_input_tokens,
    });
    const records = (await g.flushed()).filter((r) => r.path === '/v1/messages');
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(r).toMatchObject({ inputTokens: start.input_tokens, cacheReadTokens: start.cache_read_input_tokens, cacheWriteTokens: start.cache_creation_input_tokens });
    }
  });

  it('over a Gemini upstream, which reports usage on every chunk: message_start carries the real input count', async () => {
    const g = await gatewayFor('gemini', 'gemini-2.5-flash-cached');
    const { start, delta, final } = await streamed(g);
    const record = (await g.flushed()).at(-1)!;
    expect(start.input_tokens).toBeGreaterThan(0);
    expect(start).toMatchObject({ input_tokens: record.inputTokens, cache_read_input_tokens: record.cacheReadTokens, output_tokens: 0 });
    expect(record.cacheReadTokens).toBeGreaterThan(0);
    expect(final).toMatchObject({ input_tokens: record.inputTokens, cache_read_input_tokens: record.cacheReadTokens, output_tokens: record.outputTokens });
    expect(delta.cache_read_input_tokens).toBeNull();
    expect(langChainTotals(start, delta)).toMatchObject({ input: record.inputTokens + record.cacheReadTokens, output: record.outputTokens, cacheRead: record.cacheReadTokens });
  });

  it('over an OpenAI upstream: message_start carries an estimate, message_delta the real counts', async () => {
    // The mock's `cached` model reports half of the prompt as cached, at the end of the stream as OpenAI does.
    const g = await gatewayFor('openai', 'gpt-4o-mini-cached');
    const { start, delta, final } = await streamed(g);
    const record = (await g.flushed()).at(-1)!;
    expect(record).toMatchObject({ path: '/v1/messages', stream: true, failed: false });
    expect(start.input_tokens).toBe(estimateInputTokens(anthropicToChatRequest(params)));
    expect(start.input_tokens).toBeGreaterThan(0);
    expect(start).toMatchObject({ cache_read_input_tokens: 0, output_tokens: 0 });
    expect(record.cacheReadTokens).toBeGreaterThan(0);
    // The SDK ends with the provider's counts; LangChain's sum gets the real cache and output counts too.
    expect(final).toMatchObject({ input_tokens: record.inputTokens, cache_read_input_tokens: record.cacheReadTokens, output_tokens: record.outputTokens });
    expect(delta).toMatchObject({ input_tokens: record.inputTokens, cache_read_input_tokens: record.cacheReadTokens, cache_creation_input_tokens: null });
    expect(langChainTotals(start, delta)).toMatchObject({ output: record.outputTokens, cacheRead: record.cacheReadTokens });
  });
});

const Weather = z.object({ city: z.string(), celsius: z.number(), windy: z.boolean(), tags: z.array(z.string()) });

describe('structured output over an Anthropic provider', () => {
  it('/v1/chat/completions with a json_schema response_format: the OpenAI SDK parses the answer', async () => {
    const g = await gatewayFor('anthropic', 'claude-sonnet-4-5');
    const completion = await openAiClient(g).chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Oslo' }],
      response_format: zodResponseFormat(Weather, 'weather'),
    });
    expect(completion.choices[0]!.message.parsed).toEqual({ city: 'Weather in Oslo', celsius: 42, windy: true, tags: ['Weather in Oslo'] });
    const sent = anthropic.requests.at(-1)!.body as { output_config?: { format?: { type: string; schema: unknown } }; response_format?: unknown };
    expect(sent.output_config?.format).toEqual({ type: 'json_schema', schema: zodResponseFormat(Weather, 'weather').json_schema.schema });
    expect(sent.response_format).toBeUndefined();
  });

  it('/v1/messages with output_config.format: the Anthropic SDK parses the answer, whole and streamed', async () => {
    const g = await gatewayFor('anthropic', 'claude-sonnet-4-5');
    const client = anthropicClient(g);
    const request = { model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user' as const, content: 'Weather in Bergen' }], output_config: { format: zodOutputFormat(Weather) } };
    const parsed = await client.messages.parse(request);
    expect(parsed.parsed_output).toEqual({ city: 'Weather in Bergen', celsius: 42, windy: true, tags: ['Weather in Bergen'] });
    const sent = anthropic.requests.at(-1)!.body as { output_config?: { format?: { schema: unknown } } };
    expect(sent.output_config?.format?.schema).toEqual(zodOutputFormat(Weather).schema);

    const final = await client.messages.stream(request).finalMessage();
    expect(final.parsed_output).toEqual(parsed.parsed_output);
  });

  it('an open schema the provider refuses comes back as a 400, not a 500', async () => {
    const g = await gatewayFor('anthropic', 'claude-sonnet-4-5');
    const err = await anthropicClient(g)
      .messages.create({ ...params, output_config: { format: { type: 'json_schema', schema: { type: 'object', properties: { a: { type: 'string' } } } } } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toMatch(/additionalProperties/);
  });
});
