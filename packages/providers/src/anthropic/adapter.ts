import type { ChatAdapter, UpstreamRequest, SyncChatAdapter } from '../adapter';
import { translateAnthropicError } from './errors';
import { buildAnthropicBody } from './request';
import { translateAnthropicResponse } from './response';
import { createAnthropicStreamTranslator } from './stream';

/** The API version every request pins; the translations here are written against it. */
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Anthropic's Messages API (`POST {baseUrl}/messages`, baseUrl like `https://api.anthropic.com/v1`) behind the
 * unified OpenAI Chat Completions format. The body always needs rewriting (different shape), so unlike the
 * OpenAI adapter there is no passthrough of the caller's bytes.
 */
export const anthropicAdapter: SyncChatAdapter = {
  buildChatRequest(call, target): UpstreamRequest {
    return {
      url: `${target.baseUrl}/messages`,
      headers: {
        'x-api-key': target.apiKey,
        'anthropic-version': ANTHROPIC_VERSION,
        'content-type': 'application/json',
        accept: call.request.stream ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify(buildAnthropicBody(call.request, target.model)),
    };
  },
  translateChatResponse: (body) => translateAnthropicResponse(body),
  createChatStreamTranslator: (call) => createAnthropicStreamTranslator(call),
  translateError: translateAnthropicError,
};
