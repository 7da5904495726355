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

/** The Responses request's own fields ride along with the unified call: the answer repeats them. */
interface ResponsesCall extends ChatCall {
  echo: ResponsesEcho;
}

const echoOf = (call: ChatCall): ResponsesEcho => (call as ResponsesCall).echo;

/** Each stream's converter, so a failure the relay detects continues the stream's sequence numbers. */
const converters = new WeakMap<ChatStreamTranslator, UnifiedToResponsesStream>();

function wrapResponsesStream(inner: ChatStreamTranslator, echo: ResponsesEcho): ChatStreamTranslator {
  const convert = createUnifiedToResponsesStream(echo, { providerUsage: () => inner.usage });
  const outer = streamTranslator(
    (chunk) => convert.push(inner.push(chunk)),
    () => {
      const tail = convert.push(inner.end());
      // A provider whose stream ended complete without the unified end marker still gets its completed event.
      return inner.completed && !inner.error ? tail + convert.finish() : tail;
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
 * (ADR 0022). Native passthrough to providers that have the API, and stored responses, are later seams: the
 * request refuses what needs them, and `parse` already knows the calling app.
 */
export const responsesIngress: ChatIngress = {
  parse(text) {
    const { request, echo } = translating(() => responsesToChatRequest(parseBodyObject(text)));
    const call: ResponsesCall = { request, rawBody: JSON.stringify(request), clientWantsUsage: true, echo };
    return call;
  },
  answer(unified, call, usage) {
    return JSON.stringify(chatCompletionToResponse(parseJsonObject(unified) ?? {}, echoOf(call), usage));
  },
  stream: (translator, call) => wrapResponsesStream(translator, echoOf(call)),
  error: (_status, unified) => unified,
  paramName: responsesParamName,
  streamError(message, translator) {
    // Only a stream this ingress made reaches here: the relay passes back the translator `stream` returned.
    const convert = translator && converters.get(translator);
    if (!convert) throw new Error('responsesIngress.streamError: not a Responses stream');
    return convert.fail(message);
  },
};
