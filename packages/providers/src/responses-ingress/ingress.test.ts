import { describe, expect, it } from 'vitest';
import { IngressValidationError } from '../anthropic-ingress/request';
import { responsesToChatRequest, type ResponsesEcho } from './request';
import { chatCompletionToResponse } from './response';
import { createUnifiedToResponsesStream } from './stream';

describe('Responses request → unified', () => {
  it('translates items, instructions, tools, tool_choice, text.format, reasoning and limits', () => {
    const { request, echo } = responsesToChatRequest({
      model: 'gpt-4o-mini',
      instructions: 'You are terse.',
      input: [
        { role: 'developer', content: 'Answer in English.' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Look:' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' }] },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'hm' }] },
        { type: 'message', role: 'assistant', id: 'msg_1', status: 'completed', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
        { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call', call_id: 'call_2', name: 'weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '5°C' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: '20°C' }] },
      ],
      tools: [{ type: 'function', name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true }],
      tool_choice: { type: 'function', name: 'weather' },
      parallel_tool_calls: false,
      text: { format: { type: 'json_schema', name: 'w', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
      reasoning: { effort: 'high', summary: 'auto' },
      max_output_tokens: 500,
      temperature: 0.3,
      top_p: 0.9,
      metadata: { ticket: 't-1' },
      user: 'u-1',
      store: false,
      include: ['reasoning.encrypted_content'],
      stream: true,
    });
    expect(request).toEqual({
      model: 'gpt-4o-mini',
      stream: true,
      max_completion_tokens: 500,
      temperature: 0.3,
      top_p: 0.9,
      user: 'u-1',
      reasoning_effort: 'high',
      verbosity: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' }, strict: true } },
      parallel_tool_calls: false,
      tool_choice: { type: 'function', function: { name: 'weather' } },
      tools: [{ type: 'function', function: { name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } }],
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'system', content: 'Answer in English.' },
        { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } }] },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
            { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '5°C' },
        { role: 'tool', tool_call_id: 'call_2', content: '20°C' },
      ],
    });
    expect(echo).toMatchObject({ instructions: 'You are terse.', metadata: { ticket: 't-1' }, parallel_tool_calls: false, max_output_tokens: 500, reasoning: { effort: 'high', summary: 'auto' } });
  });

  it('reads a stored conversation (previous_response_id) before this input, and echoes store and the id', () => {
    const history = [
      { id: 'msg_1', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'weather?' }] },
      { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{}' },
    ];
    const { request, echo } = responsesToChatRequest(
      { model: 'm', previous_response_id: 'resp_1', input: [{ type: 'function_call_output', call_id: 'call_1', output: 'sunny' }] },
      { history, store: true },
    );
    expect(request.messages).toEqual([
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    ]);
    expect(echo).toMatchObject({ store: true, previous_response_id: 'resp_1' });
    // A bad item of this call's input is named by its own index, past the history.
    const bad = (() => {
      try {
        responsesToChatRequest({ model: 'm', previous_response_id: 'resp_1', input: [{ role: 'tool', content: 'x' }] }, { history });
      } catch (err) {
        return err;
      }
    })();
    expect(bad).toBeInstanceOf(IngressValidationError);
    expect((bad as IngressValidationError).param).toBe('input.0.role');
  });

  it('takes a plain string as one user message', () => {
    expect(responsesToChatRequest({ model: 'm', input: 'hi' }).request).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  });

  it.each([
    [{ input: 'x' }, 'model'],
    [{ model: 'm' }, 'input'],
    [{ model: 'm', input: [] }, 'input'],
    [{ model: 'm', input: 'x', seed: 1 }, 'seed'],
    [{ model: 'm', input: 'x', store: 'yes' }, 'store'],
    // Without the gateway's response store (no history given) there is nothing to continue from.
    [{ model: 'm', input: 'x', previous_response_id: 'resp_1' }, 'previous_response_id'],
    [{ model: 'm', input: 'x', conversation: 'conv_1' }, 'conversation'],
    [{ model: 'm', input: 'x', truncation: 'auto' }, 'truncation'],
    [{ model: 'm', input: 'x', tools: [{ type: 'file_search', vector_store_ids: ['vs'] }] }, 'tools.0.type'],
    [{ model: 'm', input: 'x', tools: [{ type: 'function' }] }, 'tools.0.name'],
    [{ model: 'm', input: 'x', tool_choice: { type: 'web_search_preview' } }, 'tool_choice.type'],
    [{ model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input.0.type'],
    [{ model: 'm', input: [{ role: 'tool', content: 'x' }] }, 'input.0.role'],
    [{ model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, 'input.0.content.0.file_id'],
    [{ model: 'm', input: [{ type: 'function_call_output', output: 'x' }] }, 'input.0.call_id'],
    [{ model: 'm', input: 'x', text: { format: { type: 'xml' } } }, 'text.format.type'],
    [{ model: 'm', input: 'x', max_output_tokens: 0 }, 'max_output_tokens'],
    [{ model: 'm', input: 'x', include: ['message.output_text.logprobs'] }, 'include.0'],
    [{ model: 'm', input: 'x', metadata: { n: 1 } }, 'metadata.n'],
  ])('refuses %o naming %s', (body, param) => {
    let error: unknown;
    try {
      responsesToChatRequest(body);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(IngressValidationError);
    expect((error as IngressValidationError).param).toBe(param);
  });
});

const echo: ResponsesEcho = responsesToChatRequest({ model: 'gpt-4o-mini', input: 'x' }).echo;

describe('unified answer → Responses object', () => {
  it('maps reasoning, text, tool calls and usage (cached and reasoning tokens inside the totals)', () => {
    const response = chatCompletionToResponse(
      {
        model: 'gpt-4o-mini-2024-07-18',
        created: 1_700_000_000,
        choices: [{ finish_reason: 'tool_calls', message: { content: 'Let me check.', reasoning_content: 'think', tool_calls: [{ id: 'call_1', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] } }],
        usage: { prompt_tokens: 1000, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 900 }, completion_tokens_details: { reasoning_tokens: 5 } },
      },
      echo,
    );
    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      created_at: 1_700_000_000,
      model: 'gpt-4o-mini-2024-07-18',
      store: false,
      incomplete_details: null,
      output: [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'think' }] },
        { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Let me check.', annotations: [] }] },
        { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}', status: 'completed' },
      ],
      output_text: 'Let me check.',
      usage: { input_tokens: 1000, input_tokens_details: { cached_tokens: 900 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 5 }, total_tokens: 1020 },
    });
    expect(response.id).toMatch(/^resp_[0-9a-f]{48}$/);
  });

  it('says why a cut answer is incomplete', () => {
    const response = chatCompletionToResponse({ choices: [{ finish_reason: 'length', message: { content: 'Echo:' } }] }, echo);
    expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ type: 'message', status: 'incomplete' }] });
  });
});

