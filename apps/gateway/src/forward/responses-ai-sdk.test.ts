import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, Output, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import type { startTestGateway } from '../testing/gateway-harness';
import { testKeys } from '../testing/test-snapshot';
import { mockBehindGateway, mockProvider, type MockProvider } from '../testing/mock-providers';

// The Vercel AI SDK's default OpenAI provider, `openai(model)`, speaks the Responses API: unchanged but for its
// base URL and key, through the gateway to an OpenAI-type and an Anthropic-type provider.
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
    if (p.type === 'anthropic') {
      expect(called.toolCalls).toEqual([expect.objectContaining({ toolName: 'weather', input: { city: expect.any(String) } })]);
      expect(called.finishReason).toBe('tool-calls');
    } else expect(called.text).toContain('Weather in Oslo?');

    const structured = await generateText({
      model: openai('gpt-4o-mini'),
      prompt: '{"city":"Oslo"}',
      output: Output.object({ schema: z.object({ city: z.string() }) }),
    }).catch((e: Error) => e);
    // The schema reached the provider in its own structured-output parameter.
    const sent = mock.requests.at(-1)!.body as Record<string, any>;
    const schema = p.type === 'openai' ? sent.response_format?.json_schema?.schema : sent.output_config?.format?.schema;
    expect(schema).toMatchObject({ properties: { city: { type: 'string' } } });
    // The OpenAI mock honours JSON mode; whether the Anthropic mock does is its own tests' business.
    if (p.type === 'openai') expect((structured as { output: unknown }).output).toEqual({ city: 'Oslo' });
  });

  // Until the response store lands (ADR 0022), the SDK's multi-step loop must not send item references.
  it('runs a multi-step tool loop with store: false', async () => {
    const weather = tool({ description: 'Weather in a city', inputSchema: z.object({ city: z.string() }), execute: async () => 'sunny and 21 degrees' });
    const result = await generateText({
      model: openai('gpt-4o-mini'),
      prompt: 'Weather in Oslo?',
      tools: { weather },
      stopWhen: stepCountIs(3),
      providerOptions: { openai: { store: false } },
    });
    if (p.type === 'anthropic') {
      expect(result.steps.length).toBe(2);
      expect(result.text).toContain('sunny and 21 degrees');
    } else expect(result.steps.length).toBe(1);
    expect(JSON.stringify(mock.requests.at(-1)!.body)).toContain(p.type === 'anthropic' ? 'sunny and 21 degrees' : 'Weather in Oslo?');
  });
});
