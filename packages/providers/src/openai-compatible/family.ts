import type { Usage } from '@tollgate/domain';
import type { ChatAdapter, ChatCall, ChatRequest, ProviderTarget, TranslatedError, UpstreamRequest, SyncChatAdapter } from '../adapter';
import { UnsupportedParameterError, UpstreamFormatError } from '../adapter';
import { createOpenAiStreamTranslator, openAiChatBody, parseJsonObject } from '../openai/adapter';
import { translateCompatibleError } from './errors';
import { normalizeCompatibleUsage } from './usage';

/**
 * What sets one OpenAI-compatible provider apart from OpenAI. Everything not named here behaves as the OpenAI
 * adapter does: the caller's bytes travel untouched unless something listed here applies, and a parameter no
 * list names always reaches the provider as it came (DESIGN §6: no silent drops).
 */
export interface OpenAiCompatibleSpec {
  /** The chat completions URL for a target. */
  url(target: ProviderTarget): string;
  /** The credential headers. */
  auth(target: ProviderTarget): Record<string, string>;
  /** Refused by the provider whatever their value, and safe to remove because the caller loses nothing. */
  dropParams: readonly string[];
  /**
   * Refused by the provider. A value that asks for nothing (see `asksForNothing`) is removed; any other value is
   * refused before the call, naming the parameter, with the text given here (what to do instead).
   */
  unsupportedParams?: Readonly<Record<string, string>>;
  /**
   * Refused by some of the provider's models only. A value that asks for nothing is removed; any other value is
   * sent, and the provider, which knows its models, decides.
   */
  noOpParams?: readonly string[];
  /** The provider's spelling of an OpenAI parameter (`seed` → `random_seed`); skipped when both are present. */
  renameParams?: Readonly<Record<string, string>>;
  /**
   * 'ask': every stream asks for usage with `stream_options.include_usage`. 'always': the provider reports
   * usage in every stream by itself (and may refuse `stream_options`), so nothing is added.
   */
  streamUsage: 'ask' | 'always';
  /** Normalises the provider's usage object; default `normalizeCompatibleUsage`. */
  usage?(raw: unknown): Usage | null;
  /** Where a streamed chunk carries its usage; default `chunk.usage`. */
  chunkUsage?(chunk: Record<string, unknown>): unknown;
  /** Default `translateCompatibleError`. */
  translateError?(status: number, body: Buffer): TranslatedError;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A value that requests no behaviour: null, false, 0, '', an empty array or object, and `n: 1`. Clients such as
 * LangChain send these as defaults; removing them changes nothing about the answer.
 */
export function asksForNothing(param: string, value: unknown): boolean {
  if (param === 'n') return value === null || value === 1;
  if (value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

/**
 * The request with the provider's parameter rules applied, or null when none applies (so the caller's bytes can
 * be sent as they came). Throws `UnsupportedParameterError` for a parameter the provider cannot honour.
 */
export function applyParamRules(request: ChatRequest, spec: OpenAiCompatibleSpec): ChatRequest | null {
  let edited: ChatRequest | null = null;
  const edit = (): ChatRequest => (edited ??= { ...request });
  const has = (param: string): boolean => Object.hasOwn(request, param);

  for (const param of spec.dropParams) if (has(param)) delete edit()[param];
  for (const [param, advice] of Object.entries(spec.unsupportedParams ?? {})) {
    if (!has(param)) continue;
    if (!asksForNothing(param, request[param])) throw new UnsupportedParameterError(param, advice);
    delete edit()[param];
  }
  for (const param of spec.noOpParams ?? []) if (has(param) && asksForNothing(param, request[param])) delete edit()[param];
  for (const [from, to] of Object.entries(spec.renameParams ?? {})) {
    if (!has(from) || has(to)) continue;
    const out = edit();
    out[to] = out[from];
    delete out[from];
  }
  return edited;
}

/** The provider's request body: the caller's bytes unless a parameter rule, the model name or usage needs a change. */
export function compatibleChatBody(call: ChatCall, target: ProviderTarget, spec: OpenAiCompatibleSpec): string {
  const edited = applyParamRules(call.request, spec);
  if (spec.streamUsage === 'ask') {
    // The OpenAI body function adds `include_usage` and the target's model, and sends the given bytes otherwise.
    return openAiChatBody(edited ? { ...call, request: edited, rawBody: JSON.stringify(edited) } : call, target);
  }
  if (!edited && call.request.model === target.model) return call.rawBody;
  return JSON.stringify({ ...(edited ?? call.request), model: target.model });
}

/** A chat adapter for a provider that speaks OpenAI's Chat Completions with the differences in `spec`. */
export function openAiCompatibleAdapter(spec: OpenAiCompatibleSpec): SyncChatAdapter {
  const normalize = spec.usage ?? normalizeCompatibleUsage;
  const chunkUsage = spec.chunkUsage ?? ((chunk: Record<string, unknown>) => chunk.usage);
  return {
    buildChatRequest(call, target): UpstreamRequest {
      return {
        url: spec.url(target),
        headers: {
          ...spec.auth(target),
          'content-type': 'application/json',
          accept: call.request.stream ? 'text/event-stream' : 'application/json',
        },
        body: compatibleChatBody(call, target, spec),
      };
    },
    translateChatResponse(body) {
      const completion = parseJsonObject(body);
      if (!completion) throw new UpstreamFormatError('The provider answered with a body that is not JSON.');
      return { body, usage: normalize(completion.usage), model: typeof completion.model === 'string' && completion.model !== '' ? completion.model : null };
    },
    createChatStreamTranslator: (call) => createOpenAiStreamTranslator(call, { usageOf: (chunk) => normalize(chunkUsage(chunk)) }),
    translateError: spec.translateError ?? translateCompatibleError,
  };
}

/** `Authorization: Bearer <key>`, the scheme most of the family uses. */
export const bearerAuth = (target: ProviderTarget): Record<string, string> => ({ authorization: `Bearer ${target.apiKey}` });

/** `<baseUrl>/chat/completions`, where the base URL is the provider's OpenAI-compatible root (`…/v1`). */
export const chatCompletionsUrl = (target: ProviderTarget): string => `${target.baseUrl}/chat/completions`;
