import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

// The Anthropic SDK, unchanged but for its base URL, in front of an OpenAI provider.
let upstream: MockOpenAi;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const client = (key = testKeys.approved) => new Anthropic({ apiKey: key, baseURL: gateway.url, maxRetries: 0 });

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-mock' });
  gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url }));
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('POST /v1/messages (Anthropic Messages ingress)', () => {
  it('answers messages.create in Anthropic format, with the system prompt translated and usage metered', async () => {
    const { data: message, response } = await client()
      .messages.create({ model: 'gpt-4o-mini', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'hello from anthropic' }] })
      .withResponse();
    expect(message.type).toBe('message');
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: hello from anthropic' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const sent = upstream.requests.at(-1)!.body as { messages: Array<{ role: string; content: string }>; max_tokens: number };
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(sent.max_tokens).toBe(64);
    const record = (await gateway.flushed()).find((r) => r.requestId === response.headers.get('x-request-id'));
    expect(record).toMatchObject({ status: 200, path: '/v1/messages', failed: false });
    expect(record!.outputTokens).toBe(message.usage.output_tokens);
    expect(record!.costMicroUsd).toBeGreaterThanOrEqual(1);
  });

  it('streams Anthropic events the SDK assembles into the same message', async () => {
    const stream = client().messages.stream({ model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'one two three' }] });
    const deltas: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    const final = await stream.finalMessage();
    expect(deltas.join('')).toBe('Echo: one two three');
    expect(final.content).toEqual([{ type: 'text', text: 'Echo: one two three' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ stream: true, failed: false, path: '/v1/messages' });
  });

  it('refuses in Anthropic error shape: bad key, pending subscription, missing max_tokens', async () => {
    await expect(client('tg_nope').messages.create({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
    const pending = await client(testKeys.pending)
      .messages.create({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e) => e);
    expect(pending).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(pending.error).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    expect(pending.message).toMatch(/pending approval/);
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': testKeys.approved, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^max_tokens:/) } });
  });
});
