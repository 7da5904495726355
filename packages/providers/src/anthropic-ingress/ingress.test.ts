import { describe, expect, it } from 'vitest';
import { anthropicToChatRequest, IngressValidationError } from './request';
import { chatCompletionToAnthropic } from './response';
import { createUnifiedToAnthropicStream } from './stream';
import { estimateInputTokens } from './usage';

describe('Anthropic request → unified', () => {
  it('translates system, tool use and tool results, images, tools and tool_choice', () => {
    const unified = anthropicToChatRequest({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: [{ type: 'text', text: 'You are terse.' }],
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      tools: [{ name: 'weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      thinking: { type: 'enabled', budget_tokens: 8_000 },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: '…', signature: 's' }, { type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '5°C' }] }] },
      ],
    });
    expect(unified).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      stop: ['END'],
      user: 'u-1',
      reasoning_effort: 'medium',
      parallel_tool_calls: false,
      tool_choice: 'required',
      tools: [{ type: 'function', function: { name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: '5°C' },
      ],
    });
  });

  it.each([
    [{ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, 'model'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
    [{ model: 'm', max_tokens: 5, messages: [] }, 'messages'],
    [{ model: 'm', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] }, 'messages.0.role'],
    [{ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'video' }] }] }, 'messages.0.content.0.type'],
    [{ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'maybe' } }, 'tool_choice.type'],
  ])('refuses %o naming %s', (body, param) => {
    expect(() => anthropicToChatRequest(body)).toThrow(IngressValidationError);
    try {
      anthropicToChatRequest(body);
    } catch (err) {
      expect((err as IngressValidationError).param).toBe(param);
    }
  });
});

describe('unified answer → Anthropic', () => {
  it('maps content, reasoning, tool calls, finish reason and usage (cache reads out of input_tokens)', () => {
    const message = chatCompletionToAnthropic(
      {
        model: 'gpt-4o-mini-2024-07-18',
        choices: [{ finish_reason: 'tool_calls', message: { content: 'Let me check.', reasoning_content: 'think', tool_calls: [{ id: 'call_1', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] } }],
        usage: { prompt_tokens: 1000, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 900 } },
      },
      'gpt-4o-mini',
    );
    expect(message).toMatchObject({
      type: 'message',
      model: 'gpt-4o-mini-2024-07-18',
      stop_reason: 'tool_use',
      content: [
        { type: 'thinking', thinking: 'think' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Oslo' } },
      ],
      usage: { input_tokens: 100, cache_read_input_tokens: 900, output_tokens: 20 },
    });
  });

  it('streams two parallel tool calls in fragments as tool_use blocks with input_json_delta', () => {
    const convert = createUnifiedToAnthropicStream('gpt-4o-mini');
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const text = [
      chunk({ role: 'assistant', content: 'Hi' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'f', arguments: '{"x":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', function: { name: 'g', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
      `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 5 } })}\n\n`,
      'data: [DONE]\n\n',
    ].join('');
    // Feed it split at every 7 bytes: the converter is incremental.
    let out = '';
    for (let i = 0; i < text.length; i += 7) out += convert.push(text.slice(i, i + 7));
    const events = out.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.split('\n')[1]!.slice(6)));
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    expect(events[4]).toMatchObject({ index: 1, content_block: { type: 'tool_use', id: 'call_a', name: 'f' } });
    expect(events[6]).toMatchObject({ index: 1, delta: { type: 'input_json_delta', partial_json: '1}' } });
    expect(events[8]).toMatchObject({ index: 2, content_block: { type: 'tool_use', id: 'call_b', name: 'g' } });
    expect(events[11]).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { input_tokens: 10, output_tokens: 5 } });
  });
});

describe('stream usage (ADR 0023)', () => {
  const events = (out: string) => out.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.split('\n')[1]!.slice(6)));
  const text = [
    `data: ${JSON.stringify({ model: 'm', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }] })}\n\n`,
    `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 40, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 30 } } })}\n\n`,
    'data: [DONE]\n\n',
  ];
  const request = { model: 'm', messages: [{ role: 'user', content: 'a'.repeat(40) }] };

  it('opens with the provider’s counts when it sent them first, and repeats no unchanged cache count', () => {
    const provider = { inputTokens: 10, cacheReadTokens: 30, cacheWriteTokens: 5, outputTokens: 1, reasoningTokens: 0 };
    const convert = createUnifiedToAnthropicStream('m', { providerUsage: () => provider, request });
    const [start] = events(convert.push(text[0]!));
    expect(start.message.usage).toEqual({ input_tokens: 10, cache_read_input_tokens: 30, cache_creation_input_tokens: 5, output_tokens: 0 });
    provider.outputTokens = 3;
    const delta = events(convert.push(text[1]! + text[2]!)).find((e) => e.type === 'message_delta');
    expect(delta.usage).toEqual({ input_tokens: 10, cache_read_input_tokens: null, cache_creation_input_tokens: null, output_tokens: 3 });
  });

  it('opens with an estimate when the provider reports usage only at the end, and corrects it in message_delta', () => {
    const convert = createUnifiedToAnthropicStream('m', { request });
    const [start] = events(convert.push(text[0]!));
    expect(start.message.usage).toEqual({ input_tokens: estimateInputTokens(request), cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 0 });
    expect(estimateInputTokens(request)).toBe(3 + 10);
    const delta = events(convert.push(text[1]! + text[2]!)).find((e) => e.type === 'message_delta');
    expect(delta.usage).toEqual({ input_tokens: 10, cache_read_input_tokens: 30, cache_creation_input_tokens: null, output_tokens: 3 });
  });
});

describe('output_config.format → response_format', () => {
  const base = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] };
  const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };

  it('becomes a strict json_schema response format', () => {
    expect(anthropicToChatRequest({ ...base, output_config: { format: { type: 'json_schema', schema } } }).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema, strict: true },
    });
    expect(anthropicToChatRequest({ ...base, output_config: { format: null } }).response_format).toBeUndefined();
  });

  it.each([
    [{ format: { type: 'json_object' } }, 'output_config.format.type'],
    [{ format: { type: 'json_schema' } }, 'output_config.format.schema'],
    ['json', 'output_config'],
  ])('refuses %o naming %s', (output_config, param) => {
    expect(() => anthropicToChatRequest({ ...base, output_config })).toThrow(expect.objectContaining({ param }));
  });
});
