import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

type OpenAiErrorBody = { error: { message: string; type: string; param: string | null; code: string } };

let upstream: MockOpenAi;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const client = (key = testKeys.approved) => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
const recordFor = async (requestId: string) => (await gateway.flushed()).find((r) => r.requestId === requestId);

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-upstream' });
  gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-upstream' }));
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('POST /v1/chat/completions through the gateway', () => {
  it('answers a non-streaming call, forwards the body unchanged with the provider key, and meters tokens and cost', async () => {
    const { data, response } = await client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there gateway' }], temperature: 0.2, seed: 7 })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Echo: hello there gateway');
    expect(response.headers.get('x-tollgate-provider')).toBe('primary');
    expect(response.headers.get('x-tollgate-model')).toBe('gpt-4o-mini');
    const sent = upstream.requests.at(-1)!;
    expect(sent.headers.authorization).toBe('Bearer sk-upstream');
    expect(sent.headers['x-request-id']).toBe(response.headers.get('x-request-id'));
    expect(sent.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // Unknown-to-the-gateway parameters travel as they came: the bytes are not re-serialised.
    expect(JSON.parse(sent.rawBody)).toMatchObject({ temperature: 0.2, seed: 7 });
    const record = await recordFor(response.headers.get('x-request-id')!);
    expect(record).toMatchObject({ status: 200, failed: false, stream: false, appId: 'app_approved000000000', model: 'gpt-4o-mini' });
    expect(record!.inputTokens).toBe(data.usage!.prompt_tokens);
    expect(record!.outputTokens).toBe(data.usage!.completion_tokens);
    expect(record!.costMicroUsd).toBeGreaterThan(0);
  });

  it('streams chunk by chunk, asks the provider for usage, and hides the usage chunk when the client did not ask', async () => {
    const stream = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one two three four' }], stream: true });
    let text = '';
    let sawUsage = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) sawUsage = true;
    }
    expect(text).toBe('Echo: one two three four');
    expect(sawUsage).toBe(false);
    expect((upstream.requests.at(-1)!.body as { stream_options: unknown }).stream_options).toEqual({ include_usage: true });
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ stream: true, status: 200, failed: false });
    expect(record.outputTokens).toBeGreaterThan(0);
    expect(record.ttftMs).not.toBeNull();
  });

  it('returns usage in the stream when the client asked for it', async () => {
    const stream = await client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'count my tokens' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('announces a deprecated service with Deprecation and Sunset headers, and still answers', async () => {
    const data = testSnapshot({ revision: 90, providerUrl: upstream.url, providerKey: 'sk-upstream', lifecycle: 'deprecated' });
    data.services[0]!.deprecatedAt = Date.UTC(2026, 10, 1);
    data.services[0]!.sunsetAt = Date.UTC(2027, 0, 31);
    gateway.snapshots.install(data);
    const { response } = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(response.headers.get('deprecation')).toBe(`@${Date.UTC(2026, 10, 1) / 1_000}`);
    expect(response.headers.get('sunset')).toBe('Sun, 31 Jan 2027 00:00:00 GMT');
    gateway.snapshots.install(testSnapshot({ revision: 91, providerUrl: upstream.url, providerKey: 'sk-upstream' }));
    const plain = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(plain.response.headers.get('deprecation')).toBeNull();
  });

  it('refuses a missing or unknown key with 401 in OpenAI shape', async () => {
    await expect(client('tg_wrong').chat.completions.create({ model: 'gpt-4o-mini', messages: [] })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    });
    const res = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as OpenAiErrorBody).error.message).toMatch(/Missing API key/);
  });

  it('refuses a pending subscription with 403 naming the state and what to do', async () => {
    const err = await client(testKeys.pending).chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.code).toBe('subscription_pending');
    expect(err.message).toMatch(/pending approval/);
  });

  it('refuses an app without a subscription with 403 naming the service, and an unknown model with 404', async () => {
    const err = await client(testKeys.unsubscribed).chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).catch((e) => e);
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/not subscribed.*'LLM'/);
    const unknown = await client().chat.completions.create({ model: 'nope', messages: [] }).catch((e) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown.code).toBe('model_not_found');
  });

  it('answers bad bodies with 400 naming the field', async () => {
    const post = (body: string) =>
      fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${testKeys.approved}` }, body });
    const cases: Array<[string, string | null]> = [
      ['not json', null],
      ['[]', null],
      ['{"messages":[]}', 'model'],
      ['{"model":"gpt-4o-mini"}', 'messages'],
      ['{"model":"gpt-4o-mini","messages":[],"stream":"yes"}', 'stream'],
    ];
    for (const [body, param] of cases) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as OpenAiErrorBody).error.param, body).toBe(param);
    }
  });

  it('passes the provider error through with its status and keeps the detail in the call record', async () => {
    gateway.snapshots.install(testSnapshot({ revision: 2, providerUrl: upstream.url, providerKey: 'sk-upstream', upstreamModel: 'mock-error-429' }));
    const err = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers.get('retry-after')).toBe('1');
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ status: 429, failed: true, errorCode: 'upstream_error' });
    expect(record.errorMessage).toMatch(/rate_limit_exceeded/);
  });

  it('ends a stream cut mid-answer with an SSE error event, and records the call as failed', async () => {
    gateway.snapshots.install(testSnapshot({ revision: 3, providerUrl: upstream.url, providerKey: 'sk-upstream', upstreamModel: 'mock-cut-stream' }));
    const stream = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a b c d e f' }], stream: true });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e) => e);
    expect(received.length).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(String(error.message)).toMatch(/provider/);
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ stream: true, failed: true, errorCode: 'stream_interrupted' });
  });

  it('falls back to the next target when the first fails before any byte reached the client', async () => {
    // A provider whose port was just closed: the connection is refused before any byte is exchanged.
    const broken = await startMockOpenAi();
    await broken.close();
    const fallback = await startMockOpenAi({ apiKey: 'sk-mock' });
    gateway.snapshots.install(testSnapshot({ revision: 5, providerUrl: broken.url, fallbackProviderUrl: fallback.url }));
    const { response } = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('x-tollgate-provider')).toBe('fallback');
    const record = await recordFor(response.headers.get('x-request-id')!);
    expect(record?.errorMessage).toMatch(/fell back after: primary/);
    await fallback.close();
  });

  it('enforces the plan request limit with 429 and Retry-After', async () => {
    gateway.snapshots.install(testSnapshot({ revision: 6, providerUrl: upstream.url, providerKey: 'sk-upstream', requestsPerMinute: 2 }));
    const call = () => client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    // Earlier tests ran without limits, so nothing was counted yet: exactly two of four concurrent calls pass.
    const results = await Promise.allSettled([call(), call(), call(), call()]);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(refused).toHaveLength(2);
    expect(refused[0]).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused[0].message).toMatch(/2 requests per min/);
  });
});
