import {
  nativeResponsesAdapter,
  nativeResponsesTypes,
  nativeStreamFailure,
  nativeStreamState,
  type ChatCall,
  type NativeResponsesCall,
} from '@tollgate/providers';
import type { ProviderType } from '@tollgate/domain';
import { GatewayError, invalidRequest } from '../errors';
import type { ForwardPath } from './ingress';
import { requireModel } from './request-body';

/**
 * `/v1/responses` passed through natively to providers that serve OpenAI's Responses API (ADR 0022): the
 * request goes as the caller sent it (model replaced) to the provider's `/responses`, and the answer or
 * stream comes back unchanged, metered from its `usage`. Everything else in the chain — routing, fallbacks,
 * key pools, limits, capture, error mapping — is the chat handler's, through this path's adapter.
 */

type Json = Record<string, unknown>;

/** A call the native path may take, and, when translation refused it, why a translated target cannot. */
interface PassthroughCall extends NativeResponsesCall {
  refusedByTranslation: GatewayError | null;
}

const hasItemReference = (input: unknown): boolean =>
  Array.isArray(input) && input.some((item) => typeof item === 'object' && item !== null && (item as Json).type === 'item_reference');

/**
 * State lives in the gateway's own response store (scoped to the calling app), not in the provider's: a call
 * that reads it (`previous_response_id`, `item_reference`) takes the translated path, which resolves it.
 */
export const needsGatewayState = (body: Json): boolean => body.previous_response_id != null || hasItemReference(body.input);

/**
 * Provider-side state the gateway cannot scope to the calling app or reach later: a `conversation` lives in
 * the connected account every app shares, and a `background` response is polled with GET /v1/responses/{id},
 * which reads the gateway's store. Both keep the translation's 400 naming them.
 */
const providerState = (body: Json): boolean => body.conversation != null || body.background === true;

/** What the gateway itself must read of a body it passes through: the model, the stream flag, the output cap. */
function nativeRequest(body: Json): ChatCall['request'] {
  const model = requireModel(body);
  if (body.stream != null && typeof body.stream !== 'boolean') throw invalidRequest("'stream' must be a boolean.", 'stream');
  const max = body.max_output_tokens;
  if (max != null && !(Number.isSafeInteger(max) && (max as number) >= 1)) {
    throw invalidRequest("'max_output_tokens' must be an integer of at least 1.", 'max_output_tokens', 'invalid_value');
  }
  return { model, messages: [], stream: body.stream === true, ...(max != null ? { max_completion_tokens: max } : {}) };
}

/**
 * The call the Responses ingress hands on: the translation when it succeeds, marked so native targets can take
 * the caller's body instead; when it fails (a built-in tool, a parameter only OpenAI's API has) and no gateway
 * state is involved, a call only native targets can take — translated ones answer the translation's 400.
 * `carried` is what that call keeps of the ingress's own (the conversation its answer is stored in).
 */
export function withPassthrough(body: Json, text: string, translate: () => ChatCall, carried: Record<string, unknown> = {}): ChatCall {
  if (needsGatewayState(body) || providerState(body)) return translate();
  let call: ChatCall;
  let refused: GatewayError | null = null;
  try {
    call = translate();
  } catch (err) {
    if (!(err instanceof GatewayError) || err.status !== 400) throw err;
    refused = err;
    // What the ingress keeps with its calls (the conversation to store the answer in) rides along here too.
    call = { request: nativeRequest(body), rawBody: text, clientWantsUsage: true, ...carried };
  }
  const native: PassthroughCall = Object.assign(call, { native: { body, text }, refusedByTranslation: refused });
  return native;
}

/** The answers of the native path: the provider's own, so nothing is translated back. */
const nativeAnswers: ForwardPath['answers'] = {
  answer: (body) => body,
  stream: (translator) => translator,
  error: (_status, unified) => unified,
  streamError: (message, translator) => nativeStreamFailure(translator && nativeStreamState(translator), message),
};

const adapters = new Map([...nativeResponsesTypes].map((type) => [type, nativeResponsesAdapter(type)!]));

/**
 * The path for one target: native for an OpenAI-type provider, null (translate) for the rest; a call only the
 * native path can take is the translation's 400 on any other target.
 */
export function passthroughPath(call: ChatCall, type: ProviderType): ForwardPath | null {
  const passthrough = call as Partial<PassthroughCall>;
  if (!passthrough.native) return null;
  const adapter = adapters.get(type);
  if (adapter) return { adapter, answers: nativeAnswers };
  if (passthrough.refusedByTranslation) throw passthrough.refusedByTranslation;
  return null;
}
