/**
 * Google's Gemini API (generativelanguage.googleapis.com) behind the unified chat format. The base URL is the
 * API version root, e.g. `https://generativelanguage.googleapis.com/v1beta`.
 */
import type { ChatAdapter, ChatCall, ProviderTarget, UpstreamRequest, SyncChatAdapter } from '../adapter';
import { UpstreamFormatError } from '../adapter';
import { translateGeminiError } from './errors';
import { toGeminiRequest } from './request';
import { toChatCompletion } from './response';
import { createGeminiStreamTranslator } from './stream';
import { normalizeGeminiUsage } from './usage';
import type { GeminiResponse } from './wire';

/** `gemini-2.5-flash` → `models/gemini-2.5-flash`; a full resource name (`tunedModels/x`) is kept. */
export function modelPath(model: string): string {
  const name = model.includes('/') ? model : `models/${model}`;
  return name.split('/').map(encodeURIComponent).join('/');
}

export function buildGeminiRequest(call: ChatCall, target: ProviderTarget): UpstreamRequest {
  const stream = call.request.stream === true;
  const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return {
    url: `${target.baseUrl}/${modelPath(target.model)}:${method}`,
    headers: {
      'x-goog-api-key': target.apiKey,
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify(toGeminiRequest(call.request)),
  };
}

export const geminiAdapter: SyncChatAdapter = {
  buildChatRequest: buildGeminiRequest,
  translateChatResponse(body, _call, target) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new UpstreamFormatError('The provider answered with a body that is not JSON.');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new UpstreamFormatError('The provider answered with JSON that is not a GenerateContentResponse.');
    }
    const response = parsed as GeminiResponse;
    return {
      body: JSON.stringify(toChatCompletion(response, target.model)),
      usage: normalizeGeminiUsage(response.usageMetadata),
      model: typeof response.modelVersion === 'string' ? response.modelVersion : null,
    };
  },
  createChatStreamTranslator: createGeminiStreamTranslator,
  translateError: translateGeminiError,
};
