import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAi, type MockOpenAi } from './mock-server';

// The mock's Responses API, read by the official SDK: what the passthrough tests lean on must be OpenAI's shapes.
let mock: MockOpenAi;
let client: OpenAI;
beforeAll(async () => {
  mock = await startMockOpenAi({ apiKey: 'sk-test' });
  client = new OpenAI({ apiKey: 'sk-test', baseURL: mock.url, maxRetries: 0 });
});
afterAll(() => mock.close());

describe('the OpenAI mock: POST /v1/responses', () => {
  it('answers with a message, echoed fields and usage', async () => {
    const res = await client.responses.create({ model: 'gpt-4o-mini', instructions: 'Be brief.', input: 'hello there', metadata: { a: 'b' } });
    expect(res).toMatchObject({ object: 'response', status: 'completed', instructions: 'Be brief.', metadata: { a: 'b' }, output_text: 'Echo: hello there' });
    expect(res.id).toMatch(/^resp_/);
    expect(res.usage!.total_tokens).toBe(res.usage!.input_tokens + res.usage!.output_tokens);
  });

  it('streams the response.* events in order, numbered from 0, ending with response.completed', async () => {
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'one two' });
    const types: string[] = [];
    const numbers: number[] = [];
    for await (const event of stream) {
      types.push(event.type);
      numbers.push(event.sequence_number);
    }
    expect(types).toEqual([
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      'response.output_text.delta', 'response.output_text.delta', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
    ]);
    expect(numbers).toEqual(types.map((_t, i) => i));
    expect((await stream.finalResponse()).output_text).toBe('Echo: one two');
  });

  it('calls function tools until their output comes back, and runs web search', async () => {
    const weather = { type: 'function' as const, name: 'weather', strict: true, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } };
    const first = await client.responses.create({ model: 'gpt-4o-mini', input: 'Oslo', tools: [weather] });
    const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ type: 'function_call', name: 'weather', call_id: expect.stringMatching(/^call_/) });
    expect(JSON.parse(call.arguments)).toHaveProperty('city');
    const second = await client.responses.create({ model: 'gpt-4o-mini', tools: [weather], input: [call, { type: 'function_call_output', call_id: call.call_id, output: 'sunny' }] });
    expect(second.output_text).toBe('Echo: sunny');
    const searched = await client.responses.create({ model: 'gpt-4o-mini', input: 'news', tools: [{ type: 'web_search' }] });
    expect(searched.output[0]).toMatchObject({ type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'news' } });
  });

  it('cuts at max_output_tokens as incomplete, and refuses what OpenAI refuses by name', async () => {
    const cut = await client.responses.create({ model: 'gpt-4o-mini', input: Array(30).fill('w').join(' '), max_output_tokens: 16 });
    expect(cut).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    const err = await client.responses.create({ model: 'gpt-4o-mini', input: [] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe('input');
  });
});
