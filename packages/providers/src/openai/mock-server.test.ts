import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSseParser } from '../sse/parser';
import type { SseEvent } from '../sse/parser';
import { startMockOpenAi } from './mock-server';
import type { MockOpenAi } from './mock-server';
import { normalizeOpenAiUsage } from './usage';

let mock: MockOpenAi;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockOpenAi();
  client = new OpenAI({ apiKey: 'sk-mock', baseURL: mock.url, maxRetries: 0 });
});
afterAll(async () => {
  await mock.close();
});

const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'hello there world' },
];

async function rawPost(path: string, body: string, key = 'sk-mock'): Promise<Response> {
  return fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
  });
}

async function readSse(res: Response): Promise<SseEvent[]> {
  const parser = createSseParser();
  const events: SseEvent[] = [];
  for await (const part of res.body!) events.push(...parser.push(part));
  events.push(...parser.end());
  return events;
}

async function expectApiError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.APIError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

describe('chat completions through the OpenAI SDK', () => {
  it('answers a non-streaming request with a chat.completion and exact usage', async () => {
    const before = mock.requests.length;
    const c = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(c.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(c.object).toBe('chat.completion');
    expect(c.model).toBe('gpt-4o-mini');
    expect(c.system_fingerprint).toMatch(/^fp_/);
    expect(c.choices[0]?.message).toEqual({ role: 'assistant', content: 'Echo: hello there world', refusal: null, annotations: [] });
    expect(c.choices[0]?.finish_reason).toBe('stop');
    // prompt: (3 words + 3) + (3 words + 3); completion: "Echo:", "hello", "there", "world"
    expect(c.usage).toEqual({
      prompt_tokens: 12,
      completion_tokens: 4,
      total_tokens: 16,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
    const rec = mock.requests[before]!;
    expect(rec).toMatchObject({ method: 'POST', path: '/v1/chat/completions', query: '' });
    expect(rec.headers.authorization).toBe('Bearer sk-mock');
    expect(rec.body).toEqual({ model: 'gpt-4o-mini', messages });
    expect(JSON.parse(rec.rawBody)).toEqual(rec.body);
  });

  it('reads the text parts of content arrays', async () => {
    const c = await client.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'one two' }, { type: 'text', text: 'three' }] }],
    });
    expect(c.choices[0]?.message.content).toBe('Echo: one two three');
    expect(c.usage?.prompt_tokens).toBe(6);
  });

  it('truncates at max_tokens or max_completion_tokens with finish_reason length', async () => {
    for (const limit of [{ max_tokens: 2 }, { max_completion_tokens: 2 }]) {
      const c = await client.chat.completions.create({ model: 'gpt-4o', messages, ...limit });
      expect(c.choices[0]?.message.content).toBe('Echo: hello');
      expect(c.choices[0]?.finish_reason).toBe('length');
      expect(c.usage?.completion_tokens).toBe(2);
    }
    const roomy = await client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 4 });
    expect(roomy.choices[0]?.finish_reason).toBe('stop');
  });

  it('reports cached tokens for a "cached" model and reasoning tokens for an o-series model', async () => {
    const cached = await client.chat.completions.create({ model: 'gpt-4o-mini-cached', messages });
    expect(cached.usage?.prompt_tokens_details?.cached_tokens).toBe(6);
    expect(normalizeOpenAiUsage(cached.usage)).toEqual({
      inputTokens: 6,
      cacheReadTokens: 6,
      cacheWriteTokens: 0,
      outputTokens: 4,
      reasoningTokens: 0,
    });
    const reasoning = await client.chat.completions.create({ model: 'o4-mini', messages });
    expect(reasoning.usage?.completion_tokens).toBe(9);
    expect(reasoning.usage?.completion_tokens_details?.reasoning_tokens).toBe(5);
    expect(normalizeOpenAiUsage(reasoning.usage)).toMatchObject({ outputTokens: 4, reasoningTokens: 5 });
  });

  it('streams chunks whose content concatenates to the non-streamed answer, then the usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: hello there world');
    expect(chunks.slice(1, 5).map((c) => c.choices[0]?.delta.content)).toEqual(['Echo:', ' hello', ' there', ' world']);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-4o-mini')).toBe(true);

    const finish = chunks[chunks.length - 2]!;
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });
});

