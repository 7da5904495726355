import Anthropic from '@anthropic-ai/sdk';
import type { MessageStreamEvent, Tool } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSseParser } from '../sse/parser';
import { startMockAnthropic, type MockAnthropic } from './mock-server';

let mock: MockAnthropic;
let client: Anthropic;

beforeAll(async () => {
  mock = await startMockAnthropic({ apiKey: 'sk-ant-test' });
  // The SDK appends /v1/messages itself.
  client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url.replace(/\/v1$/, ''), maxRetries: 0 });
});
afterAll(async () => {
  await mock.close();
});

const weather: Tool = {
  name: 'get_weather',
  description: 'Current weather',
  input_schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
};
const time: Tool = { name: 'get_time', input_schema: { type: 'object', properties: { zone: { type: 'string' } } } };

async function apiError(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Anthropic.APIError);
  return err as InstanceType<typeof Anthropic.APIError>;
}

const rawPost = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${mock.url}/messages`, {
    method: 'POST',
    headers: { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('POST /v1/messages through the Anthropic SDK', () => {
  it('answers messages.create with an echo and exact usage, recording the request', async () => {
    const m = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: 'Be terse.',
      messages: [{ role: 'user', content: 'hello there world' }],
    });
    expect(m.id).toMatch(/^msg_01[A-Za-z0-9]{22}$/);
    expect(m).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'end_turn', stop_sequence: null });
    expect(m.content).toEqual([{ type: 'text', text: 'Echo: hello there world', citations: null }]);
    // 2 system words + 3 user words + 3 for the message.
    expect(m.usage).toMatchObject({ input_tokens: 8, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 4 });
    const rec = mock.requests.at(-1)!;
    expect(rec.headers['anthropic-version']).toBeTruthy();
    expect(rec.path).toBe('/v1/messages');
    expect(JSON.parse(rec.rawBody)).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 100 });
  });

  it('reports cache reads and writes apart from input_tokens for a "cached" model', async () => {
    const m = await client.messages.create({
      model: 'claude-cached',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'one two three four five six seven eight nine' }],
    });
    // 12 prompt tokens: 6 read from the cache, 3 written to it, 3 uncached.
    expect(m.usage).toMatchObject({ input_tokens: 3, cache_read_input_tokens: 6, cache_creation_input_tokens: 3 });
  });

  it('stops at a stop sequence or at max_tokens', async () => {
    const base = { model: 'claude-haiku-4-5', messages: [{ role: 'user' as const, content: 'alpha beta gamma' }] };
    const stopped = await client.messages.create({ ...base, max_tokens: 100, stop_sequences: ['gamma'] });
    expect(stopped).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'gamma', content: [{ text: 'Echo: alpha beta ' }] });
    const cut = await client.messages.create({ ...base, max_tokens: 2 });
    expect(cut).toMatchObject({ stop_reason: 'max_tokens', content: [{ text: 'Echo: alpha' }], usage: { output_tokens: 2 } });
  });

  it('streams the exact event sequence, which the SDK assembles into the non-streamed answer', async () => {
    const res = await rawPost({ model: 'claude-haiku-4-5', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi you' }] });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const parser = createSseParser();
    const names: string[] = [];
    for await (const part of res.body!) for (const e of parser.push(part)) names.push(e.event ?? '');
    expect(names).toEqual([
      'message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ]);

    const stream = client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi you' }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe('Echo: hi you');
    expect(final.content).toEqual([{ type: 'text', text: 'Echo: hi you', citations: null }]);
    expect(final.usage).toMatchObject({ input_tokens: 5, output_tokens: 3 });
  });

  it('calls two tools in parallel, streaming each input in several fragments', async () => {
    const events: MessageStreamEvent[] = [];
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      tools: [weather, time],
      messages: [{ role: 'user', content: 'Paris' }],
    });
    stream.on('streamEvent', (e) => events.push(e));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const uses = final.content.filter((b) => b.type === 'tool_use');
    expect(uses.map((u) => [u.name, u.input])).toEqual([
      ['get_weather', { city: 'Paris', days: 42 }],
      ['get_time', { zone: 'Paris' }],
    ]);
    const fragments = events.filter((e) => e.type === 'content_block_delta' && e.delta.type === 'input_json_delta');
    expect(fragments.length).toBeGreaterThan(4);

    const single = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      tools: [weather, time],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: 'Paris' }],
    });
    expect(single.content.map((b) => b.type)).toEqual(['tool_use']);
  });

  it('answers tool results with text, and refuses tool results without their tool_use', async () => {
    const use = { type: 'tool_use' as const, id: 'toolu_01abc', name: 'get_weather', input: { city: 'Paris' } };
    const m = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      tools: [weather],
      messages: [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: [use] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01abc', content: '21 degrees' }] },
      ],
    });
    expect(m).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: 'Echo: 21 degrees' }] });
    const err = await apiError(
      client.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 200,
        tools: [weather],
        messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01zzz', content: 'x' }] }],
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/tool_use_id/);
  });

  it('thinks first when asked, with a signed thinking block', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'why' }],
    });
    let thinking = '';
    stream.on('thinking', (t) => (thinking += t));
    const final = await stream.finalMessage();
    const block = final.content[0];
    expect(block?.type).toBe('thinking');
    expect(block?.type === 'thinking' && block.signature.length).toBeGreaterThan(20);
    expect(thinking).toBe('The user wrote: why. I will echo it back.');
    expect(final.content[1]).toMatchObject({ type: 'text', text: 'Echo: why' });
  });
});

describe('structured output (output_config.format)', () => {
  const schema = {
    type: 'object',
    properties: {
      city: { type: 'string' },
      when: { type: 'string', format: 'date' },
      unit: { type: 'string', enum: ['c', 'f'] },
      days: { type: 'array', minItems: 1, items: { $ref: '#/$defs/day' } },
      note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    },
    required: ['city', 'when', 'unit', 'days', 'note'],
    additionalProperties: false,
    $defs: { day: { type: 'object', properties: { high: { type: 'integer', minimum: -90 } }, required: ['high'], additionalProperties: false } },
  };

  it('answers JSON filled from the schema, whole and streamed', async () => {
    const request = { model: 'claude-sonnet-4-5', max_tokens: 200, messages: [{ role: 'user' as const, content: 'Oslo' }], output_config: { format: { type: 'json_schema' as const, schema } } };
    const m = await client.messages.create(request);
    const text = m.content[0]?.type === 'text' ? m.content[0].text : '';
    expect(JSON.parse(text)).toEqual({ city: 'Oslo', when: '2025-01-01', unit: 'c', days: [{ high: -90 }], note: 'Oslo' });
    const streamed = await client.messages.stream(request).finalMessage();
    expect(streamed.content).toEqual(m.content);
    expect(streamed.usage.output_tokens).toBe(m.usage.output_tokens);
  });

  it('refuses an open object schema and a format that is not json_schema', async () => {
    const open = { ...schema, additionalProperties: undefined };
    const cases: Array<[unknown, RegExp]> = [
      [{ format: { type: 'json_schema', schema: open } }, /^output_config\.format\.schema: .*additionalProperties/],
      [{ format: { type: 'json_schema', schema: { ...schema, $defs: { day: { type: 'object', properties: {} } } } } }, /^output_config\.format\.schema\.\$defs\.day: /],
      [{ format: { type: 'json_object' } }, /^output_config\.format\.type/],
      [{ effort: 'extreme' }, /^output_config\.effort/],
    ];
    for (const [output_config, message] of cases) {
      const res = await rawPost({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], output_config });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
    }
  });
});

describe('failures', () => {
  it('rejects a wrong or missing key with 401 authentication_error', async () => {
    const bad = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: mock.url.replace(/\/v1$/, ''), maxRetries: 0 });
    const err = await apiError(bad.messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(err.status).toBe(401);
    expect((err.error as { error: { type: string } }).error.type).toBe('authentication_error');
    const res = await rawPost({}, { 'x-api-key': '' });
    expect(res.status).toBe(401);
  });

  it('requires the anthropic-version header', async () => {
    const res = await fetch(`${mock.url}/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-ant-test', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/anthropic-version/) } });
  });

  it('answers mock-error-529 with overloaded_error, also when streaming', async () => {
    const err = await apiError(client.messages.create({ model: 'mock-error-529', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }));
    expect(err.status).toBe(529);
    expect((err.error as { error: { type: string } }).error.type).toBe('overloaded_error');
    const streamed = await rawPost({ model: 'mock-error-529', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(streamed.status).toBe(529);
  });

  it('answers mock-error-429 with rate_limit_error and retry-after', async () => {
    const err = await apiError(client.messages.create({ model: 'mock-error-429', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.headers?.get('retry-after')).toBe('1');
  });

  it('cuts mock-cut-stream mid-answer, and ends mock-stream-error with an error event', async () => {
    const cut = client.messages.stream({ model: 'mock-cut-stream', max_tokens: 50, messages: [{ role: 'user', content: 'a b c d' }] });
    await expect(cut.finalMessage()).rejects.toThrow();
    const res = await rawPost({ model: 'mock-stream-error', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'a b c d' }] });
    const text = await res.text();
    expect(text).toContain('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}');
    expect(text).not.toContain('message_stop');
  });

  it('answers invalid bodies with 400 naming the field, as the real API does', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'x' }] }, /^max_tokens: Field required/],
      [{ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] }, /^messages\.0\.role/],
      [{ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], n: 2 }, /^n: Extra inputs are not permitted/],
      [{ model: 'claude-haiku-4-5', max_tokens: 5, temperature: 1.5, messages: [{ role: 'user', content: 'x' }] }, /^temperature/],
      [{ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }, { role: 'user', content: 'y' }] }, /roles must alternate/],
      [{ model: 'claude-haiku-4-5', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 100 }, messages: [{ role: 'user', content: 'x' }] }, /budget_tokens/],
      ['{not json', /parsing the body/],
    ];
    for (const [body, message] of cases) {
      const res = await rawPost(body);
      expect(res.status).toBe(400);
      const json = (await res.json()) as { type: string; error: { type: string; message: string } };
      expect(json.type).toBe('error');
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.message).toMatch(message);
    }
  });

  it('records closedEarly when the client goes away mid-stream', async () => {
    const slow = await startMockAnthropic({ chunkDelayMs: 30 });
    try {
      const controller = new AbortController();
      const res = await fetch(`${slow.url}/messages`, {
        method: 'POST',
        headers: { 'x-api-key': 'sk-ant-mock', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] }),
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      await expect.poll(() => slow.requests[0]?.closedEarly, { timeout: 2_000 }).toBe(true);
    } finally {
      await slow.close();
    }
  });
});
