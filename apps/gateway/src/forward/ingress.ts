import {
  anthropicErrorBody,
  anthropicToChatRequest,
  chatCompletionToAnthropic,
  createUnifiedToAnthropicStream,
  parseJsonObject,
  type ChatAdapter,
  type ChatCall,
  type ChatStreamTranslator,
  type UnifiedErrorBody,
} from '@tollgate/providers';
import type { ProviderType, Usage } from '@tollgate/domain';
import { parseChatBody } from './chat-body';
import { parseJsonObject as parseBodyObject, translating } from './request-body';
import { reshapeStream } from './stream-relay';

/** What turns one target's answers into the caller's format. */
export interface ChatAnswers {
  /** `usage` is the provider's, as its adapter normalised it (it keeps cache writes apart). */
  answer(unified: string | Buffer, call: ChatCall, usage?: Usage | null): string | Buffer;
  stream(translator: ChatStreamTranslator, call: ChatCall): ChatStreamTranslator;
  error(status: number, unified: UnifiedErrorBody): unknown;
  /**
   * The event a stream ends with when the provider fails mid-way; `translator` is the one `stream` returned,
   * for formats whose events carry the stream's own state (the Responses API numbers every event).
   */
  streamError(message: string, translator?: ChatStreamTranslator): string;
  /** The caller's name for a unified parameter a provider's adapter refused, where the ingress names it otherwise. */
  paramName?(unified: string): string;
}

/**
 * How a caller speaks to the gateway. Every ingress turns its request into the unified call, and the
 * unified answer, stream and errors back into its own format; the steps in between are shared.
 */
export interface ChatIngress extends ChatAnswers {
  /**
   * `caller` is who asks: an ingress whose answers depend on earlier calls (stored Responses, ADR 0022) scopes
   * them to the calling app, and may look them up first (hence the promise).
   */
  parse(text: string, caller?: IngressCaller): ChatCall | Promise<ChatCall>;
  /**
   * A target whose provider speaks the caller's format itself (the Responses API at OpenAI and Azure, ADR
   * 0022) may take the call untranslated: its adapter and answers instead of the ingress's; null translates.
   */
  pathFor?(call: ChatCall, type: ProviderType): ForwardPath | null;
}

/** How one target is called and answered: its adapter, and what turns its answers into the caller's. */
export interface ForwardPath {
  adapter: ChatAdapter;
  answers: ChatAnswers;
}

/** Who calls, as far as an ingress needs to know. */
export interface IngressCaller {
  appId: string;
}

/**
 * `/v1/chat/completions`: the unified format itself, so nothing is translated. `satisfies`, so the prompt
 * handler sees that this parse answers at once.
 */
export const openAiIngress = {
  parse(text) {
    const request = parseChatBody(text);
    return { request, rawBody: text, clientWantsUsage: request.stream_options?.include_usage === true };
  },
  answer: (unified) => unified,
  stream: (translator) => translator,
  error: (_status, unified) => unified,
  streamError: (message) => `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: 'stream_interrupted' } })}\n\n`,
} satisfies ChatIngress;

/**
 * Anthropic-format answers are built from the unified one, so usage must reach the converter; it reads the
 * provider's usage from the inner translator, so message_start can carry the real input count when the
 * provider has sent it (ADR 0023) without a field the unified stream's own clients would see.
 */
function wrapAnthropicStream(inner: ChatStreamTranslator, call: ChatCall): ChatStreamTranslator {
  const convert = createUnifiedToAnthropicStream(call.request.model, { providerUsage: () => inner.usage, request: call.request });
  return reshapeStream(inner, { push: (text) => convert.push(text), end: (text) => convert.push(text) });
}

/** `/v1/messages`: the Anthropic Messages API in front of any provider. */
export const anthropicIngress: ChatIngress = {
  parse(text) {
    const request = translating(() => anthropicToChatRequest(parseBodyObject(text)));
    return { request, rawBody: JSON.stringify(request), clientWantsUsage: true };
  },
  answer(unified, call, usage) {
    const completion = parseJsonObject(unified) ?? {};
    return JSON.stringify(chatCompletionToAnthropic(completion, call.request.model, usage));
  },
  stream: (translator, call) => wrapAnthropicStream(translator, call),
  error: (status, unified) => anthropicErrorBody(status, unified.error.message),
  streamError: (message) => `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message } })}\n\n`,
};

export { createResponsesIngress, responsesIngress } from './responses-ingress';