describe('chat completions on the wire', () => {
  it('sends text/event-stream frames, each a complete event, ending with [DONE]', async () => {
    const res = await rawPost(
      '/chat/completions',
      JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    const events = await readSse(res);
    expect(events).toHaveLength(8); // role, 4 words, finish, usage, [DONE]
    expect(events.every((e) => !e.comment && e.event === undefined && /^data: .*\n\n$/s.test(e.raw))).toBe(true);
    expect(events[events.length - 1]).toEqual({ data: '[DONE]', raw: 'data: [DONE]\n\n' });
    const usageChunk = JSON.parse(events[6]!.data) as Record<string, unknown>;
    expect(usageChunk.choices).toEqual([]);
    expect(normalizeOpenAiUsage(usageChunk.usage)).toMatchObject({ inputTokens: 12, outputTokens: 4 });
  });

  it('leaves usage out of every chunk unless include_usage is set', async () => {
    const res = await rawPost('/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }));
    const events = await readSse(res);
    expect(events).toHaveLength(7); // role, 4 words, finish, [DONE]
    for (const e of events.slice(0, -1)) expect(JSON.parse(e.data)).not.toHaveProperty('usage');
  });

  it('cuts mock-cut-stream after two chunks without [DONE]', async () => {
    const stream = await client.chat.completions.create({ model: 'mock-cut-stream', messages, stream: true });
    const received: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    ).rejects.toThrow();
    expect(received).toEqual(['', 'Echo:']);
  });

  it('paces streamed chunks by chunkDelayMs', async () => {
    const slow = await startMockOpenAi({ chunkDelayMs: 40, apiKey: 'sk-slow' });
    try {
      const slowClient = new OpenAI({ apiKey: 'sk-slow', baseURL: slow.url, maxRetries: 0 });
      const arrivals: number[] = [];
      const stream = await slowClient.chat.completions.create({ model: 'gpt-4o', messages, stream: true });
      for await (const _chunk of stream) arrivals.push(performance.now());
      // 6 chunks and [DONE] sent with 6 pauses in between; a lower bound only, with slack for timer rounding.
      expect(arrivals).toHaveLength(6);
      expect(arrivals[5]! - arrivals[0]!).toBeGreaterThanOrEqual(5 * 40 * 0.9);
    } finally {
      await slow.close();
    }
  });
});

describe('embeddings and models', () => {
  it('embeds a string, decoded by the SDK from its default base64 encoding', async () => {
    const before = mock.requests.length;
    const e = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'the quick brown fox' });
    expect((mock.requests[before]!.body as Record<string, unknown>).encoding_format).toBe('base64');
    expect(e.object).toBe('list');
    expect(e.model).toBe('text-embedding-3-small');
    expect(e.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    expect(e.data).toHaveLength(1);
    expect(e.data[0]).toMatchObject({ object: 'embedding', index: 0 });
    const v = e.data[0]!.embedding;
    expect(v).toHaveLength(8);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);

    const asFloats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'the quick brown fox',
      encoding_format: 'float',
    });
    expect(asFloats.data[0]!.embedding).toEqual(v);
  });

  it('embeds an array of strings, one vector each, in order', async () => {
    const e = await client.embeddings.create({ model: 'text-embedding-3-large', input: ['a b', 'c', 'a b'] });
    expect(e.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(e.usage.prompt_tokens).toBe(5);
    expect(e.data[0]!.embedding).toEqual(e.data[2]!.embedding);
    expect(e.data[0]!.embedding).not.toEqual(e.data[1]!.embedding);
  });

  it('lists and retrieves models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) {
      expect(m.object).toBe('model');
      ids.push(m.id);
    }
    expect(ids).toEqual(expect.arrayContaining(['gpt-4o', 'o4-mini', 'text-embedding-3-small', 'mock-error-429']));
    expect(await client.models.retrieve('gpt-4o')).toMatchObject({ id: 'gpt-4o', object: 'model', owned_by: 'system' });
    const err = await expectApiError(client.models.retrieve('gpt-0'));
    expect(err.status).toBe(404);
    expect(err.code).toBe('model_not_found');
  });
});

