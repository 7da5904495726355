import { ProviderConfigError } from '../adapter';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCall, ProviderTarget } from '../adapter';
import { bedrockAdapter } from './adapter';
import { startMockBedrock, type MockBedrock } from './mock-server';

let mock: MockBedrock;
beforeAll(async () => {
  mock = await startMockBedrock({ accessKeyId: 'AKID', secretAccessKey: 'SECRET', region: 'us-east-1' });
});
afterAll(() => mock.close());

const target = (apiKey = 'AKID:SECRET', model = 'anthropic.claude-sonnet-4-5-20250929-v1:0'): ProviderTarget => ({ baseUrl: mock.url, apiKey, model, settings: { region: 'us-east-1' } });
const chat = (request: ChatCall['request']): ChatCall => ({ request, rawBody: JSON.stringify(request), clientWantsUsage: false });

async function send(call: ChatCall, t: ProviderTarget) {
  const up = await bedrockAdapter.buildChatRequest(call, t);
  const res = await request(up.url, { method: 'POST', headers: up.headers, body: up.body });
  return { up, status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()) };
}

describe('bedrockAdapter', () => {
  it('translates the request into a Converse body', async () => {
    const up = await bedrockAdapter.buildChatRequest(
      chat({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
          { role: 'tool', tool_call_id: 't1', content: 'ok' },
        ],
        max_tokens: 100, temperature: 0.2, top_p: 0.9, stop: 'END', seed: 1,
        tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' } } }],
        tool_choice: 'required',
      }),
      target(),
    );
    expect(up.url).toBe(`${mock.url}/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse`);
    expect(JSON.parse(up.body)).toEqual({
      messages: [
        { role: 'user', content: [{ text: 'hi' }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'f', input: { a: 1 } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'ok' }] } }] },
      ],
      system: [{ text: 'Be terse.' }],
      inferenceConfig: { maxTokens: 100, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
      toolConfig: { tools: [{ toolSpec: { name: 'f', description: 'd', inputSchema: { json: { type: 'object' } } } }], toolChoice: { any: {} } },
    });
    expect(up.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
  });

  it('needs a region: a configuration error, not the caller\'s', async () => {
    await expect(bedrockAdapter.buildChatRequest(chat({ model: 'm', messages: [] }), { ...target(), settings: {} })).rejects.toThrow(ProviderConfigError);
  });

  it('is accepted by the signature check and answers with exact usage', async () => {
    const { status, body } = await send(chat({ model: 'x', messages: [{ role: 'user', content: 'hello there' }] }), target());
    expect(status).toBe(200);
    const out = bedrockAdapter.translateChatResponse(body, chat({ model: 'x', messages: [] }), target());
    const completion = JSON.parse(String(out.body));
    expect(completion.choices[0]).toMatchObject({ message: { content: 'Echo: hello there' }, finish_reason: 'stop' });
    expect(out.usage).toEqual({ inputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 3, reasoningTokens: 0 });
  });

  it('does not double count cache tokens', async () => {
    const { body } = await send(chat({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }), target('AKID:SECRET', 'mock-cache'));
    const out = bedrockAdapter.translateChatResponse(body, chat({ model: 'x', messages: [] }), target());
    expect(out.usage).toEqual({ inputTokens: 4, cacheReadTokens: 1000, cacheWriteTokens: 200, outputTokens: 2, reasoningTokens: 0 });
    expect(JSON.parse(String(out.body)).usage).toMatchObject({ prompt_tokens: 1204, completion_tokens: 2, total_tokens: 1206 });
  });

  it('is refused with a wrong secret, and the error is translated', async () => {
    const { status, body } = await send(chat({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }), target('AKID:WRONG'));
    expect(status).toBe(403);
    expect(JSON.parse(body.toString()).message).toMatch(/signature we calculated does not match/);
    expect(bedrockAdapter.translateError(status, body)).toMatchObject({ status: 403, body: { error: { type: 'permission_error' } } });
    expect(bedrockAdapter.translateError(429, Buffer.from('{"message":"slow"}'))).toMatchObject({ status: 429, body: { error: { message: 'slow', type: 'rate_limit_error' } } });
    expect(bedrockAdapter.translateError(503, Buffer.from('{"message":"x"}')).status).toBe(502);
  });
});
