import type { Usage } from '@tollgate/domain';

/**
 * The contract every provider folder fulfils. The gateway speaks one unified format — OpenAI's Chat
 * Completions — to its callers; an adapter translates a unified request into the provider's own request, and
 * the provider's answer (whole or streamed) back into the unified format, with usage normalised into `Usage`.
 */

/** The provider as the gateway calls it, from the config snapshot. */
export interface ProviderTarget {
  /** As configured, without a trailing slash (e.g. `https://api.openai.com/v1`). */
  baseUrl: string;
  apiKey: string;
  /** The provider-side model name of this target. */
  model: string;
  /** Provider-specific settings, e.g. `{ apiVersion: '2024-10-21' }` for Azure OpenAI. */
  settings: Readonly<Record<string, string>>;
}

/** A chat request in the unified format, validated only as far as the gateway must read it. */
export interface ChatRequest {
  model: string;
  messages: unknown[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } & Record<string, unknown>;
  [param: string]: unknown;
}

export interface ChatCall {
  request: ChatRequest;
  /** The caller's bytes, so an adapter that needs no change can send them as they came. */
  rawBody: string;
  /** The caller asked for usage in the stream (`stream_options.include_usage`). */
  clientWantsUsage: boolean;
}

export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface TranslatedResponse {
  /** The unified `chat.completion` JSON (the provider's own bytes when they already are). */
  body: string | Buffer;
  usage: Usage | null;
  /** The model the provider says answered. */
  model: string | null;
}

/** Translates one streamed answer. Provider bytes in (any chunking), unified SSE text out. */
export interface ChatStreamTranslator {
  /** Returns the unified SSE text ready to send now ('' when a chunk completed nothing). */
  push(chunk: Uint8Array): string;
  /** The provider ended the stream; returns any remaining text. */
  end(): string;
  /** Usage, once the provider reported it. */
  readonly usage: Usage | null;
  readonly model: string | null;
  /** The provider ended the stream the way a complete answer ends (OpenAI's `[DONE]`, Anthropic's `message_stop`). */
  readonly completed: boolean;
  /** An error the provider reported inside the stream. */
  readonly error: string | null;
}

/** What a translator knows about its stream so far, read when the stream ends. */
export type StreamState = Pick<ChatStreamTranslator, 'usage' | 'model' | 'completed' | 'error'>;

/**
 * A translator from its two steps and a view of its state: translators keep their state in local variables
 * and hand over a function that reads them, so each does not repeat the four getters.
 */
export function streamTranslator(push: (chunk: Uint8Array) => string, end: () => string, state: () => StreamState): ChatStreamTranslator {
  return {
    push,
    end,
    get usage() {
      return state().usage;
    },
    get model() {
      return state().model;
    },
    get completed() {
      return state().completed;
    },
    get error() {
      return state().error;
    },
  };
}

/** The OpenAI error body the caller sees on `/v1/*`. */
export interface UnifiedErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface TranslatedError {
  status: number;
  body: UnifiedErrorBody;
}

/**
 * The OpenAI error `type` for an HTTP status, for a provider error that names none of OpenAI's: the OpenAI
 * SDK and OpenAI's OpenAPI document know only OpenAI's own types. A 404 is `invalid_request_error`, as OpenAI
 * answers an unknown model.
 */
export function errorTypeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export interface ChatAdapter {
  /** May be async: signing with a library such as AWS's SignatureV4 is. */
  buildChatRequest(call: ChatCall, target: ProviderTarget): UpstreamRequest | Promise<UpstreamRequest>;
  translateChatResponse(body: Buffer, call: ChatCall, target: ProviderTarget): TranslatedResponse;
  /** Must report usage: adapters ask the provider for it on every stream (the caller may not have). */
  createChatStreamTranslator(call: ChatCall, target: ProviderTarget): ChatStreamTranslator;
  /**
   * The provider's error answer in the unified shape. 401/403 from the provider mean the platform's own
   * credentials are wrong: the gateway turns those into a 502 itself, whatever this returns.
   */
  translateError(status: number, body: Buffer): TranslatedError;
}

/** An adapter whose requests need no await (everything but request signing): its callers get them directly. */
export interface SyncChatAdapter extends ChatAdapter {
  buildChatRequest(call: ChatCall, target: ProviderTarget): UpstreamRequest;
}

/** The provider answered with something its own format does not allow (the gateway answers 502). */
export class UpstreamFormatError extends Error {}

/**
 * The provider's configuration cannot make a request (a missing region, a malformed key): the platform
 * admin's to fix, so the gateway answers 502 naming no secret, and the record keeps this message.
 */
export class ProviderConfigError extends Error {}

/**
 * The caller's request asks for something this provider cannot do (e.g. `n: 3` on Anthropic), thrown by
 * `buildChatRequest`. The gateway answers 400 naming `param`; the message says what to change. Thrown only for
 * parameters that would change the answer's meaning — harmless hints are dropped by each adapter's own list.
 */
export class UnsupportedParameterError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnsupportedParameterError';
  }
}

/** An embeddings request in the unified (OpenAI) format. */
export interface EmbeddingsRequest {
  model: string;
  input: unknown;
  [param: string]: unknown;
}

export interface EmbeddingsCall {
  request: EmbeddingsRequest;
  rawBody: string;
}

/** Providers with an embeddings API implement this beside their chat adapter. */
export interface EmbeddingsAdapter {
  buildEmbeddingsRequest(call: EmbeddingsCall, target: ProviderTarget): UpstreamRequest;
  /** The unified `{object:'list', data, model, usage}` body and the usage (input tokens only). */
  translateEmbeddingsResponse(body: Buffer, call: EmbeddingsCall, target: ProviderTarget): TranslatedResponse;
  translateError(status: number, body: Buffer): TranslatedError;
}
