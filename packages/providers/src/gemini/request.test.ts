import { describe, expect, it } from 'vitest';
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { UnsupportedParameterError, type ChatCall, type ChatRequest } from '../adapter';
import { buildGeminiRequest, modelPath } from './adapter';
import { DROPPED_PARAMETERS, THINKING_BUDGETS, toGeminiRequest } from './request';

const req = (params: Partial<ChatCompletionCreateParams> & Record<string, unknown>): ChatRequest =>
  ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...params }) as ChatRequest;

function thrown(fn: () => unknown): UnsupportedParameterError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UnsupportedParameterError);
    return err as UnsupportedParameterError;
  }
  throw new Error('expected a throw');
}

describe('buildGeminiRequest', () => {
  const target = { baseUrl: 'https://generativelanguage.googleapis.com/v1beta', apiKey: 'AIza-test', model: 'gemini-2.5-flash', settings: {} };
  const call = (request: ChatRequest): ChatCall => ({ request, rawBody: JSON.stringify(request), clientWantsUsage: false });

  it('posts to generateContent, or streamGenerateContent with alt=sse, with the key in x-goog-api-key', () => {
    const plain = buildGeminiRequest(call(req({})), target);
    expect(plain.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
    expect(plain.headers['x-goog-api-key']).toBe('AIza-test');
    expect(plain.headers.authorization).toBeUndefined();
    const streamed = buildGeminiRequest(call(req({ stream: true })), target);
    expect(streamed.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    // The model and the stream flag choose the URL: neither is a Gemini body field.
    expect(JSON.parse(streamed.body)).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  });

  it('keeps a full resource name and escapes what a path segment cannot hold', () => {
    expect(modelPath('models/gemini-2.0-flash')).toBe('models/gemini-2.0-flash');
    expect(modelPath('tunedModels/my-model')).toBe('tunedModels/my-model');
    expect(modelPath('gemini 2?x')).toBe('models/gemini%202%3Fx');
  });
});

describe('messages → systemInstruction and contents', () => {
  it('moves system and developer text out of the conversation and renames assistant to model', () => {
    const body = toGeminiRequest(
      req({
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hello' },
          { role: 'assistant', content: 'Bonjour' },
          { role: 'user', content: [{ type: 'text', text: 'How are ' }, { type: 'text', text: 'you?' }] },
        ],
      }),
    );
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be terse.' }, { text: 'Answer in French.' }] });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Hello' }] },
      { role: 'model', parts: [{ text: 'Bonjour' }] },
      { role: 'user', parts: [{ text: 'How are ' }, { text: 'you?' }] },
    ]);
  });

  it('turns a tool round trip into functionCall and functionResponse parts, naming each function', () => {
    const body = toGeminiRequest(
      req({
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'noon' },
          { role: 'tool', tool_call_id: 'call_0', content: '{"temp":21}' },
          { role: 'assistant', content: 'Sunny, 21°C, at noon.' },
          { role: 'user', content: 'And Oslo?' },
          // The next answer's ids start again at call_0: the latest assistant call with the id names it.
          { role: 'assistant', tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'get_forecast', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'call_0', content: [{ type: 'text', text: 'snow' }] },
        ],
      }),
    );
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'get_time', args: {} } }],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_time', response: { output: 'noon' } } },
          { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
        ],
      },
      { role: 'model', parts: [{ text: 'Sunny, 21°C, at noon.' }] },
      { role: 'user', parts: [{ text: 'And Oslo?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_forecast', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_forecast', response: { output: 'snow' } } }] },
    ]);
  });

  it('sends the thought signature Gemini gave a call back on that call', () => {
    const body = toGeminiRequest(
      req({
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'f', arguments: '{}' }, extra_content: { google: { thought_signature: 'c2ln' } } }] },
          { role: 'tool', tool_call_id: 'call_0', content: 'ok' },
        ] as ChatCompletionCreateParams['messages'],
      }),
    );
    expect(body.contents[1]).toEqual({ role: 'model', parts: [{ functionCall: { name: 'f', args: {} }, thoughtSignature: 'c2ln' }] });
  });

  it('refuses, naming the field, what cannot be translated', () => {
    expect(thrown(() => toGeminiRequest(req({ messages: [{ role: 'tool', tool_call_id: 'call_9', content: 'x' }] }))).param).toBe(
      'messages[0].tool_call_id',
    );
    const badArgs = req({
      messages: [{ role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{not json' } }] }],
    });
    expect(thrown(() => toGeminiRequest(badArgs)).param).toBe('messages[0].tool_calls[0].function.arguments');
    expect(thrown(() => toGeminiRequest(req({ messages: [{ role: 'critic', content: 'x' }] as never }))).param).toBe('messages[0].role');
    const fileId = req({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] });
    expect(thrown(() => toGeminiRequest(fileId)).param).toBe('messages[0].content[0].file');
  });

  it('sends images, audio and files inline from data URLs, and other URLs as fileData', () => {
    const body = toGeminiRequest(
      req({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.JPG?size=2' } },
              { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
              { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
            ],
          },
        ],
      }),
    );
    expect(body.contents[0]!.parts).toEqual([
      { text: 'What is this?' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.JPG?size=2' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
    ]);
  });
});

