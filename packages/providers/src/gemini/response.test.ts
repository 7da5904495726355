import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { geminiAdapter } from './adapter';
import { translateGeminiError } from './errors';
import { finishReasonOf, toChatCompletion } from './response';
import { normalizeGeminiUsage, openAiUsageOf } from './usage';
import type { GeminiResponse } from './wire';

const target = { baseUrl: 'http://x/v1beta', apiKey: 'k', model: 'gemini-2.5-flash', settings: {} };
const call = { request: { model: 'gpt-4o-mini', messages: [] }, rawBody: '{}', clientWantsUsage: false };
/** Gemini gives function calls no id: the gateway's are OpenAI-like (`call_` and 24 random characters). */
const toolCallId = expect.stringMatching(/^call_[A-Za-z0-9]{24}$/);
const translate = (response: GeminiResponse) => {
  const out = geminiAdapter.translateChatResponse(Buffer.from(JSON.stringify(response)), call, target);
  return { ...out, completion: JSON.parse(String(out.body)) as ChatCompletion & { choices: Array<{ message: { reasoning_content?: string } }> } };
};

describe('usage', () => {
  it('splits cached tokens out of the prompt and keeps thoughts apart from the answer (no double count)', () => {
    const meta = { promptTokenCount: 1000, cachedContentTokenCount: 600, candidatesTokenCount: 50, thoughtsTokenCount: 200, totalTokenCount: 1250 };
    expect(normalizeGeminiUsage(meta)).toEqual({ inputTokens: 400, cacheReadTokens: 600, cacheWriteTokens: 0, outputTokens: 50, reasoningTokens: 200 });
    expect(openAiUsageOf(meta)).toEqual({
      prompt_tokens: 1000,
      completion_tokens: 250,
      total_tokens: 1250,
      prompt_tokens_details: { cached_tokens: 600 },
      completion_tokens_details: { reasoning_tokens: 200 },
    });
  });

  it('reports nothing for missing metadata, clamps the cached part to the prompt, and marks a negative count (NaN) for the gateway to estimate', () => {
    expect(normalizeGeminiUsage(undefined)).toBeNull();
    expect(normalizeGeminiUsage({})).toBeNull();
    expect(normalizeGeminiUsage({ promptTokenCount: 10, cachedContentTokenCount: 30, candidatesTokenCount: -4 })).toEqual({
      inputTokens: 0,
      cacheReadTokens: 10,
      cacheWriteTokens: 0,
      outputTokens: Number.NaN,
      reasoningTokens: 0,
    });
  });
});

