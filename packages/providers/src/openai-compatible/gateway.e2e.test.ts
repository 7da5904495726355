/**
 * The family end to end: the official OpenAI SDK calls a real gateway on a loopback port, which calls a mock
 * speaking each provider's wire format, and the flushed call record must hold the right tokens and cost.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '@tollgate/domain';
import { startTestGateway } from '../../../../apps/gateway/src/testing/gateway-harness';
import { testKeys, testSnapshot } from '../../../../apps/gateway/src/testing/test-snapshot';
import type { TestSnapshotOptions } from '../../../../apps/gateway/src/testing/test-snapshot';
import { startMockOpenAi } from '../openai/mock-server';
import type { MockOpenAi, MockOpenAiOptions } from '../openai/mock-server';
import { costMicroUsd } from '../pricing/cost';
import { findModelPrice } from '../pricing/prices';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
afterAll(async () => {
  while (open.length) await open.pop()!.close();
});

async function setUp(mockOptions: MockOpenAiOptions, snapshot: Omit<TestSnapshotOptions, 'providerUrl'>) {
  const upstream = await startMockOpenAi(mockOptions);
  open.push(upstream);
  const gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url, ...snapshot }));
  open.push(gateway);
  const client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  return { upstream, gateway, client };
}

async function recordOf(gateway: Gateway, requestId: string | null): Promise<CallRecord> {
  const record = (await gateway.flushed()).find((r) => r.requestId === requestId);
  expect(record).toBeDefined();
  return record!;
}

/** The cost the record must carry: its own tokens at the list price of the model the provider reported. */
function expectedCost(record: CallRecord, providerType: string): number {
  const price = findModelPrice(record.upstreamModel ?? '', {}, providerType);
  expect(price).not.toBeNull();
  return costMicroUsd(record, price!);
}

const lastSent = (upstream: MockOpenAi) => upstream.requests.at(-1)!;

describe('azure-openai through the gateway', () => {
  const azure = () =>
    setUp(
      { azureDeployments: { 'my-deployment': 'gpt-4o-mini-2024-07-18' }, authHeader: 'api-key', apiKey: 'azure-secret' },
      { providerKey: 'azure-secret', providerType: 'azure-openai', providerSettings: { apiVersion: '2024-10-21' }, upstreamModel: 'my-deployment' },
    );

  it('calls the deployment with api-key and api-version, and meters tokens and a non-zero cost', async () => {
    const { upstream, gateway, client } = await azure();
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello from the portal' }], temperature: 0.1 })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Echo: hello from the portal');
    const sent = lastSent(upstream);
    expect(sent.path).toBe('/openai/deployments/my-deployment/chat/completions');
    expect(sent.query).toBe('?api-version=2024-10-21');
    expect(sent.headers['api-key']).toBe('azure-secret');
    // The caller's gateway key never reaches the provider.
    expect(sent.headers.authorization).toBeUndefined();
    const record = await recordOf(gateway, response.headers.get('x-request-id'));
    expect(record).toMatchObject({ status: 200, failed: false, upstreamModel: 'gpt-4o-mini-2024-07-18', inputTokens: data.usage!.prompt_tokens, outputTokens: data.usage!.completion_tokens });
    expect(record.costMicroUsd).toBeGreaterThan(0);
    expect(record.costMicroUsd).toBe(expectedCost(record, 'azure-openai'));
  });

  it('streams, hides the usage chunk it asked for, and prices by the model named after the prompt filter chunk', async () => {
    const { upstream, gateway, client } = await azure();
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one two three four five' }], stream: true })
      .withResponse();
    let text = '';
    let sawUsage = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) sawUsage = true;
    }
    expect(text).toBe('Echo: one two three four five');
    expect(sawUsage).toBe(false);
    expect((lastSent(upstream).body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    const record = await recordOf(gateway, response.headers.get('x-request-id'));
    expect(record).toMatchObject({ stream: true, status: 200, failed: false, upstreamModel: 'gpt-4o-mini-2024-07-18', inputTokens: 8, outputTokens: 6 });
    expect(record.costMicroUsd).toBeGreaterThan(0);
    expect(record.costMicroUsd).toBe(expectedCost(record, 'azure-openai'));
  });
});

