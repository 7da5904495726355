import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { APIError } from 'openai';
import { Agent, request } from 'undici';
import { startMockGemini, startMockOpenAi, type MockGemini, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { startScriptedUpstream } from '../testing/scripted-upstream';
import { testKeys, testSnapshot, type TestSnapshotOptions } from '../testing/test-snapshot';

/**
 * Details of OpenAI's wire format that the SDKs and OpenAI's published OpenAPI document hold the gateway to:
 * error `type`s from OpenAI's own vocabulary, stream chunks without keys the caller did not ask for, and
 * parameter checks made once, before any provider is called.
 */
const OPENAI_ERROR_TYPES = ['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'rate_limit_error', 'server_error', 'insufficient_quota'];
const hello = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one two three' }] };

let openai: MockOpenAi;
let gemini: MockGemini;
const gateways: Array<Awaited<ReturnType<typeof startTestGateway>>> = [];
const http = new Agent();

async function gatewayFor(o: Partial<TestSnapshotOptions> & { providerUrl: string }) {
  const gateway = await startTestGateway(testSnapshot(o), { retry: { rounds: 0, maxBackoffMs: 0 } });
  gateways.push(gateway);
  return { gateway, client: new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 }) };
}
const post = (url: string, body: unknown) =>
  request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    dispatcher: http,
  });
/** The `data:` payloads of an SSE body, `[DONE]` left out. */
const dataOf = (sse: string) =>
  sse
    .split('\n\n')
    .filter((block) => block.startsWith('data: ') && block !== 'data: [DONE]')
    .map((block) => block.slice('data: '.length));

beforeAll(async () => {
  openai = await startMockOpenAi({ apiKey: 'sk-mock' });
  gemini = await startMockGemini({ apiKey: 'sk-mock' });
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  await http.close();
  await openai.close();
  await gemini.close();
});

describe('error types', () => {
  it('ends a stream cut mid-way with an SSE error of type server_error, which the SDK raises as such', async () => {
    const { client } = await gatewayFor({ providerUrl: openai.url, upstreamModel: 'mock-cut-stream' });
    const stream = await client.chat.completions.create({ ...hello, messages: [{ role: 'user', content: 'a b c d e f' }], stream: true } as const);
    const err = await (async () => {
      for await (const chunk of stream) void chunk;
    })().then(
      () => expect.fail('the stream should have failed'),
      (e: unknown) => e as APIError,
    );
    expect(err).toBeInstanceOf(APIError);
    expect(err).toMatchObject({ type: 'server_error', code: 'stream_interrupted' });
  });

  it('gives every 502 the gateway makes an OpenAI error type', async () => {
    const gone = await startMockOpenAi();
    await gone.close();
    const jsonForStream = await startScriptedUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const scenarios: Array<[code: string, o: Partial<TestSnapshotOptions> & { providerUrl: string }, body: unknown]> = [
      ['upstream_unavailable', { providerUrl: gone.url }, hello],
      ['invalid_upstream_response', { providerUrl: jsonForStream.url }, { ...hello, stream: true }],
      ['upstream_auth_error', { providerUrl: openai.url, providerKey: 'sk-wrong' }, hello],
      ['upstream_error', { providerUrl: openai.url, upstreamModel: 'mock-error-500' }, hello],
      ['provider_misconfigured', { providerUrl: openai.url, providerType: 'bedrock', providerKey: 'not-aws' }, hello],
    ];
    const seen: Array<[string, number, unknown]> = [];
    for (const [code, o, body] of scenarios) {
      const { gateway } = await gatewayFor(o);
      const res = await post(gateway.url, body);
      const error = ((await res.body.json()) as { error: { type: string; code: string } }).error;
      seen.push([error.code, res.statusCode, OPENAI_ERROR_TYPES.includes(error.type) ? 'openai type' : error.type]);
      expect(code).toBe(error.code);
    }
    expect(seen).toEqual(scenarios.map(([code]) => [code, 502, 'openai type']));
    await jsonForStream.close();
  });
});

describe('stream chunks', () => {
  it('carry no usage key when the caller did not ask for usage, and usage: null on each chunk when it did', async () => {
    const { gateway } = await gatewayFor({ providerUrl: openai.url });
    const plain = await post(gateway.url, { ...hello, stream: true });
    const chunks = dataOf(await plain.body.text());
    expect(chunks.length).toBeGreaterThan(3);
    // The gateway asked the provider for usage on the caller's behalf: none of it may show.
    expect(JSON.parse(openai.requests.at(-1)!.rawBody).stream_options).toEqual({ include_usage: true });
    for (const data of chunks) expect(Object.keys(JSON.parse(data))).not.toContain('usage');
    // Only the key went: the rest of each chunk is the provider's bytes in their order.
    for (const data of chunks) expect(data).toBe(JSON.stringify(JSON.parse(data)));

    const asked = await post(gateway.url, { ...hello, stream: true, stream_options: { include_usage: true } });
    const withUsage = dataOf(await asked.body.text()).map((d) => JSON.parse(d) as { usage?: unknown; choices: unknown[] });
    expect(withUsage.slice(0, -1).every((c) => Object.hasOwn(c, 'usage') && c.usage === null)).toBe(true);
    expect(withUsage.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number) } });
  });
});

describe('max_tokens', () => {
  const bad: Array<[param: string, value: unknown]> = [
    ['max_tokens', 0],
    ['max_tokens', -5],
    ['max_tokens', 1.5],
    ['max_tokens', '10'],
    ['max_completion_tokens', 0],
    ['max_completion_tokens', -1],
    ['max_completion_tokens', 2.5],
  ];

  it.each(['openai', 'gemini'] as const)('is refused with 400 naming the parameter before a %s provider is called', async (type) => {
    const mock = type === 'gemini' ? gemini : openai;
    const { gateway } = await gatewayFor({ providerUrl: mock.url, providerType: type, upstreamModel: type === 'gemini' ? 'gemini-2.5-flash' : 'gpt-4o-mini' });
    const before = mock.requests.length;
    const answers: Array<[string, unknown, number, string | null]> = [];
    for (const [param, value] of bad) {
      const res = await post(gateway.url, { ...hello, [param]: value });
      const error = ((await res.body.json()) as { error: { param: string | null; type: string } }).error;
      answers.push([param, value, res.statusCode, error.param]);
      expect(error.type).toBe('invalid_request_error');
    }
    expect(answers).toEqual(bad.map(([param, value]) => [param, value, 400, param]));
    expect(mock.requests.length).toBe(before);
    // A valid one still goes through, and null means "no limit", as OpenAI reads it.
    expect((await post(gateway.url, { ...hello, max_tokens: 1 })).statusCode).toBe(200);
    expect((await post(gateway.url, { ...hello, max_completion_tokens: null })).statusCode).toBe(200);
  });

  it('is refused on /v1/messages below 1, as Anthropic requires', async () => {
    const { gateway } = await gatewayFor({ providerUrl: gemini.url, providerType: 'gemini' });
    const before = gemini.requests.length;
    for (const value of [0, -1, 1.5]) {
      const res = await request(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': testKeys.approved, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ ...hello, max_tokens: value }),
        dispatcher: http,
      });
      expect(res.statusCode).toBe(400);
      expect(((await res.body.json()) as { error: { type: string; message: string } }).error).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(/max_tokens/) });
    }
    expect(gemini.requests.length).toBe(before);
  });
});