describe('translateChatResponse', () => {
  it('joins text parts, moves thoughts to reasoning_content, and reports model and usage', () => {
    const { completion, usage, model } = translate({
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'Let me think.', thought: true }, { text: 'Hello, ' }, { text: 'world.' }] },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 3, thoughtsTokenCount: 9, totalTokenCount: 24 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'abc123',
    });
    expect(completion).toMatchObject({ id: 'chatcmpl-abc123', object: 'chat.completion', model: 'gemini-2.5-flash' });
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello, world.', refusal: null, reasoning_content: 'Let me think.' },
        logprobs: null,
        finish_reason: 'stop',
      },
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 12, total_tokens: 24 });
    expect(usage).toEqual({ inputTokens: 12, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 3, reasoningTokens: 9 });
    expect(model).toBe('gemini-2.5-flash');
  });

  it('turns function calls into tool_calls with ids of their own and finish_reason tool_calls', () => {
    const { completion } = translate({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ln' },
              { functionCall: { name: 'get_time', args: {} } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    });
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          { id: toolCallId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' }, extra_content: { google: { thought_signature: 'c2ln' } } },
          { id: toolCallId, type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
    const [first, second] = completion.choices[0]!.message.tool_calls!;
    expect(first!.id).not.toBe(second!.id);
    // No modelVersion: the target's model names the answer, and no usage is invented.
    expect(completion.model).toBe('gemini-2.5-flash');
    expect(completion.usage).toBeUndefined();
  });

  it('never gives two answers the same tool call id, so a client keeping a conversation can tell them apart', () => {
    const answer = { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'get_time', args: {} } }] }, finishReason: 'STOP' }] };
    const ids = Array.from({ length: 50 }, () => translate(answer).completion.choices[0]!.message.tool_calls![0]!.id);
    expect(new Set(ids).size).toBe(50);
    // An id Gemini does give is kept.
    const given = { candidates: [{ content: { role: 'model', parts: [{ functionCall: { id: 'fc-given-1', name: 'get_time', args: {} } }] }, finishReason: 'STOP' }] };
    expect(translate(given).completion.choices[0]!.message.tool_calls![0]!.id).toBe('fc-given-1');
  });

  it('answers every candidate as a choice, and a refused prompt as content_filter', () => {
    const { completion } = translate({
      candidates: [
        { content: { parts: [{ text: 'a' }] }, finishReason: 'STOP', index: 0 },
        { content: { parts: [{ text: 'b' }] }, finishReason: 'MAX_TOKENS', index: 1 },
      ],
    });
    expect(completion.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'a', 'stop'],
      [1, 'b', 'length'],
    ]);
    const blocked = toChatCompletion({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } }, 'm');
    expect(blocked.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' }]);
  });

  it('maps finish reasons', () => {
    expect(finishReasonOf('STOP', false)).toBe('stop');
    expect(finishReasonOf('STOP', true)).toBe('tool_calls');
    expect(finishReasonOf('MAX_TOKENS', true)).toBe('length');
    for (const r of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']) expect(finishReasonOf(r, false)).toBe('content_filter');
    expect(finishReasonOf('MALFORMED_FUNCTION_CALL', false)).toBe('stop');
  });

  it('refuses a body that is not a JSON object', () => {
    expect(() => geminiAdapter.translateChatResponse(Buffer.from('<html>'), call, target)).toThrow(/not JSON/);
    expect(() => geminiAdapter.translateChatResponse(Buffer.from('[1]'), call, target)).toThrow(/not a GenerateContentResponse/);
  });
});

describe('translateError', () => {
  const gemini = (code: number, status: string, message: string, details?: unknown[]) =>
    Buffer.from(JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } }));

  it('maps RESOURCE_EXHAUSTED to a 429 rate_limit_exceeded', () => {
    expect(translateGeminiError(429, gemini(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.'))).toEqual({
      status: 429,
      body: { error: { message: 'You exceeded your current quota.', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } },
    });
  });

  it('keeps a 400 and names the field, in OpenAI words where there is one', () => {
    const unknown = translateGeminiError(400, gemini(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unknown name "logprobs": Cannot find field.'));
    expect(unknown).toEqual({
      status: 400,
      body: { error: { message: expect.stringContaining('logprobs'), type: 'invalid_request_error', param: 'logprobs', code: 'invalid_argument' } },
    });
    const value = translateGeminiError(400, gemini(400, 'INVALID_ARGUMENT', "Invalid value at 'generation_config.temperature' (TYPE_FLOAT), \"hot\""));
    expect(value.body.error.param).toBe('temperature');
    const violation = translateGeminiError(
      400,
      gemini(400, 'INVALID_ARGUMENT', 'bad', [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'generation_config.candidate_count' }] }]),
    );
    expect(violation.body.error.param).toBe('n');
  });

  it('treats a rejected API key as the platform’s fault, not the caller’s', () => {
    const body = gemini(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }]);
    expect(translateGeminiError(400, body)).toMatchObject({ status: 502, body: { error: { code: 'upstream_auth_error' } } });
  });

  it('maps server errors and non-Gemini bodies', () => {
    expect(translateGeminiError(503, gemini(503, 'UNAVAILABLE', 'The model is overloaded.'))).toMatchObject({
      status: 503,
      body: { error: { type: 'server_error', code: 'service_unavailable', message: 'The model is overloaded.' } },
    });
    expect(translateGeminiError(404, gemini(404, 'NOT_FOUND', 'models/x is not found'))).toMatchObject({ status: 404, body: { error: { code: 'model_not_found' } } });
    expect(translateGeminiError(502, Buffer.from('<html>Bad Gateway</html>'))).toMatchObject({ status: 502, body: { error: { code: 'upstream_error' } } });
  });
});
