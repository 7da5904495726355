import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSseParser } from '../sse/parser';
import type { ChatCall, ChatRequest } from '../adapter';
import { geminiAdapter } from './adapter';
import { startMockGemini, type MockGemini } from './mock-server';
import type { GeminiErrorBody, GeminiResponse } from './wire';

let mock: MockGemini;
beforeAll(async () => {
  mock = await startMockGemini({ apiKey: 'AIza-mock' });
});
afterAll(async () => {
  await mock.close();
});

const user = (text: string) => ({ contents: [{ role: 'user', parts: [{ text }] }] });

async function post(path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': 'AIza-mock' }): Promise<Response> {
  return fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function expectError(res: Response, status: number, rpcStatus: string, message: RegExp): Promise<GeminiErrorBody['error']> {
  expect(res.status).toBe(status);
  const { error } = (await res.json()) as GeminiErrorBody;
  expect(error).toMatchObject({ code: status, status: rpcStatus });
  expect(error.message).toMatch(message);
  return error;
}

async function sseData(res: Response): Promise<{ raw: string; events: unknown[] }> {
  const parser = createSseParser();
  let raw = '';
  const events: unknown[] = [];
  for await (const part of res.body!) {
    raw += Buffer.from(part).toString('utf8');
    for (const e of parser.push(part)) events.push(JSON.parse(e.data));
  }
  return { raw, events };
}

describe('generateContent', () => {
  it('echoes the last user text with exact usage, the model version and a response id', async () => {
    const res = await post('/models/gemini-2.5-flash:generateContent', {
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      ...user('hello there gemini'),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as GeminiResponse;
    expect(body.candidates).toEqual([{ content: { parts: [{ text: 'Echo: hello there gemini' }], role: 'model' }, finishReason: 'STOP', index: 0 }]);
    // 2 system words + (3 + 3 words) for the one content; 4 answer words.
    expect(body.usageMetadata).toEqual({ promptTokenCount: 8, candidatesTokenCount: 4, totalTokenCount: 12, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }] });
    expect(body.modelVersion).toBe('gemini-2.5-flash');
    expect(body.responseId).toMatch(/^[\w-]{23}$/);
    expect(mock.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1beta/models/gemini-2.5-flash:generateContent', query: '' });
  });

  it('reports cached tokens, thinking, JSON, length limits and several candidates when asked', async () => {
    const cached = (await (await post('/models/gemini-2.5-flash-cached:generateContent', user('one two three four five'))).json()) as GeminiResponse;
    expect(cached.usageMetadata).toMatchObject({ promptTokenCount: 8, cachedContentTokenCount: 4 });

    const thinking = { generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } }, ...user('why') };
    const thought = (await (await post('/models/gemini-2.5-flash:generateContent', thinking)).json()) as GeminiResponse;
    expect(thought.candidates![0]!.content!.parts).toEqual([{ text: 'Thinking about "why".', thought: true }, { text: 'Echo: why' }]);
    expect(thought.usageMetadata).toMatchObject({ thoughtsTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 4 + 2 + 3 });
    const silent = { generationConfig: { thinkingConfig: { thinkingBudget: 1024 } }, ...user('why') };
    const hidden = (await (await post('/models/gemini-2.5-flash:generateContent', silent)).json()) as GeminiResponse;
    expect(hidden.candidates![0]!.content!.parts).toEqual([{ text: 'Echo: why' }]);
    expect(hidden.usageMetadata!.thoughtsTokenCount).toBe(3);

    const json = (await (await post('/models/gemini-2.5-flash:generateContent', { generationConfig: { responseMimeType: 'application/json' }, ...user('hi') })).json()) as GeminiResponse;
    expect(JSON.parse(json.candidates![0]!.content!.parts![0]!.text!)).toEqual({ echo: 'hi' });

    const limited = (await (await post('/models/gemini-2.5-flash:generateContent', { generationConfig: { maxOutputTokens: 2, candidateCount: 2 }, ...user('a b c d') })).json()) as GeminiResponse;
    expect(limited.candidates!.map((c) => [c.index, c.content!.parts![0]!.text, c.finishReason])).toEqual([
      [0, 'Echo: a', 'MAX_TOKENS'],
      [1, 'Echo: a', 'MAX_TOKENS'],
    ]);
    expect(limited.usageMetadata!.candidatesTokenCount).toBe(4);
  });

  it('calls the first allowed function when tools are declared, and reads function results back', async () => {
    const tools = [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] } }, { name: 'noop' }] }];
    const called = (await (await post('/models/gemini-2.5-flash:generateContent', { tools, ...user('Paris') })).json()) as GeminiResponse;
    expect(called.candidates![0]).toMatchObject({ content: { parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris', days: 1 } } }] }, finishReason: 'STOP' });
    const forced = { tools, toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['noop'] } }, ...user('x') };
    expect(((await (await post('/models/gemini-2.5-flash:generateContent', forced)).json()) as GeminiResponse).candidates![0]!.content!.parts![0]!.functionCall!.name).toBe('noop');
    const answered = {
      tools,
      contents: [
        { role: 'user', parts: [{ text: 'Paris' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }] },
      ],
    };
    const result = (await (await post('/models/gemini-2.5-flash:generateContent', answered)).json()) as GeminiResponse;
    expect(result.candidates![0]!.content!.parts).toEqual([{ text: 'Result: get_weather={"temp":21}' }]);
  });
});