describe('deepseek through the gateway', () => {
  const system = { role: 'system' as const, content: 'You are a careful assistant who answers briefly.' };

  it('meters cache hits as cache reads at the cache-hit price, never as input too', async () => {
    const { gateway, client } = await setUp({ pathPrefix: '', usageStyle: 'deepseek', apiKey: 'ds-key' }, { providerKey: 'ds-key', providerType: 'deepseek', upstreamModel: 'deepseek-chat' });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [system, { role: 'user', content: 'first question' }] });
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [system, { role: 'user', content: 'second question' }] })
      .withResponse();
    const raw = data.usage as unknown as { prompt_tokens: number; prompt_cache_hit_tokens: number; prompt_cache_miss_tokens: number };
    expect(raw.prompt_cache_hit_tokens).toBe(11);
    const record = await recordOf(gateway, response.headers.get('x-request-id'));
    expect(record).toMatchObject({ upstreamModel: 'deepseek-chat', cacheReadTokens: 11, inputTokens: raw.prompt_cache_miss_tokens });
    expect(record.inputTokens + record.cacheReadTokens).toBe(raw.prompt_tokens);
    expect(record.costMicroUsd).toBeGreaterThan(0);
    expect(record.costMicroUsd).toBe(expectedCost(record, 'deepseek'));
  });

  it('streams reasoning_content to the caller and meters reasoning tokens apart', async () => {
    const { gateway, client } = await setUp({ pathPrefix: '', usageStyle: 'deepseek', apiKey: 'ds-key' }, { providerKey: 'ds-key', providerType: 'deepseek', upstreamModel: 'deepseek-reasoner' });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'think about this' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let reasoning = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(reasoning).toBe('Thinking it over.');
    expect(usage?.completion_tokens_details?.reasoning_tokens).toBe(5);
    const record = await recordOf(gateway, response.headers.get('x-request-id'));
    expect(record).toMatchObject({ stream: true, upstreamModel: 'deepseek-reasoner', reasoningTokens: 5, outputTokens: usage!.completion_tokens - 5 });
    expect(record.costMicroUsd).toBe(expectedCost(record, 'deepseek'));
    expect(record.costMicroUsd).toBeGreaterThan(0);
  });
});

describe('mistral and groq parameter rules through the gateway', () => {
  it('mistral: a request Mistral would refuse as sent is adapted, and usage still reaches a caller who asked', async () => {
    const { upstream, gateway, client } = await setUp(
      { usageStyle: 'final-chunk', rejectParams: ['stream_options', 'seed', 'max_completion_tokens'] },
      { providerType: 'mistral', upstreamModel: 'mistral-small-latest' },
    );
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'salut' }], stream: true, stream_options: { include_usage: true }, seed: 9, max_completion_tokens: 20 })
      .withResponse();
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage?.completion_tokens).toBe(2);
    expect(lastSent(upstream).body).toMatchObject({ random_seed: 9, max_tokens: 20 });
    const record = await recordOf(gateway, response.headers.get('x-request-id'));
    expect(record).toMatchObject({ status: 200, failed: false, inputTokens: 4, outputTokens: 2 });
    expect(record.costMicroUsd).toBe(expectedCost(record, 'mistral'));
  });

  it('groq: a default logprobs is removed; logprobs: true is a 400 naming it, without calling Groq', async () => {
    const { upstream, client } = await setUp({ pathPrefix: '/openai/v1', usageStyle: 'x_groq', rejectParams: ['logprobs'] }, { providerType: 'groq', upstreamModel: 'llama-3.3-70b-versatile' });
    const ok = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], logprobs: false });
    expect(ok.choices[0]?.message.content).toBe('Echo: hi');
    const calls = upstream.requests.length;
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], logprobs: true }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, param: 'logprobs' });
    expect(upstream.requests.length).toBe(calls);
  });
});
