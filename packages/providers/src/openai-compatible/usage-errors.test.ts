import { describe, expect, it } from 'vitest';
import { translateCompatibleError } from './errors';
import { normalizeCompatibleUsage, reasoningOutsideCompletion } from './usage';

const err = (status: number, body: unknown) => translateCompatibleError(status, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));

describe('normalizeCompatibleUsage', () => {
  it("follows OpenAI's inclusive rules when the total says so", () => {
    const u = {
      prompt_tokens: 100,
      completion_tokens: 50,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 40 },
      completion_tokens_details: { reasoning_tokens: 20 },
    };
    expect(reasoningOutsideCompletion(u)).toBe(false);
    expect(normalizeCompatibleUsage(u)).toEqual({ inputTokens: 60, cacheReadTokens: 40, cacheWriteTokens: 0, outputTokens: 30, reasoningTokens: 20 });
  });

  it("takes xAI's reasoning beside the completion, as its total counts it (real grok-3-mini numbers)", () => {
    const u = {
      prompt_tokens: 10120,
      completion_tokens: 1499,
      total_tokens: 14428,
      prompt_tokens_details: { cached_tokens: 128 },
      completion_tokens_details: { reasoning_tokens: 2809 },
    };
    expect(reasoningOutsideCompletion(u)).toBe(true);
    const usage = normalizeCompatibleUsage(u)!;
    expect(usage).toEqual({ inputTokens: 9992, cacheReadTokens: 128, cacheWriteTokens: 0, outputTokens: 1499, reasoningTokens: 2809 });
    // Every reported token is billed once: the parts add up to xAI's total.
    expect(usage.inputTokens + usage.cacheReadTokens + usage.outputTokens + usage.reasoningTokens).toBe(u.total_tokens);
  });

  it('keeps the inclusive reading when there is no total to tell', () => {
    const u = { prompt_tokens: 10, completion_tokens: 8, completion_tokens_details: { reasoning_tokens: 5 } };
    expect(normalizeCompatibleUsage(u)).toMatchObject({ outputTokens: 3, reasoningTokens: 5 });
  });

  it('returns null when no usage was reported', () => {
    expect(normalizeCompatibleUsage(null)).toBeNull();
    expect(normalizeCompatibleUsage({ queue_time: 0.1 })).toBeNull();
  });
});

describe('translateCompatibleError', () => {
  it('passes an OpenAI-shaped error through', () => {
    expect(err(400, { error: { message: "Unsupported parameter: 'x'", type: 'invalid_request_error', param: 'x', code: null } })).toEqual({
      status: 400,
      body: { error: { message: "Unsupported parameter: 'x'", type: 'invalid_request_error', param: 'x', code: null } },
    });
  });

  it("keeps xAI's text from its string `error`", () => {
    const t = err(400, { code: 'Client specified an invalid argument', error: 'Argument not supported on this model: stop' });
    expect(t).toEqual({
      status: 400,
      body: { error: { message: 'Argument not supported on this model: stop', type: 'invalid_request_error', param: null, code: null } },
    });
  });

  it("turns Mistral's 422 validation body into a 400 that names the field", () => {
    const body = {
      object: 'error',
      message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'max_completion_tokens'], msg: 'Extra inputs are not permitted', input: 32000 }] },
      type: 'invalid_request_error',
      param: null,
      code: null,
    };
    expect(err(422, body)).toEqual({
      status: 400,
      body: { error: { message: 'max_completion_tokens: Extra inputs are not permitted', type: 'invalid_request_error', param: 'max_completion_tokens', code: null } },
    });
    // Mistral's newer shape: `detail` beside `message`, numeric code.
    const newer = { object: 'Error', detail: body.message.detail, message: body.message.detail, type: 'invalid_request_error', code: 3001 };
    expect(err(422, newer).body.error).toMatchObject({ param: 'max_completion_tokens', code: null });
  });

  it('reads a plain top-level message and maps provider failures to 502', () => {
    expect(err(429, { message: 'Requests rate limit exceeded' })).toEqual({
      status: 429,
      body: { error: { message: 'Requests rate limit exceeded', type: 'rate_limit_error', param: null, code: null } },
    });
    expect(err(503, { detail: 'Service Unavailable' }).status).toBe(502);
  });

  it('wraps a body that says nothing', () => {
    expect(err(500, '<html>oops</html>')).toMatchObject({ status: 502, body: { error: { code: 'upstream_error' } } });
  });
});