const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const usageChunk = `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 5 } })}\n\n`;

/** Feeds the text split every 7 bytes (the converter is incremental) and parses the events it wrote. */
function run(text: string): Array<Record<string, any>> {
  const convert = createUnifiedToResponsesStream(echo);
  let out = '';
  for (let i = 0; i < text.length; i += 7) out += convert.push(text.slice(i, i + 7));
  return out.split('\n\n').filter(Boolean).map((e) => {
    const [name, data] = e.split('\n');
    const parsed = JSON.parse(data!.slice(6));
    expect(name).toBe(`event: ${parsed.type}`);
    return parsed;
  });
}

describe('unified stream → Responses events', () => {
  it('streams reasoning, text and two tool calls as items with numbered events, then the completed response with usage', () => {
    const events = run(
      [
        chunk({ role: 'assistant', reasoning_content: 'hm' }),
        chunk({ content: 'Hi' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'f', arguments: '{"x":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', function: { name: 'g', arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
        usageChunk,
        'data: [DONE]\n\n',
      ].join(''),
    );
    expect(events.map((e) => e.type)).toEqual([
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.reasoning_summary_part.added', 'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta',
      'response.function_call_arguments.done', 'response.output_item.done',
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_e, i) => i));
    expect(events[0]!.response).toMatchObject({ status: 'in_progress', output: [] });
    expect(events[14]).toMatchObject({ output_index: 2, item: { type: 'function_call', call_id: 'call_a', name: 'f', arguments: '', status: 'in_progress' } });
    expect(events[17]).toMatchObject({ output_index: 2, name: 'f', arguments: '{"x":1}' });
    const completed = events.at(-1)!.response;
    expect(completed).toMatchObject({
      status: 'completed',
      output: [
        { type: 'reasoning', summary: [{ text: 'hm' }] },
        { type: 'message', content: [{ type: 'output_text', text: 'Hi' }] },
        { type: 'function_call', call_id: 'call_a', arguments: '{"x":1}' },
        { type: 'function_call', call_id: 'call_b', arguments: '{}' },
      ],
      usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
    });
  });

  it('ends a cut answer with response.incomplete', () => {
    const events = run(chunk({ content: 'Echo:' }) + chunk({}, 'length') + usageChunk + 'data: [DONE]\n\n');
    expect(events.at(-1)).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } });
    expect(events.at(-2)).toMatchObject({ type: 'response.output_item.done', item: { status: 'incomplete' } });
  });

  it('ends a failed stream with response.failed, then an error event the SDKs raise on', () => {
    const events = run(chunk({ content: 'Hi' }) + `data: ${JSON.stringify({ error: { message: 'Overloaded', type: 'server_error' } })}\n\n` + 'data: [DONE]\n\n');
    expect(events.slice(-2)).toMatchObject([
      { type: 'response.failed', response: { status: 'failed', error: { code: 'server_error', message: 'Overloaded' } } },
      { type: 'error', code: 'server_error', message: 'Overloaded', param: null, error: { message: 'Overloaded' } },
    ]);
    expect(events.filter((e) => e.type === 'response.completed')).toHaveLength(0);
  });
});
