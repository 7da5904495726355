import {
  anthropicErrorBody,
  anthropicToChatRequest,
  chatCompletionToAnthropic,
  createUnifiedToAnthropicStream,
  IngressValidationError,
  parseJsonObject,
  type ChatCall,
  type ChatStreamTranslator,
  type UnifiedErrorBody,
} from '@tollgate/providers';
import { invalidRequest } from '../errors';
import { parseChatBody } from './chat-body';
import { parseJsonObject as parseBodyObject } from './request-body';
import { reshapeStream } from './stream-relay';

/**
 * How a caller speaks to the gateway. Every ingress turns its request into the unified call, and the
 * unified answer, stream and errors back into its own format; the steps in between are shared.
 */
export interface ChatIngress {
  parse(text: string): ChatCall;
  answer(unified: string | Buffer, call: ChatCall): string | Buffer;
  stream(translator: ChatStreamTranslator, call: ChatCall): ChatStreamTranslator;
  error(status: number, unified: UnifiedErrorBody): unknown;
  /** The event a stream ends with when the provider fails mid-way. */
  streamError(message: string): string;
}

/** `/v1/chat/completions`: the unified format itself, so nothing is translated. */
export const openAiIngress: ChatIngress = {
  parse(text) {
    const request = parseChatBody(text);
    return { request, rawBody: text, clientWantsUsage: request.stream_options?.include_usage === true };
  },
  answer: (unified) => unified,
  stream: (translator) => translator,
  error: (_status, unified) => unified,
  streamError: (message) => `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: 'stream_interrupted' } })}\n\n`,
};

/** Anthropic-format answers are built from the unified one, so usage must reach the converter. */
function wrapAnthropicStream(inner: ChatStreamTranslator, model: string): ChatStreamTranslator {
  const convert = createUnifiedToAnthropicStream(model);
  return reshapeStream(inner, { push: (text) => convert.push(text), end: (text) => convert.push(text) });
}

/** `/v1/messages`: the Anthropic Messages API in front of any provider. */
export const anthropicIngress: ChatIngress = {
  parse(text) {
    const body = parseBodyObject(text);
    try {
      const request = anthropicToChatRequest(body);
      return { request, rawBody: JSON.stringify(request), clientWantsUsage: true };
    } catch (err) {
      if (err instanceof IngressValidationError) throw invalidRequest(err.message, err.param);
      throw err;
    }
  },
  answer(unified, call) {
    const completion = parseJsonObject(unified) ?? {};
    return JSON.stringify(chatCompletionToAnthropic(completion, call.request.model));
  },
  stream: (translator, call) => wrapAnthropicStream(translator, call.request.model),
  error: (status, unified) => anthropicErrorBody(status, unified.error.message),
  streamError: (message) => `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message } })}\n\n`,
};
