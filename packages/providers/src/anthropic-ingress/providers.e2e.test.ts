import { afterAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { testKeys } from '../../../../apps/gateway/src/testing/test-snapshot';
import { mockBehindGateway, mockProviders, type MockProvider } from '../../../../apps/gateway/src/testing/mock-providers';

// The /v1/messages ingress in front of each kind of provider: Anthropic SDK → gateway → provider's own format.
type Provider = MockProvider;
const providers = mockProviders;

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function setup(p: Provider, upstreamModel = p.model) {
  const { gateway } = await mockBehindGateway(p, closers, upstreamModel);
  return { gateway, client: new Anthropic({ apiKey: testKeys.approved, baseURL: gateway.url, maxRetries: 0 }) };
}

describe.each(providers)('/v1/messages in front of $type', (p) => {

  it('answers and streams the same text, with usage, and meters the call', async () => {
    const { gateway, client } = await setup(p);
    const message = await client.messages.create({ model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'hello pair test' }] });
    const text = message.content.filter((b) => b.type === 'text').map((b) => (b as Anthropic.TextBlock).text).join('');
    expect(text).toContain('hello pair test');
    expect(message.usage.output_tokens).toBeGreaterThan(0);

    const stream = client.messages.stream({ model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'hello pair test' }] });
    const final = await stream.finalMessage();
    const streamed = final.content.filter((b) => b.type === 'text').map((b) => (b as Anthropic.TextBlock).text).join('');
    expect(streamed).toBe(text);
    expect(final.usage.output_tokens).toBe(message.usage.output_tokens);

    const records = await gateway.flushed();
    expect(records.filter((r) => r.path === '/v1/messages' && r.status === 200 && !r.failed)).toHaveLength(2);
    expect(records.every((r) => r.outputTokens > 0)).toBe(true);
  });
});

// The OpenAI mock answers tools with text; these mocks call the tool, as their real APIs would.
describe.each(providers.filter((p) => p.type !== 'openai'))('/v1/messages tool calls through $type', (p) => {
  it('streams a tool call back as a tool_use block with its input', async () => {
    const { client } = await setup(p);
    const tools = [{ name: 'weather', description: 'Weather in a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } }];
    const final = await client.messages
      .stream({ model: 'gpt-4o-mini', max_tokens: 200, tools, messages: [{ role: 'user', content: 'Weather in Oslo?' }] })
      .finalMessage();
    const use = final.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock | undefined;
    expect(use?.name).toBe('weather');
    expect(typeof use?.input).toBe('object');
    expect(final.stop_reason).toBe('tool_use');
  });
});

// Providers whose mocks can fail inside a stream (`mock-stream-error`).
describe.each(providers.filter((p) => p.type !== 'openai'))('/v1/messages mid-stream failure of $type', (p) => {
  it('ends the stream with an error the Anthropic SDK raises, and records the call as failed', async () => {
    const { gateway, client } = await setup(p, 'mock-stream-error');
    const stream = client.messages.stream({ model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'one two three four' }] });
    await expect(stream.finalMessage()).rejects.toThrow();
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ path: '/v1/messages', stream: true, failed: true });
  });
});