describe('authentication and validation, in Gemini words', () => {
  it('refuses a missing key with 403 and a wrong one with 400 API_KEY_INVALID; accepts ?key=', async () => {
    await expectError(await post('/models/gemini-2.5-flash:generateContent', user('x'), {}), 403, 'PERMISSION_DENIED', /unregistered callers/);
    const wrong = await expectError(await post('/models/gemini-2.5-flash:generateContent', user('x'), { 'x-goog-api-key': 'nope' }), 400, 'INVALID_ARGUMENT', /API key not valid/);
    expect(wrong.details![0]).toMatchObject({ reason: 'API_KEY_INVALID' });
    expect((await post('/models/gemini-2.5-flash:generateContent?key=AIza-mock', user('x'), {})).status).toBe(200);
  });

  it('names unknown fields, schema keywords Gemini rejects, bad roles and empty contents', async () => {
    const path = '/models/gemini-2.5-flash:generateContent';
    await expectError(await post(path, { ...user('x'), logprobs: true }), 400, 'INVALID_ARGUMENT', /Unknown name "logprobs": Cannot find field/);
    await expectError(await post(path, { ...user('x'), generationConfig: { top_p: 1 } }), 400, 'INVALID_ARGUMENT', /Unknown name "top_p" at 'generation_config'/);
    const schema = { type: 'object', additionalProperties: false, properties: {} };
    await expectError(
      await post(path, { ...user('x'), tools: [{ functionDeclarations: [{ name: 'f', parameters: schema }] }] }),
      400,
      'INVALID_ARGUMENT',
      /Unknown name "additionalProperties" at 'tools\[0\]\.function_declarations\[0\]\.parameters'/,
    );
    await expectError(await post(path, { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }), 400, 'INVALID_ARGUMENT', /valid role: user, model/);
    await expectError(await post(path, { contents: [] }), 400, 'INVALID_ARGUMENT', /contents is not specified/);
    await expectError(await post(path, { ...user('x'), generationConfig: { temperature: 'hot' } }), 400, 'INVALID_ARGUMENT', /generation_config\.temperature/);
    await expectError(await post(path, '{not json'), 400, 'INVALID_ARGUMENT', /Invalid JSON payload/);
  });

  it('fails on demand by model name', async () => {
    await expectError(await post('/models/mock-error-429:generateContent', user('x')), 429, 'RESOURCE_EXHAUSTED', /quota/);
    await expectError(await post('/models/mock-error-500:generateContent', user('x')), 500, 'INTERNAL', /internal error/);
    await expectError(await post('/models/gpt-4o:generateContent', user('x')), 404, 'NOT_FOUND', /models\/gpt-4o is not found/);
  });
});

