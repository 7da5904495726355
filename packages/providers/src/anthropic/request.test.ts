import { describe, expect, it } from 'vitest';
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { UnsupportedParameterError, type ChatRequest } from '../adapter';
import { anthropicAdapter, ANTHROPIC_VERSION } from './adapter';
import { buildAnthropicBody, DEFAULT_MAX_TOKENS, DROPPED_PARAMETERS, THINKING_BUDGETS } from './request';

const req = (r: ChatCompletionCreateParams | Record<string, unknown>): ChatRequest => r as ChatRequest;
const build = (r: ChatCompletionCreateParams | Record<string, unknown>) => buildAnthropicBody(req(r), 'claude-sonnet-4-5');
const hi = [{ role: 'user', content: 'hi' }];

function refusal(r: Record<string, unknown>): UnsupportedParameterError {
  try {
    build(r);
  } catch (err) {
    if (err instanceof UnsupportedParameterError) return err;
    throw err;
  }
  throw new Error('expected an UnsupportedParameterError');
}

describe('anthropicAdapter.buildChatRequest', () => {
  it('posts to {baseUrl}/messages with the key, the pinned version and the target model', () => {
    const request = req({ model: 'public-name', messages: hi, stream: true });
    const up = anthropicAdapter.buildChatRequest(
      { request, rawBody: JSON.stringify(request), clientWantsUsage: false },
      { baseUrl: 'https://api.anthropic.com/v1', apiKey: 'sk-ant-x', model: 'claude-haiku-4-5', settings: {} },
    );
    expect(up.url).toBe('https://api.anthropic.com/v1/messages');
    expect(up.headers).toMatchObject({ 'x-api-key': 'sk-ant-x', 'anthropic-version': ANTHROPIC_VERSION, 'content-type': 'application/json' });
    expect(ANTHROPIC_VERSION).toBe('2023-06-01');
    expect(JSON.parse(up.body)).toEqual({ model: 'claude-haiku-4-5', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'hi' }], stream: true });
  });
});

