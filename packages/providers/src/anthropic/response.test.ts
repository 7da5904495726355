import { describe, expect, it } from 'vitest';
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { totalInputTokens } from '@tollgate/domain';
import { UpstreamFormatError } from '../adapter';
import { translateAnthropicError } from './errors';
import { finishReasonOf, translateAnthropicResponse, type AnthropicChatCompletion } from './response';
import { normalizeAnthropicUsage } from './usage';

const usage = (u: Partial<Message['usage']>): Message['usage'] => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: null,
  cache_read_input_tokens: null,
  cache_creation: null,
  inference_geo: null,
  output_tokens_details: null,
  server_tool_use: null,
  service_tier: 'standard',
  speed: null,
  ...u,
});

const message = (m: Partial<Message>): Message => ({
  id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [],
  stop_reason: 'end_turn',
  stop_sequence: null,
  stop_details: null,
  container: null,
  diagnostics: null,
  usage: usage({ input_tokens: 10, output_tokens: 5 }),
  ...m,
});

const translate = (m: Message) => {
  const t = translateAnthropicResponse(Buffer.from(JSON.stringify(m)));
  return { ...t, completion: JSON.parse(String(t.body)) as AnthropicChatCompletion };
};

describe('translateAnthropicResponse', () => {
  it('answers a text message as a chat.completion', () => {
    const { completion, model } = translate(message({ content: [{ type: 'text', text: 'Hello!', citations: null }] }));
    expect(model).toBe('claude-sonnet-4-5-20250929');
    expect(completion).toMatchObject({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    expect(typeof completion.created).toBe('number');
    expect(completion.choices[0]!.message.tool_calls).toBeUndefined();
    expect(completion.choices[0]!.message.reasoning_content).toBeUndefined();
  });

  it('turns tool_use blocks into tool_calls and thinking into reasoning_content with its signed blocks', () => {
    const { completion } = translate(
      message({
        stop_reason: 'tool_use',
        content: [
          { type: 'thinking', thinking: 'Two cities, ', signature: 'sig-1' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'thinking', thinking: 'two calls.', signature: 'sig-2' },
          { type: 'tool_use', id: 'toolu_01A', name: 'weather', input: { city: 'Paris' }, caller: { type: 'direct' } },
          { type: 'tool_use', id: 'toolu_01B', name: 'weather', input: { city: 'Rome', days: 2 }, caller: { type: 'direct' } },
        ],
      }),
    );
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: 'toolu_01A', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
      { id: 'toolu_01B', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome","days":2}' } },
    ]);
    expect(choice.message.reasoning_content).toBe('Two cities, two calls.');
    expect(choice.message.thinking_blocks).toEqual([
      { type: 'thinking', thinking: 'Two cities, ', signature: 'sig-1' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'thinking', thinking: 'two calls.', signature: 'sig-2' },
    ]);
  });

  it('normalises cache usage without counting it twice', () => {
    const { completion, usage: normalised } = translate(
      message({ usage: usage({ input_tokens: 100, cache_read_input_tokens: 900, cache_creation_input_tokens: 0, output_tokens: 42 }) }),
    );
    expect(normalised).toEqual({ inputTokens: 100, cacheReadTokens: 900, cacheWriteTokens: 0, outputTokens: 42, reasoningTokens: 0 });
    expect(completion.usage).toEqual({
      prompt_tokens: 1000,
      completion_tokens: 42,
      total_tokens: 1042,
      prompt_tokens_details: { cached_tokens: 900 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('maps every stop reason', () => {
    expect(finishReasonOf('end_turn')).toBe('stop');
    expect(finishReasonOf('stop_sequence')).toBe('stop');
    expect(finishReasonOf('pause_turn')).toBe('stop');
    expect(finishReasonOf('max_tokens')).toBe('length');
    expect(finishReasonOf('model_context_window_exceeded')).toBe('length');
    expect(finishReasonOf('tool_use')).toBe('tool_calls');
    expect(finishReasonOf('refusal')).toBe('content_filter');
  });

  it('rejects a body that is not an Anthropic message', () => {
    expect(() => translateAnthropicResponse(Buffer.from('<html>'))).toThrow(UpstreamFormatError);
    expect(() => translateAnthropicResponse(Buffer.from('{"type":"error"}'))).toThrow(UpstreamFormatError);
  });
});

describe('normalizeAnthropicUsage', () => {
  it('takes input, cache read and cache write as reported: Anthropic input_tokens exclude cache tokens', () => {
    const u = normalizeAnthropicUsage({ input_tokens: 12, cache_read_input_tokens: 3000, cache_creation_input_tokens: 500, output_tokens: 7 });
    expect(u).toEqual({ inputTokens: 12, cacheReadTokens: 3000, cacheWriteTokens: 500, outputTokens: 7, reasoningTokens: 0 });
    expect(totalInputTokens(u!)).toBe(3512);
  });

  it('moves reported thinking tokens out of the output count, reads null as no tokens, and marks junk (NaN) for the gateway to estimate', () => {
    expect(normalizeAnthropicUsage({ input_tokens: 5, output_tokens: 100, output_tokens_details: { thinking_tokens: 60 } })).toMatchObject({
      outputTokens: 40,
      reasoningTokens: 60,
    });
    expect(normalizeAnthropicUsage({ input_tokens: 5, cache_read_input_tokens: null, output_tokens: -3 })).toEqual({
      inputTokens: 5,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: Number.NaN,
      reasoningTokens: 0,
    });
    expect(normalizeAnthropicUsage(null)).toBeNull();
    expect(normalizeAnthropicUsage({ cache_read_input_tokens: 3 })).toBeNull();
  });
});

describe('translateAnthropicError', () => {
  const err = (status: number, type: string, message = 'm') =>
    translateAnthropicError(status, Buffer.from(JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_1' })));

  it("speaks OpenAI's error vocabulary with Anthropic's status, 529 becoming 503", () => {
    expect(err(529, 'overloaded_error', 'Overloaded')).toEqual({
      status: 503,
      body: { error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded' } },
    });
    expect(err(429, 'rate_limit_error')).toMatchObject({ status: 429, body: { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } } });
    expect(err(400, 'invalid_request_error', 'max_tokens: Field required')).toMatchObject({
      status: 400,
      body: { error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } },
    });
    expect(err(401, 'authentication_error')).toMatchObject({ status: 401, body: { error: { code: 'invalid_api_key' } } });
    expect(err(404, 'not_found_error')).toMatchObject({ status: 404, body: { error: { type: 'invalid_request_error', code: 'not_found' } } });
    expect(err(500, 'api_error')).toMatchObject({ status: 500, body: { error: { type: 'server_error' } } });
    expect(err(500, 'brand_new_error')).toMatchObject({ status: 500, body: { error: { type: 'server_error', code: 'brand_new_error' } } });
  });

  it('wraps a body that is not Anthropic JSON without echoing it', () => {
    const t = translateAnthropicError(502, Buffer.from('<html>Bad gateway</html>'));
    expect(t.status).toBe(502);
    expect(t.body.error.message).not.toMatch(/html/);
  });
});