describe('errors', () => {
  it('rejects a wrong key with 401 invalid_api_key, which the SDK raises as AuthenticationError', async () => {
    const bad = new OpenAI({ apiKey: 'sk-wrong-key-123456', baseURL: mock.url, maxRetries: 0 });
    const err = await expectApiError(bad.chat.completions.create({ model: 'gpt-4o', messages }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.error).toEqual({
      message: expect.stringMatching(/^Incorrect API key provided: sk-\*+3456\./),
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    });
  });

  it('rejects a request without a key', async () => {
    const res = await fetch(`${mock.url}/models`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/didn't provide an API key/);
  });

  it('answers mock-error-429 with retry-after and rate_limit_exceeded', async () => {
    const err = await expectApiError(client.chat.completions.create({ model: 'mock-error-429', messages }));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers?.get('retry-after')).toBe('1');
    expect(err.type).toBe('rate_limit_error');
    expect(err.code).toBe('rate_limit_exceeded');
  });

  it('answers mock-error-500 with a server_error, also when streaming is asked for', async () => {
    for (const stream of [false, true]) {
      const err = await expectApiError(client.chat.completions.create({ model: 'mock-error-500', messages, stream }));
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect(err.type).toBe('server_error');
    }
    const emb = await expectApiError(client.embeddings.create({ model: 'mock-error-500', input: 'x' }));
    expect(emb.status).toBe(500);
  });

  it('answers bad input with 400 naming the parameter', async () => {
    const cases: Array<[unknown, string]> = [
      [{ messages }, 'model'],
      [{ model: 'gpt-4o' }, 'messages'],
      [{ model: 'gpt-4o', messages: [] }, 'messages'],
      [{ model: 'gpt-4o', messages: [{ content: 'hi' }] }, 'messages[0].role'],
      [{ model: 'gpt-4o', messages, max_tokens: 0 }, 'max_tokens'],
      [{ model: 'gpt-4o', messages, stream_options: { include_usage: true } }, 'stream_options'],
    ];
    for (const [body, param] of cases) {
      const res = await rawPost('/chat/completions', JSON.stringify(body));
      expect(res.status, param).toBe(400);
      const json = (await res.json()) as { error: { type: string; param: string } };
      expect(json.error).toMatchObject({ type: 'invalid_request_error', param });
    }
    const noInput = await rawPost('/embeddings', JSON.stringify({ model: 'text-embedding-3-small' }));
    expect(((await noInput.json()) as { error: { param: string } }).error.param).toBe('input');
  });

  it('answers a body that is not JSON with 400', async () => {
    const res = await rawPost('/chat/completions', '{"model": "gpt-4o",');
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: Record<string, unknown> };
    expect(json.error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
    expect(json.error.message).toMatch(/could not parse the JSON body/);
    expect(mock.requests[mock.requests.length - 1]).toMatchObject({ rawBody: '{"model": "gpt-4o",', body: undefined });
  });

  it('answers an unknown path with 404 Invalid URL', async () => {
    const res = await rawPost('/chat/complete', '{}');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: 'Invalid URL (POST /v1/chat/complete)', type: 'invalid_request_error', param: null, code: null },
    });
  });
});

describe('lifecycle', () => {
  it('closes promptly with keep-alive connections open, and only once', async () => {
    const m = await startMockOpenAi({ apiKey: 'k' });
    expect(m.url).toBe(`http://127.0.0.1:${m.port}/v1`);
    const c = new OpenAI({ apiKey: 'k', baseURL: m.url, maxRetries: 0 });
    await c.models.list();
    await Promise.all([m.close(), m.close()]);
    await expect(fetch(`${m.url}/models`)).rejects.toThrow();
  });
});