describe('buildAnthropicBody: messages', () => {
  it('hoists system and developer messages into `system`', () => {
    expect(build({ model: 'm', messages: [{ role: 'system', content: 'Be brief.' }, ...hi] }).system).toBe('Be brief.');
    const two = build({
      model: 'm',
      messages: [{ role: 'system', content: 'Be brief.' }, ...hi, { role: 'developer', content: [{ type: 'text', text: 'Use French.' }] }],
    });
    expect(two.system).toEqual([{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Use French.' }]);
    expect(two.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('turns a tool-calling conversation into tool_use and tool_result blocks with alternating turns', () => {
    const body = build({
      model: 'm',
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '21C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '25C' }] },
        { role: 'user', content: 'And in F?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_3', type: 'function', function: { name: 'convert', arguments: '' } }] },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '21C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '25C' }] },
          { type: 'text', text: 'And in F?' },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_3', name: 'convert', input: {} }] },
    ]);
  });

  it('merges consecutive turns of one role and hands signed thinking blocks back first', () => {
    const body = build({
      model: 'm',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: [{ type: 'text', text: 'b', cache_control: { type: 'ephemeral' } }] },
        { role: 'assistant', content: 'c', thinking_blocks: [{ type: 'thinking', thinking: 't', signature: 'sig' }] },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b', cache_control: { type: 'ephemeral' } }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 'sig' }, { type: 'text', text: 'c' }] },
    ]);
  });

  it('turns data-URL images into base64 blocks and http URLs into url sources', () => {
    const body = build({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect(body.messages[0]!.content).toEqual([
      { type: 'text', text: 'Compare' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('refuses content it cannot carry, naming the field', () => {
    const audio = { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] };
    expect(refusal({ model: 'm', messages: [audio] }).param).toBe('messages[0].content[0].type');
    const svg = { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/svg+xml;base64,PHN2Zz4=' } }] };
    expect(refusal({ model: 'm', messages: [svg] }).param).toBe('messages[0].content[0].image_url.url');
    const badArgs = { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] };
    expect(refusal({ model: 'm', messages: [...hi, badArgs] }).param).toBe('messages[1].tool_calls[0].function.arguments');
    expect(refusal({ model: 'm', messages: [{ role: 'function', name: 'f', content: 'x' }] }).param).toBe('messages[0].role');
  });
});

describe('buildAnthropicBody: parameters', () => {
  it('translates tools and every tool_choice form', () => {
    const tools = [
      { type: 'function', function: { name: 'weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
      { type: 'function', function: { name: 'noop' } },
    ];
    const body = build({ model: 'm', messages: hi, tools });
    expect(body.tools).toEqual([
      { name: 'weather', description: 'Weather now', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      { name: 'noop', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(body.tool_choice).toBeUndefined();
    const choice = (tool_choice: unknown, extra: Record<string, unknown> = {}) => build({ model: 'm', messages: hi, tools, tool_choice, ...extra }).tool_choice;
    expect(choice('auto')).toEqual({ type: 'auto' });
    expect(choice('none')).toEqual({ type: 'none' });
    expect(choice('required')).toEqual({ type: 'any' });
    expect(choice({ type: 'function', function: { name: 'weather' } })).toEqual({ type: 'tool', name: 'weather' });
    expect(choice('required', { parallel_tool_calls: false })).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(choice(undefined, { parallel_tool_calls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(choice('none', { parallel_tool_calls: false })).toEqual({ type: 'none' });
    expect(refusal({ model: 'm', messages: hi, tools: [{ type: 'custom', custom: { name: 'x' } }] }).param).toBe('tools[0].type');
  });

  it('maps limits, sampling, stop and user', () => {
    expect(build({ model: 'm', messages: hi }).max_tokens).toBe(4096);
    expect(build({ model: 'm', messages: hi, max_tokens: 50 }).max_tokens).toBe(50);
    expect(build({ model: 'm', messages: hi, max_tokens: 50, max_completion_tokens: 70 }).max_tokens).toBe(70);
    const body = build({ model: 'm', messages: hi, temperature: 0.2, top_p: 0.9, stop: 'END', user: 'u-1' });
    expect(body).toMatchObject({ temperature: 0.2, top_p: 0.9, stop_sequences: ['END'], metadata: { user_id: 'u-1' } });
    expect(build({ model: 'm', messages: hi, stop: ['a', 'b'], safety_identifier: 'h-2', user: 'u-1' })).toMatchObject({
      stop_sequences: ['a', 'b'],
      metadata: { user_id: 'h-2' },
    });
    expect(refusal({ model: 'm', messages: hi, max_tokens: 0 }).param).toBe('max_tokens');
    expect(refusal({ model: 'm', messages: hi, temperature: '0.5' }).param).toBe('temperature');
    expect(refusal({ model: 'm', messages: hi, user: 42 }).param).toBe('user');
    // Out of Anthropic's range but well-formed: Anthropic's own 400 will name it; the gateway does not clamp.
    expect(build({ model: 'm', messages: hi, temperature: 1.7, top_p: null }).temperature).toBe(1.7);
  });

  it('turns reasoning_effort into a thinking budget that fits max_tokens, and passes explicit thinking as given', () => {
    const high = build({ model: 'm', messages: hi, reasoning_effort: 'high' });
    expect(high.thinking).toEqual({ type: 'enabled', budget_tokens: THINKING_BUDGETS.high });
    // Without a caller limit the answer still gets its default room after the thinking.
    expect(high.max_tokens).toBe(DEFAULT_MAX_TOKENS + THINKING_BUDGETS.high!);
    expect(build({ model: 'm', messages: hi, reasoning_effort: 'high', max_completion_tokens: 3000 }).thinking).toEqual({ type: 'enabled', budget_tokens: 2999 });
    expect(build({ model: 'm', messages: hi, reasoning_effort: 'none' }).thinking).toBeUndefined();
    expect(refusal({ model: 'm', messages: hi, reasoning_effort: 'low', max_tokens: 1000 }).param).toBe('reasoning_effort');
    expect(refusal({ model: 'm', messages: hi, reasoning_effort: 'extreme' }).param).toBe('reasoning_effort');
    const explicit = build({ model: 'm', messages: hi, reasoning_effort: 'low', thinking: { type: 'enabled', budget_tokens: 5000 } });
    expect(explicit.thinking).toEqual({ type: 'enabled', budget_tokens: 5000 });
    expect(explicit.max_tokens).toBe(DEFAULT_MAX_TOKENS + 5000);
    expect(build({ model: 'm', messages: hi, thinking: { type: 'adaptive' } }).thinking).toEqual({ type: 'adaptive' });
  });

  it('drops exactly the listed parameters and passes unknown ones through for Anthropic to judge', () => {
    expect([...DROPPED_PARAMETERS].sort()).toEqual(
      [
        'frequency_penalty', 'logit_bias', 'metadata', 'presence_penalty', 'prompt_cache_key', 'prompt_cache_options',
        'prompt_cache_retention', 'seed', 'service_tier', 'store', 'stream_options', 'verbosity',
      ].sort(),
    );
    const body = build({
      model: 'm',
      messages: hi,
      frequency_penalty: 0.5,
      presence_penalty: 0.1,
      logit_bias: { '50256': -100 },
      seed: 7,
      stream: true,
      stream_options: { include_usage: true },
      store: true,
      metadata: { run: '1' },
      service_tier: 'flex',
      prompt_cache_key: 'k',
      prompt_cache_retention: '24h',
      verbosity: 'low',
      n: 1,
      logprobs: false,
      modalities: ['text'],
      parallel_tool_calls: true,
      response_format: { type: 'text' },
      top_k: 40,
      some_future_param: { x: 1 },
    });
    expect(body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: DEFAULT_MAX_TOKENS,
      messages: [{ role: 'user', content: 'hi' }],
      top_k: 40,
      some_future_param: { x: 1 },
      stream: true,
    });
  });

  it('refuses what Anthropic cannot give, naming the parameter', () => {
    expect(refusal({ model: 'm', messages: hi, n: 2 }).param).toBe('n');
    expect(refusal({ model: 'm', messages: hi, logprobs: true }).param).toBe('logprobs');
    expect(refusal({ model: 'm', messages: hi, top_logprobs: 3 }).param).toBe('top_logprobs');
    expect(refusal({ model: 'm', messages: hi, modalities: ['text', 'audio'] }).param).toBe('modalities');
    expect(refusal({ model: 'm', messages: hi, audio: { voice: 'alloy', format: 'mp3' } }).param).toBe('audio');
    expect(refusal({ model: 'm', messages: hi, functions: [{ name: 'f' }] }).param).toBe('functions');
    expect(refusal({ model: 'm', messages: hi, response_format: { type: 'json_object' } }).param).toBe('response_format');
    expect(refusal({ model: 'm', messages: hi, tool_choice: { type: 'allowed_tools', allowed_tools: {} } }).param).toBe('tool_choice');
    expect(refusal({ model: 'm', messages: hi, n: 2 }).message).toMatch(/one choice/);
  });

  it('turns a json_schema response format into output_config.format', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const body = build({ model: 'm', messages: hi, response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } } });
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } });
  });
});
