import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { APIError } from 'openai';
import Anthropic, { APIError as AnthropicApiError } from '@anthropic-ai/sdk';
import { startMockAnthropic, startMockOpenAi, type MockAnthropic, type MockOpenAi } from '@tollgate/providers';
import type { PromptSpecJson } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot, type TestSnapshotOptions } from '../testing/test-snapshot';

/**
 * A provider that fails (5xx) is the gateway's upstream failing: every surface answers 502 in its own error
 * shape, with a message that names no provider internals, while the call record keeps the provider's words.
 * A provider's 4xx is about the request and still passes through with its status.
 */
const summarize: PromptSpecJson = {
  messages: [{ role: 'user', content: 'Summarize: {{text}}' }],
  variables: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  model: 'gpt-4o-mini',
};

let openai: MockOpenAi;
let anthropic: MockAnthropic;
const gateways: Array<Awaited<ReturnType<typeof startTestGateway>>> = [];

async function gatewayFor(o: Partial<TestSnapshotOptions> & { providerUrl: string }) {
  const gateway = await startTestGateway(testSnapshot({ providerKey: 'sk-mock', prompts: [{ path: '/summarize', spec: summarize }], ...o }), {
    retry: { rounds: 0, maxBackoffMs: 0 },
  });
  gateways.push(gateway);
  return {
    gateway,
    openai: new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 }),
    anthropic: new Anthropic({ apiKey: testKeys.approved, baseURL: gateway.url, maxRetries: 0 }),
  };
}
const recordOf = async (g: Awaited<ReturnType<typeof startTestGateway>>, requestId: string | null | undefined) =>
  (await g.flushed()).find((r) => r.requestId === requestId);
const rejection = (p: Promise<unknown>) => p.then(() => expect.fail('the call should have failed'), (err: unknown) => err as APIError);

beforeAll(async () => {
  openai = await startMockOpenAi({ apiKey: 'sk-mock' });
  anthropic = await startMockAnthropic({ apiKey: 'sk-mock' });
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  await openai.close();
  await anthropic.close();
});

describe('a provider 5xx', () => {
  it('reaches an OpenAI SDK caller of /v1/chat/completions as 502 server_error, its detail only in the record', async () => {
    const { gateway, openai: client } = await gatewayFor({ providerUrl: openai.url, upstreamModel: 'mock-error-500' });
    const err = await rejection(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: 502, type: 'server_error', code: 'upstream_error', param: null });
    expect(err.message).not.toMatch(/Sorry about that/);
    const requestId = err.headers?.get('x-request-id');
    expect(requestId).toBeTruthy();
    const record = await recordOf(gateway, requestId);
    expect(record).toMatchObject({ status: 502, failed: true, errorCode: 'upstream_error' });
    expect(record!.errorMessage).toMatch(/upstream 500: .*Sorry about that/);
  });

  it('streams nothing: a streaming request that meets a 5xx is a 502 too', async () => {
    const { openai: client } = await gatewayFor({ providerUrl: openai.url, upstreamModel: 'mock-error-500' });
    const err = await rejection(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true }));
    expect(err).toMatchObject({ status: 502, type: 'server_error', code: 'upstream_error' });
  });

  it('reaches an Anthropic provider\'s overload (529) as 502, and /v1/messages callers in Anthropic\'s shape', async () => {
    const { gateway, openai: client, anthropic: messages } = await gatewayFor({ providerUrl: anthropic.url, providerType: 'anthropic', upstreamModel: 'mock-error-529' });
    const viaOpenAi = await rejection(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }));
    expect(viaOpenAi).toMatchObject({ status: 502, type: 'server_error' });
    const viaAnthropic = (await rejection(messages.messages.create({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'x' }] }))) as unknown as AnthropicApiError;
    expect(viaAnthropic).toBeInstanceOf(Anthropic.InternalServerError);
    expect(viaAnthropic.status).toBe(502);
    expect(viaAnthropic.error).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.not.stringMatching(/Overloaded/) } });
    expect((await recordOf(gateway, viaAnthropic.headers?.get('x-request-id')))!.errorMessage).toMatch(/upstream 529: .*overloaded_error/);
  });

  it('reaches /v1/embeddings callers as 502', async () => {
    const { openai: client } = await gatewayFor({ providerUrl: openai.url, upstreamModel: 'mock-error-500' });
    const err = await rejection(client.embeddings.create({ model: 'gpt-4o-mini', input: 'x' }));
    expect(err).toMatchObject({ status: 502, type: 'server_error', code: 'upstream_error' });
  });

  it('reaches prompt API callers as 502 in the REST shape with the request id', async () => {
    const { gateway } = await gatewayFor({ providerUrl: openai.url, upstreamModel: 'mock-error-500' });
    const res = await fetch(`${gateway.url}/llm/summarize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' },
      body: JSON.stringify({ variables: { text: 'x' } }),
    });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error).toEqual({ code: 'upstream_error', message: expect.not.stringMatching(/Sorry about that/), requestId: res.headers.get('x-request-id') });
    expect(body.error.requestId).toMatch(/^req_/);
    expect((await recordOf(gateway, body.error.requestId))!.errorMessage).toMatch(/Sorry about that/);
  });
});

describe('a provider 4xx', () => {
  it('still passes through with its status and the provider\'s reason', async () => {
    const { openai: client } = await gatewayFor({ providerUrl: openai.url, upstreamModel: 'mock-error-429' });
    const err = await rejection(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toMatchObject({ status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect(err.message).toMatch(/Rate limit reached/);
  });

  it('answers the platform\'s own refused credentials as 502 in Anthropic\'s shape on /v1/messages', async () => {
    const { anthropic: messages } = await gatewayFor({ providerUrl: openai.url, providerKey: 'sk-wrong' });
    const err = (await rejection(messages.messages.create({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'x' }] }))) as unknown as AnthropicApiError;
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringMatching(/refused the gateway's credentials/) } });
  });
});
