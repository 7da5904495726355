import {
  chatCompletionToResponse,
  createUnifiedToResponsesStream,
  parseJsonObject,
  responsesToChatRequest,
  streamTranslator,
  type ChatCall,
  type ChatStreamTranslator,
  type ResponsesEcho,
  type UnifiedToResponsesStream,
} from '@tollgate/providers';
import type { ChatIngress } from './ingress';
import { parseJsonObject as parseBodyObject, translating } from './request-body';
import { passthroughPath, withPassthrough } from './responses-passthrough';
import { resolveConversation, storeLater, type Conversation, type ResponseState } from '../responses/conversation';
import { storingAnswers } from '../responses/native-answers';

/** The Responses request's own fields ride along with the unified call: the answer repeats them. */
interface ResponsesCall extends ChatCall {
  echo: ResponsesEcho;
  /** Set when a response store is configured: what the write after the answer needs. */
  conversation?: Conversation;
}

const echoOf = (call: ChatCall): ResponsesEcho => (call as ResponsesCall).echo;

/** Each stream's converter, so a failure the relay detects continues the stream's sequence numbers. */
const converters = new WeakMap<ChatStreamTranslator, UnifiedToResponsesStream>();

/** `onDone` gets the finished response of a stream that ended as an answer (completed or incomplete). */
function wrapResponsesStream(inner: ChatStreamTranslator, echo: ResponsesEcho, onDone?: (response: Record<string, unknown>) => void): ChatStreamTranslator {
  const convert = createUnifiedToResponsesStream(echo, { providerUsage: () => inner.usage });
  const outer = streamTranslator(
    (chunk) => convert.push(inner.push(chunk)),
    () => {
      const tail = convert.push(inner.end());
      // A provider whose stream ended complete without the unified end marker still gets its completed event.
      const out = inner.completed && !inner.error ? tail + convert.finish() : tail;
      const response = convert.response();
      if (onDone && (response.status === 'completed' || response.status === 'incomplete')) onDone(response);
      return out;
    },
    () => inner,
  );
  converters.set(outer, convert);
  return outer;
}

/** Unified parameters by the Responses fields they were translated from (`messages` come from `input` and `instructions`). */
const RESPONSES_NAMES: ReadonlyArray<[string, string]> = [
  ['response_format', 'text.format'],
  ['verbosity', 'text.verbosity'],
  ['max_completion_tokens', 'max_output_tokens'],
  ['reasoning_effort', 'reasoning.effort'],
  ['messages', 'input'],
];

function responsesParamName(unified: string): string {
  const hit = RESPONSES_NAMES.find(([name]) => unified === name || unified.startsWith(`${name}.`) || unified.startsWith(`${name}[`));
  return hit ? hit[1] : unified.replace(/\[(\d+)\]/g, '.$1');
}

/**
 * `/v1/responses`: the OpenAI Responses API in front of any provider, by translation to the unified chat call
 * (ADR 0022). With a response store, `previous_response_id` and `item_reference`s are resolved against the
 * calling app's stored responses before translation, and each finished answer is stored after it went out
 * (unless `store: false`); without one, the request refuses what needs it.
 */
export function createResponsesIngress(state?: ResponseState): ChatIngress {
  const stored = (call: ChatCall) => {
    const { conversation } = call as ResponsesCall;
    return state && conversation?.store ? conversation : undefined;
  };
  return {
    async parse(text, caller) {
      const body = parseBodyObject(text);
      const conversation = state && caller ? await resolveConversation(body, caller.appId, state) : undefined;
      // Item references were replaced by their items; anything else the translation reads as sent.
      const resolved = conversation && Array.isArray(body.input) ? { ...body, input: conversation.input } : body;
      // OpenAI-type targets take the caller's body as it is (ADR 0022); the translation serves the rest.
      return withPassthrough(body, text, () => {
        const { request, echo } = translating(() => responsesToChatRequest(resolved, { history: conversation?.history, store: conversation?.store }));
        const call: ResponsesCall = { request, rawBody: JSON.stringify(request), clientWantsUsage: true, echo, conversation };
        return call;
      }, { conversation });
    },
    pathFor(call, type) {
      const path = passthroughPath(call, type);
      const conversation = stored(call);
      // A passed-through answer is stored as well, so state works whichever path answered.
      return path && conversation ? { ...path, answers: storingAnswers(path.answers, (response) => storeLater(state!, conversation, response)) } : path;
    },
    answer(unified, call, usage) {
      const response = chatCompletionToResponse(parseJsonObject(unified) ?? {}, echoOf(call), usage);
      const conversation = stored(call);
      if (conversation) storeLater(state!, conversation, response);
      return JSON.stringify(response);
    },
    stream(translator, call) {
      const conversation = stored(call);
      return wrapResponsesStream(translator, echoOf(call), conversation && ((response) => storeLater(state!, conversation, response)));
    },
    error: (_status, unified) => unified,
    paramName: responsesParamName,
    streamError(message, translator) {
      // Only a stream this ingress made reaches here: the relay passes back the translator `stream` returned.
      const convert = translator && converters.get(translator);
      if (!convert) throw new Error('responsesIngress.streamError: not a Responses stream');
      return convert.fail(message);
    },
  };
}

/** Without a response store: stored state is refused by name. */
export const responsesIngress: ChatIngress = createResponsesIngress();
