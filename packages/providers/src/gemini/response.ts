/**
 * A Gemini `GenerateContentResponse` → the unified `chat.completion`, and the pieces the stream translator
 * shares: finish reasons, and candidate parts → text, thoughts and tool calls.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ChatCompletion, ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';
import { openAiUsageOf } from './usage';
import type { GeminiCandidate, GeminiPart, GeminiResponse } from './wire';

export type FinishReason = ChatCompletion.Choice['finish_reason'];

/** Gemini stopped generating because of a filter: safety, recitation, blocklists, PII… */
const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * STOP → `stop` (`tool_calls` when the answer calls functions), MAX_TOKENS → `length`, the filter reasons →
 * `content_filter`. The rest (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, …) have no OpenAI counterpart and
 * end the answer, so they read as `stop`.
 */
export function finishReasonOf(reason: string, hasToolCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(reason)) return 'content_filter';
  return hasToolCalls ? 'tool_calls' : 'stop';
}

/** A tool call as the unified format carries it, with Gemini's thought signature where OpenAI clients keep it. */
export type UnifiedToolCall = ChatCompletionMessageFunctionToolCall & {
  extra_content?: { google: { thought_signature: string } };
};

export interface PartsView {
  text: string;
  thoughts: string;
  toolCalls: UnifiedToolCall[];
}

/**
 * Reads a candidate's parts. Gemini gives function calls no id (newer versions may), so the gateway makes one;
 * the caller sends it back on its tool message and the request translation maps it to the function's name.
 * Google's own OpenAI-compatible endpoint returns the thought signature in
 * `extra_content.google.thought_signature`; clients that echo the assistant message back return it with it.
 */
export function readParts(parts: readonly GeminiPart[] | undefined): PartsView {
  const view: PartsView = { text: '', thoughts: '', toolCalls: [] };
  for (const part of parts ?? []) {
    if (part.functionCall && typeof part.functionCall.name === 'string') {
      const call: UnifiedToolCall = {
        id: typeof part.functionCall.id === 'string' && part.functionCall.id !== '' ? part.functionCall.id : newToolCallId(),
        type: 'function',
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
      };
      if (typeof part.thoughtSignature === 'string') call.extra_content = { google: { thought_signature: part.thoughtSignature } };
      view.toolCalls.push(call);
    } else if (typeof part.text === 'string') {
      if (part.thought === true) view.thoughts += part.text;
      else view.text += part.text;
    }
  }
  return view;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A tool call id as OpenAI's look (`call_` and 24 alphanumerics), random so that no two calls share one, in
 * one answer or across a conversation: clients key tool results by id, and the request translation maps an
 * id back to its function by the latest assistant message that made it.
 */
export function newToolCallId(): string {
  let id = 'call_';
  for (const byte of randomBytes(24)) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

export const completionId = (responseId: unknown): string =>
  `chatcmpl-${typeof responseId === 'string' && responseId !== '' ? responseId : randomUUID().replaceAll('-', '')}`;

type UnifiedMessage = ChatCompletion.Choice['message'] & { reasoning_content?: string };

function choiceOf(candidate: GeminiCandidate, position: number): ChatCompletion.Choice {
  const view = readParts(candidate.content?.parts);
  const message: UnifiedMessage = { role: 'assistant', content: view.text === '' && view.toolCalls.length > 0 ? null : view.text, refusal: null };
  if (view.thoughts !== '') message.reasoning_content = view.thoughts;
  if (view.toolCalls.length > 0) message.tool_calls = view.toolCalls;
  return {
    index: typeof candidate.index === 'number' ? candidate.index : position,
    message,
    logprobs: null,
    finish_reason: finishReasonOf(candidate.finishReason ?? 'STOP', view.toolCalls.length > 0),
  };
}

export function toChatCompletion(response: GeminiResponse, fallbackModel: string, created = Math.floor(Date.now() / 1000)): ChatCompletion {
  const candidates = Array.isArray(response.candidates) ? response.candidates : [];
  // A prompt Gemini refuses outright comes back with no candidates and a `promptFeedback.blockReason`.
  const choices: ChatCompletion.Choice[] =
    candidates.length > 0
      ? candidates.map((c, i) => choiceOf(c, i))
      : [{ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' }];
  const completion: ChatCompletion = {
    id: completionId(response.responseId),
    object: 'chat.completion',
    created,
    model: typeof response.modelVersion === 'string' ? response.modelVersion : fallbackModel,
    choices,
  };
  const usage = openAiUsageOf(response.usageMetadata);
  if (usage) completion.usage = usage;
  return completion;
}
