import type { ProviderType, Usage } from '@tollgate/domain';
import type { ChatAdapter, ChatCall, ProviderTarget, UpstreamRequest } from '../adapter';
import { streamTranslator, UpstreamFormatError } from '../adapter';
import { createSseParser, type SseEvent } from '../sse/parser';
import { openAiAdapter, parseJsonObject } from './adapter';
import { normalizeOpenAiUsage } from './usage';
import { azureOpenAiAdapter } from '../azure-openai/adapter';

/**
 * Native passthrough of `/v1/responses` to providers that have OpenAI's Responses API (ADR 0022): the
 * caller's request goes to the provider's own `/responses` with only the model replaced, and the answer or
 * its event stream comes back as the provider sent it. The gateway reads only what it meters: `usage`, from
 * the answer or from the stream's terminal event as it passes.
 */

/** Provider types whose upstream serves OpenAI's Responses API. */
export const nativeResponsesTypes: ReadonlySet<ProviderType> = new Set<ProviderType>(['openai', 'azure-openai']);

/**
 * Azure serves the Responses API on its v1 surface (`/openai/v1/responses`, the deployment named by the body's
 * `model`), and on dated preview versions from 2025-03-01 as `/openai/responses?api-version=…`. The chat
 * default (`2024-10-21`) and older pins predate it, so those calls take v1 rather than a certain 404.
 */
export function azureResponsesUrl(target: ProviderTarget): string {
  const endpoint = target.baseUrl.replace(/\/openai$/, '');
  const version = target.settings.apiVersion;
  if (version && version !== 'v1' && version.slice(0, 10) >= '2025-03-01') {
    return `${endpoint}/openai/responses?api-version=${encodeURIComponent(version)}`;
  }
  return `${endpoint}/openai/v1/responses`;
}

const urls: Readonly<Partial<Record<ProviderType, (target: ProviderTarget) => string>>> = {
  openai: (target) => `${target.baseUrl}/responses`,
  'azure-openai': azureResponsesUrl,
};

const auth = (type: ProviderType, target: ProviderTarget): Record<string, string> =>
  type === 'azure-openai' ? { 'api-key': target.apiKey } : { authorization: `Bearer ${target.apiKey}` };

/** The Responses API's usage (cached and reasoning counts inside the totals, as chat's) as the gateway's. */
export function normalizeResponsesUsage(u: unknown): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const r = u as Record<string, any>;
  return normalizeOpenAiUsage({
    prompt_tokens: r.input_tokens,
    completion_tokens: r.output_tokens,
    total_tokens: r.total_tokens,
    prompt_tokens_details: { cached_tokens: r.input_tokens_details?.cached_tokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: r.output_tokens_details?.reasoning_tokens ?? 0 },
  });
}

/** The caller's bytes when the model name is already the provider's, else the body with the target's model. */
export function nativeResponsesBody(call: NativeResponsesCall, target: ProviderTarget): string {
  if (call.native.body.model === target.model) return call.native.text;
  return JSON.stringify({ ...call.native.body, model: target.model });
}

/** Terminal events carry the whole response, usage included; only these (and the first) are parsed. */
const terminal = /^response\.(completed|incomplete|failed)$/;
const sequencePattern = /"sequence_number"\s*:\s*(\d+)/;

/** The passthrough stream's own state, so the gateway can end a cut stream in the same numbering. */
export interface NativeStreamState {
  lastSequence: number;
  response: Record<string, unknown> | null;
}

const streamStates = new WeakMap<object, NativeStreamState>();
export const nativeStreamState = (translator: object): NativeStreamState | undefined => streamStates.get(translator);

function typeOf(event: SseEvent): string | undefined {
  if (event.event) return event.event;
  return /"type"\s*:\s*"([^"]+)"/.exec(event.data)?.[1];
}

/** Relays the provider's Responses events unchanged, reading usage, model and the outcome on the way. */
export function createNativeResponsesStream() {
  const parser = createSseParser();
  const state: NativeStreamState = { lastSequence: -1, response: null };
  let usage: Usage | null = null;
  let model: string | null = null;
  let completed = false;
  let error: string | null = null;
  const read = (events: SseEvent[]): string => {
    let out = '';
    for (const event of events) {
      out += event.raw;
      if (!event.data) continue;
      const seq = sequencePattern.exec(event.data);
      if (seq) state.lastSequence = Number(seq[1]);
      const type = typeOf(event);
      if (type === 'response.created' || (type && terminal.test(type))) {
        const response = parseJsonObject(event.data)?.response as Record<string, unknown> | undefined;
        if (!response) continue;
        state.response = response;
        if (typeof response.model === 'string' && response.model) model = response.model;
        if (type === 'response.created') continue;
        usage = normalizeResponsesUsage(response.usage) ?? usage;
        if (type === 'response.failed') {
          const err = response.error as { message?: unknown } | null | undefined;
          error = String(err?.message ?? 'the provider failed the response').slice(0, 2_000);
        } else completed = true;
      } else if (type === 'error') {
        const body = parseJsonObject(event.data) as { message?: unknown; error?: { message?: unknown } } | null;
        error = String(body?.message ?? body?.error?.message ?? 'the provider reported an error').slice(0, 2_000);
      }
    }
    return out;
  };
  const translator = streamTranslator(
    (chunk) => read(parser.push(chunk)),
    () => read(parser.end()),
    () => ({ usage, model, completed, error }),
  );
  streamStates.set(translator, state);
  return translator;
}

/**
 * The events that end a passthrough stream the relay found broken: `response.failed`, then `error`, numbered
 * after the provider's last event, as the translated path ends its own (ADR 0022).
 */
export function nativeStreamFailure(state: NativeStreamState | undefined, message: string): string {
  let sequence = (state?.lastSequence ?? -1) + 1;
  const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const response = { ...(state?.response ?? { object: 'response', output: [] }), status: 'failed', error: { code: 'server_error', message } };
  return (
    event('response.failed', { response }) +
    event('error', { code: 'server_error', message, param: null, error: { type: 'server_error', code: 'server_error', message, param: null } })
  );
}

/**
 * A Responses call as the native path sends it: the caller's bytes and parsed body beside the unified call
 * (whose `rawBody` is the translation's, when there is one).
 */
export type NativeResponsesCall = ChatCall & { native: { body: Record<string, unknown>; text: string } };

/** The passthrough as a chat adapter, so the gateway's chain (fallbacks, key pools, metering) runs unchanged. */
export function nativeResponsesAdapter(type: ProviderType): ChatAdapter | null {
  const url = urls[type];
  if (!url) return null;
  const errors = type === 'azure-openai' ? azureOpenAiAdapter : openAiAdapter;
  return {
    buildChatRequest(call, target): UpstreamRequest {
      return {
        url: url(target),
        headers: { ...auth(type, target), 'content-type': 'application/json', accept: call.request.stream ? 'text/event-stream' : 'application/json' },
        body: nativeResponsesBody(call as NativeResponsesCall, target),
      };
    },
    translateChatResponse(body) {
      const response = parseJsonObject(body);
      if (!response) throw new UpstreamFormatError('The provider answered with a body that is not JSON.');
      return { body, usage: normalizeResponsesUsage(response.usage), model: typeof response.model === 'string' ? response.model : null };
    },
    createChatStreamTranslator: () => createNativeResponsesStream(),
    translateError: (status, body) => errors.translateError(status, body),
  };
}
