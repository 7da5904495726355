import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAI } from '@ai-sdk/openai';
import { generateObject, generateText, Output, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import type { startTestGateway } from '../testing/gateway-harness';
import { testKeys } from '../testing/test-snapshot';
import { mockBehindGateway, mockProvider, type MockProvider } from '../testing/mock-providers';

// The Vercel AI SDK's default OpenAI provider, `openai(model)`, speaks the Responses API: unchanged but for its
// base URL and key, through the gateway to an OpenAI-type provider (passed through to its own Responses API)
// and an Anthropic-type one (translated). Both mocks answer function tools by calling them.
const providers = [mockProvider('openai'), mockProvider('anthropic')];

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

describe.each(providers)('the Vercel AI SDK openai(model) over $type', (p) => {
  let openai: ReturnType<typeof createOpenAI>;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let mock: Awaited<ReturnType<MockProvider['start']>>;
  beforeAll(async () => {
    ({ mock, gateway } = await mockBehindGateway(p, closers));
    openai = createOpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1` });
  });

  it('generateText answers with text and usage, metered as /v1/responses', async () => {
    const result = await generateText({ model: openai('gpt-4o-mini'), system: 'Be brief.', prompt: 'hello from the ai sdk' });
    expect(result.text).toBe('Echo: hello from the ai sdk');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ api: '/v1/responses', status: 200, failed: false });
  });

  it('streamText streams the same text, with usage', async () => {
    const result = streamText({ model: openai('gpt-4o-mini'), prompt: 'one two three' });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('Echo: one two three');
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
    expect(await result.finishReason).toBe('stop');
  });

  it('passes function tools and structured output through', async () => {
    const weather = tool({ description: 'Weather in a city', inputSchema: z.object({ city: z.string() }) });
    const called = await generateText({ model: openai('gpt-4o-mini'), prompt: 'Weather in Oslo?', tools: { weather } });
    expect(called.toolCalls).toEqual([expect.objectContaining({ toolName: 'weather', input: { city: expect.any(String) } })]);
    expect(called.finishReason).toBe('tool-calls');

    const structured = await generateText({
      model: openai('gpt-4o-mini'),
      prompt: '{"city":"Oslo"}',
      output: Output.object({ schema: z.object({ city: z.string() }) }),
    }).catch((e: Error) => e);
    // The schema reached the provider in its own structured-output parameter.
    const sent = mock.requests.at(-1)!.body as Record<string, any>;
    const schema = p.type === 'openai' ? sent.text?.format?.schema : sent.output_config?.format?.schema;
    expect(schema).toMatchObject({ properties: { city: { type: 'string' } } });
    // The OpenAI mock honours JSON mode; whether the Anthropic mock does is its own tests' business.
    if (p.type === 'openai') expect((structured as { output: unknown }).output).toEqual({ city: 'Oslo' });
  });

  it('generateObject returns an object that matches its schema', async () => {
    const trip = z.object({ city: z.string(), days: z.number() });
    const { object } = await generateObject({ model: openai('gpt-4o-mini'), schema: trip, prompt: '{"city":"Oslo","days":3}' });
    // The SDK parsed and validated it; the OpenAI mock echoes the JSON it was given, the Anthropic one fills the schema.
    expect(trip.parse(object)).toEqual(object);
    if (p.type === 'openai') expect(object).toEqual({ city: 'Oslo', days: 3 });
    expect((await gateway.flushed()).at(-1)).toMatchObject({ api: '/v1/responses', status: 200 });
  });

  // The SDK's default: the store on, so later steps send earlier output as item references, which the
  // gateway's response store resolves (ADR 0022).
  it('runs the default multi-step tool loop, item references and all', async () => {
    const weather = tool({ description: 'Weather in a city', inputSchema: z.object({ city: z.string() }), execute: async () => 'sunny and 21 degrees' });
    // What the SDK sends the gateway, to see it lean on the store.
    const sentToGateway: string[] = [];
    const recording = createOpenAI({
      apiKey: testKeys.approved,
      baseURL: `${gateway.url}/v1`,
      fetch: async (url, init) => (sentToGateway.push(String(init?.body ?? '')), fetch(url, init)),
    });
    const result = await generateText({
      model: recording('gpt-4o-mini'),
      prompt: 'Weather in Oslo?',
      tools: { weather },
      stopWhen: stepCountIs(3),
    });
    // The Anthropic mock's first step says something before its tool call: the SDK sends that text back as a
    // reference (the OpenAI mock's step is the call alone, which the SDK resends as it is).
    if (p.type === 'anthropic') expect(sentToGateway.at(-1)).toContain('"item_reference"');
    expect(sentToGateway.at(-1)).not.toContain('"store"');
    expect(result.steps.length).toBe(2);
    expect(result.text).toContain('sunny and 21 degrees');
    expect(JSON.stringify(mock.requests.at(-1)!.body)).toContain('sunny and 21 degrees');
    // The OpenAI-type provider got the SDK's Responses request itself.
    expect(mock.requests.at(-1)!.path).toBe(p.type === 'openai' ? '/v1/responses' : '/v1/messages');
  });
});
