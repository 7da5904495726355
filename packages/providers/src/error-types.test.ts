import { describe, expect, it } from 'vitest';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { ChatCall, UnifiedErrorBody } from './adapter';
import { translateOpenAiError } from './openai/adapter';
import { translateCompatibleError } from './openai-compatible/errors';
import { translateAnthropicError, unifiedErrorBody } from './anthropic/errors';
import { createAnthropicStreamTranslator } from './anthropic/stream';
import { translateGeminiError } from './gemini/errors';
import { createGeminiStreamTranslator } from './gemini/stream';
import { streamExceptionBody, translateBedrockError } from './bedrock/errors';
import { createBedrockStreamTranslator } from './bedrock/stream';

/**
 * Every error body an adapter hands the gateway for `/v1/*` callers uses a `type` from OpenAI's vocabulary,
 * which the OpenAI SDK and OpenAI's OpenAPI document know, whatever the provider sent; `code` says more.
 */
const OPENAI_TYPES = new Set(['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'rate_limit_error', 'server_error', 'insufficient_quota']);
const call: ChatCall = { request: { model: 'm', messages: [], stream: true }, rawBody: '{}', clientWantsUsage: false };
const target = { baseUrl: 'http://x', apiKey: 'k', model: 'm', settings: {} };
const b = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
/** The `error` events of a translated stream. */
const streamErrors = (sse: string): UnifiedErrorBody[] =>
  sse
    .split('\n\n')
    .filter((block) => block.startsWith('data: {"error"'))
    .map((block) => JSON.parse(block.slice('data: '.length)) as UnifiedErrorBody);

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const corruptFrame = () => {
  const frame = Buffer.from(codec.encode({ headers: { ':message-type': { type: 'string', value: 'event' } }, body: fromUtf8('{}') }));
  frame[frame.length - 1]! ^= 0xff;
  return frame;
};

const bodies: Array<[string, () => UnifiedErrorBody, string]> = [
  ['OpenAI, a 500 page that is not JSON', () => translateOpenAiError(500, b('<html>oops</html>')).body, 'server_error'],
  ['OpenAI-shaped 503 without a type', () => translateOpenAiError(503, b({ error: { message: 'busy' } })).body, 'server_error'],
  ['Azure 404 DeploymentNotFound (no type)', () => translateOpenAiError(404, b({ error: { code: 'DeploymentNotFound', message: 'x' } })).body, 'invalid_request_error'],
  ['OpenAI-shaped 401 without a type', () => translateOpenAiError(401, b({ error: { message: 'x' } })).body, 'authentication_error'],
  ['OpenAI-shaped 429 without a type', () => translateOpenAiError(429, b({ error: { message: 'x' } })).body, 'rate_limit_error'],
  ['compatible 503 detail', () => translateCompatibleError(503, b({ detail: 'Service Unavailable' })).body, 'server_error'],
  ['compatible 500 page', () => translateCompatibleError(500, b('<html>oops</html>')).body, 'server_error'],
  ['Anthropic 500 page', () => translateAnthropicError(500, b('<html>oops</html>')).body, 'server_error'],
  ['Anthropic unknown error type at 500', () => translateAnthropicError(500, b({ type: 'error', error: { type: 'brand_new_error', message: 'x' } })).body, 'server_error'],
  ['Anthropic unknown error type at 400', () => translateAnthropicError(400, b({ type: 'error', error: { type: 'brand_new_error', message: 'x' } })).body, 'invalid_request_error'],
  ['Anthropic unknown error in a stream', () => unifiedErrorBody({ type: 'brand_new_error', message: 'x' })!, 'server_error'],
  ['Gemini 502 page', () => translateGeminiError(502, b('<html>Bad Gateway</html>')).body, 'server_error'],
  ['Gemini 404 page', () => translateGeminiError(404, b('<html>Not Found</html>')).body, 'invalid_request_error'],
  ['Gemini API_KEY_INVALID', () => translateGeminiError(400, b({ error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] } })).body, 'server_error'],
  ['Bedrock 503', () => translateBedrockError(503, b({ message: 'x' })).body, 'server_error'],
  ['Bedrock unknown stream exception', () => streamExceptionBody('brandNewException', { message: 'x' }), 'server_error'],
  ['Gemini stream event that is not JSON', () => streamErrors(createGeminiStreamTranslator(call, target).push(b('data: {nope\r\n\r\n')))[0]!, 'server_error'],
  ['Anthropic stream event that is not an event', () => streamErrors(createAnthropicStreamTranslator(call).push(b('event: error\ndata: {"type":"error","error":5}\n\n')))[0]!, 'server_error'],
  ['Bedrock corrupt frame', () => streamErrors(createBedrockStreamTranslator(call, 'm').push(corruptFrame()))[0]!, 'server_error'],
];

describe('error types from every adapter', () => {
  it.each(bodies)('%s', (_name, body, type) => {
    const { error } = body();
    expect(error.type).toBe(type);
    expect(OPENAI_TYPES.has(error.type)).toBe(true);
  });
});
