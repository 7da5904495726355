/**
 * End to end: the official OpenAI SDK → the Tollgate gateway (real port) → the bedrock adapter (SigV4) → the
 * mock Bedrock server (real port, real wire formats, signature verified), and the call record it meters.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../../../../apps/gateway/src/testing/gateway-harness';
import { testKeys, testSnapshot } from '../../../../apps/gateway/src/testing/test-snapshot';
import { startMockBedrock, type MockBedrock } from './mock-server';

let upstream: MockBedrock;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const MODEL = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

beforeAll(async () => {
  upstream = await startMockBedrock({ accessKeyId: 'AKID', secretAccessKey: 'SECRET', region: 'us-east-1' });
  gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url, providerKey: 'AKID:SECRET', providerType: 'bedrock', providerSettings: { region: 'us-east-1' }, upstreamModel: MODEL }));
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const client = () => new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
// Sonnet 4.5 at $3 / $15 per 1M tokens = 3 / 15 micro-USD per token.
const micro = (input: number, output: number) => input * 3 + output * 15;

describe('OpenAI SDK → gateway → Bedrock', () => {
  it('answers a non-streaming call and meters tokens and cost', async () => {
    const { data, response } = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there gateway' }] }).withResponse();
    expect(data.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Echo: hello there gateway' }, finish_reason: 'stop' });
    expect(data.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 4, total_tokens: 10 });
    expect(upstream.requests.at(-1)!.path).toBe('/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse');
    const record = (await gateway.flushed()).find((r) => r.requestId === response.headers.get('x-request-id'));
    expect(record).toMatchObject({ status: 200, inputTokens: 6, outputTokens: 4 });
    expect(record!.costMicroUsd).toBeCloseTo(micro(6, 4), 0);
  });

  it('streams, with usage when asked', async () => {
    const s = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream me please' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const c of s) {
      text += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe('Echo: stream me please');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 4 });
    expect(upstream.requests.at(-1)!.path).toMatch(/\/converse-stream$/);
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ status: 200, inputTokens: 6, outputTokens: 4 });
    expect(record.costMicroUsd).toBeGreaterThan(0);
  });

  it('streams tool calls', async () => {
    const s = await client().chat.completions.create({
      model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }],
    });
    let args = '';
    let name = '';
    for await (const c of s) for (const tc of c.choices[0]?.delta.tool_calls ?? []) {
      args += tc.function?.arguments ?? '';
      name ||= tc.function?.name ?? '';
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'mock' });
  });
});