describe('streamGenerateContent', () => {
  it('streams SSE with CRLF line ends, running usage, and the finish reason on the last chunk', async () => {
    const res = await post('/models/gemini-2.5-flash:streamGenerateContent?alt=sse', user('one two three four five'));
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const { raw, events } = await sseData(res);
    expect(raw.startsWith('data: {')).toBe(true);
    expect(raw.endsWith('}\r\n\r\n')).toBe(true);
    const chunks = events as GeminiResponse[];
    expect(chunks.map((c) => c.candidates![0]!.content!.parts![0]!.text).join('')).toBe('Echo: one two three four five');
    expect(chunks.map((c) => c.candidates![0]!.finishReason ?? null)).toEqual([null, null, 'STOP']);
    expect(chunks.map((c) => c.usageMetadata!.candidatesTokenCount)).toEqual([2, 4, 6]);
  });

  it('answers a JSON array without alt=sse', async () => {
    const res = await post('/models/gemini-2.5-flash:streamGenerateContent', user('hi'));
    const chunks = (await res.json()) as GeminiResponse[];
    expect(chunks.at(-1)!.candidates![0]!.finishReason).toBe('STOP');
  });

  it('cuts a stream before its finish reason, or sends an error object, on demand', async () => {
    const cut = await post('/models/mock-cut-stream:streamGenerateContent?alt=sse', user('a b c d e f g h'));
    const parser = createSseParser();
    const seen: GeminiResponse[] = [];
    await expect(
      (async () => {
        for await (const part of cut.body!) for (const e of parser.push(part)) seen.push(JSON.parse(e.data));
      })(),
    ).rejects.toThrow();
    expect(seen.length).toBe(2);
    expect(seen.every((c) => !c.candidates![0]!.finishReason)).toBe(true);

    const { events } = await sseData(await post('/models/mock-stream-error:streamGenerateContent?alt=sse', user('a b c d')));
    expect(events.at(-1)).toMatchObject({ error: { code: 500, status: 'INTERNAL' } });
  });

  it('records a client that went away mid-stream', async () => {
    const slow = await startMockGemini({ apiKey: 'k', chunkDelayMs: 50 });
    try {
      const controller = new AbortController();
      const res = await fetch(`${slow.url}/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
        method: 'POST',
        headers: { 'x-goog-api-key': 'k' },
        body: JSON.stringify(user('a b c d e f g h i j')),
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      await new Promise((r) => setTimeout(r, 150));
      expect(slow.requests[0]!.closedEarly).toBe(true);
    } finally {
      await slow.close();
    }
  });
});

describe('the adapter against the mock', () => {
  const target = () => ({ baseUrl: mock.url, apiKey: 'AIza-mock', model: 'gemini-2.5-flash', settings: {} });
  const chatCall = (request: Record<string, unknown>): ChatCall => {
    const full = { model: 'gpt-4o-mini', ...request } as ChatRequest;
    return { request: full, rawBody: JSON.stringify(full), clientWantsUsage: true };
  };

  it('sends a translated request the mock accepts, tools with strict-mode schemas included', async () => {
    const call = chatCall({
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Oslo' }],
      tools: [{ type: 'function', function: { name: 'get_weather', strict: true, parameters: { type: 'object', additionalProperties: false, properties: { city: { type: ['string', 'null'] } }, required: ['city'] } } }],
      reasoning_effort: 'low',
      max_completion_tokens: 100,
      user: 'u-1',
    });
    const upstream = geminiAdapter.buildChatRequest(call, target());
    const res = await fetch(upstream.url, { method: 'POST', headers: upstream.headers, body: upstream.body });
    expect(res.status).toBe(200);
    const out = geminiAdapter.translateChatResponse(Buffer.from(await res.arrayBuffer()), call, target());
    const completion = JSON.parse(String(out.body));
    expect(completion.choices[0].message.tool_calls[0]).toMatchObject({ id: expect.stringMatching(/^call_[A-Za-z0-9]{24}$/), function: { name: 'get_weather', arguments: '{"city":"Oslo"}' }, extra_content: { google: { thought_signature: expect.any(String) } } });
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(out.usage!.reasoningTokens).toBeGreaterThan(0);
  });
});