describe('tools and tool_choice', () => {
  const weather = {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      strict: true,
      parameters: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        additionalProperties: false,
        properties: { city: { type: 'string', format: 'email' }, examples: { type: ['string', 'null'] }, when: { type: 'string', format: 'date-time' } },
        required: ['city'],
      },
    },
  };

  it('declares functions with the JSON-Schema keywords Gemini rejects stripped, property names kept', () => {
    const body = toGeminiRequest(req({ tools: [weather] }));
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string' }, examples: { type: 'string', nullable: true }, when: { type: 'string', format: 'date-time' } },
              required: ['city'],
            },
          },
        ],
      },
    ]);
    expect(body.toolConfig).toBeUndefined();
  });

  it('maps every tool_choice to functionCallingConfig', () => {
    const second = { type: 'function' as const, function: { name: 'get_time' } };
    const config = (tool_choice: unknown) => toGeminiRequest(req({ tools: [weather, second], tool_choice } as never)).toolConfig;
    expect(config('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(config('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(config('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(config({ type: 'function', function: { name: 'get_time' } })).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] },
    });
    const allowed = (mode: string) => ({ type: 'allowed_tools', allowed_tools: { mode, tools: [{ type: 'function', function: { name: 'get_time' } }] } });
    expect(config(allowed('required'))).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } });
    // Gemini takes a name list only with ANY: in auto mode the other functions are simply not offered.
    const auto = toGeminiRequest(req({ tools: [weather, second], tool_choice: allowed('auto') } as never));
    expect(auto.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(auto.tools).toEqual([{ functionDeclarations: [{ name: 'get_time' }] }]);
    expect(thrown(() => config({ type: 'custom', custom: { name: 'x' } })).param).toBe('tool_choice');
  });

  it('refuses tools that are not functions', () => {
    expect(thrown(() => toGeminiRequest(req({ tools: [{ type: 'custom', custom: { name: 'grammar' } }] } as never))).param).toBe('tools[0]');
  });
});

describe('generation parameters', () => {
  it('maps sampling, length, stop, n, seed and penalties into generationConfig', () => {
    const body = toGeminiRequest(
      req({ temperature: 0.3, top_p: 0.9, max_tokens: 50, stop: 'END', n: 2, seed: 7, presence_penalty: 0.5, frequency_penalty: -0.5 }),
    );
    expect(body.generationConfig).toEqual({
      temperature: 0.3,
      topP: 0.9,
      maxOutputTokens: 50,
      stopSequences: ['END'],
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
    });
    // max_completion_tokens is the newer name and wins; null means "the default".
    expect(toGeminiRequest(req({ max_tokens: 50, max_completion_tokens: 80, temperature: null, stop: ['a', 'b'] })).generationConfig).toEqual({
      maxOutputTokens: 80,
      stopSequences: ['a', 'b'],
    });
  });

  it('asks for JSON, with the schema made Gemini-shaped', () => {
    expect(toGeminiRequest(req({ response_format: { type: 'json_object' } })).generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(toGeminiRequest(req({ response_format: { type: 'text' } })).generationConfig).toBeUndefined();
    const body = toGeminiRequest(
      req({
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'answer',
            strict: true,
            schema: {
              type: 'object',
              $defs: { Unit: { type: 'string', enum: ['C', 'F'] } },
              properties: { temp: { type: 'number' }, unit: { $ref: '#/$defs/Unit', description: 'unit' }, kind: { const: 'reading' } },
              required: ['temp', 'unit', 'kind'],
              additionalProperties: false,
            },
          },
        },
      }),
    );
    expect(body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'object',
        properties: { temp: { type: 'number' }, unit: { type: 'string', enum: ['C', 'F'], description: 'unit' }, kind: { enum: ['reading'] } },
        required: ['temp', 'unit', 'kind'],
      },
    });
  });

  it('turns reasoning_effort into a thinking budget with thought summaries', () => {
    expect(toGeminiRequest(req({ reasoning_effort: 'low' })).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    expect(toGeminiRequest(req({ reasoning_effort: 'high' })).generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 24576, includeThoughts: true });
    expect(toGeminiRequest(req({ reasoning_effort: 'none' })).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 0 } });
    expect(THINKING_BUDGETS.medium).toBe(8192);
    expect(thrown(() => toGeminiRequest(req({ reasoning_effort: 'extreme' } as never))).param).toBe('reasoning_effort');
  });
});

describe('parameters Gemini cannot take', () => {
  it('drops exactly the documented list', () => {
    expect(Object.keys(DROPPED_PARAMETERS).sort()).toEqual(
      ['logit_bias', 'metadata', 'parallel_tool_calls', 'prompt_cache_key', 'safety_identifier', 'service_tier', 'store', 'stream_options', 'user'].sort(),
    );
    const body = toGeminiRequest(
      req({
        logit_bias: { '50256': -100 },
        user: 'u-1',
        safety_identifier: 'h',
        stream_options: { include_usage: true },
        parallel_tool_calls: false,
        service_tier: 'flex',
        store: true,
        metadata: { a: 'b' },
        prompt_cache_key: 'k',
      }),
    );
    expect(body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  });

  it('sends anything else to Gemini as it came, so Gemini answers for it (or uses it, if it is a Gemini field)', () => {
    const body = toGeminiRequest(
      req({
        logprobs: true,
        safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
        generationConfig: { topK: 40, temperature: 1 },
        temperature: 0.2,
      }),
    );
    expect(body.logprobs).toBe(true);
    expect(body.safetySettings).toEqual([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }]);
    // A native generationConfig is merged; the OpenAI parameter wins a clash.
    expect(body.generationConfig).toEqual({ topK: 40, temperature: 0.2 });
    expect(thrown(() => toGeminiRequest(req({ contents: [] }))).param).toBe('contents');
  });
});
