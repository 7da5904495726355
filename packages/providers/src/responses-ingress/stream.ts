import type { Usage } from '@tollgate/domain';
import { createSseParser } from '../sse/parser';
import type { ResponsesEcho } from './request';
import {
  functionCallItem,
  incompleteReason,
  messageItem,
  outputText,
  reasoningItem,
  responseObject,
  responsesId,
  responsesUsage,
  responsesUsageOf,
  type ResponseState,
} from './response';
import { parseJsonObject } from '../openai/adapter';
import { isObject, type Json } from './validation';

/** The item being streamed: its output index, id, and the text gathered so far. */
interface OpenItem {
  index: number;
  id: string;
  kind: 'reasoning' | 'message' | 'function';
  text: string;
  /** message: the part being written (a message may hold text then a refusal). */
  part?: { kind: 'output_text' | 'refusal'; index: number };
  parts?: Json[];
  toolIndex?: number;
  callId?: string;
  name?: string;
}

/**
 * Turns the unified stream (OpenAI `chat.completion.chunk` SSE, usage chunk included) into the Responses API's
 * event sequence: response.created and .in_progress; per output item output_item.added, its parts and deltas
 * (reasoning summary text, output text or refusal, function call arguments) and output_item.done; then
 * response.completed (or .incomplete) carrying the whole response and its usage. Every event has its
 * sequence_number. A provider failure ends the stream with response.failed and an `error` event.
 * `providerUsage` reads the provider's usage as its adapter normalised it, preferred to the unified chunk's.
 * Incremental: text in, text out.
 */
export function createUnifiedToResponsesStream(echo: ResponsesEcho, options: { providerUsage?: () => Usage | null } = {}) {
  const parser = createSseParser();
  const state: ResponseState = {
    id: responsesId('resp'),
    createdAt: Math.floor(Date.now() / 1000),
    status: 'in_progress',
    model: echo.model,
    output: [],
    usage: null,
    incomplete: null,
    error: null,
  };
  let sequence = 0;
  let started = false;
  let finished = false;
  let open: OpenItem | null = null;

  const event = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const snapshot = () => responseObject(state, echo);

  const start = (model: unknown) => {
    if (started) return '';
    started = true;
    if (typeof model === 'string' && model) state.model = model;
    return event('response.created', { response: snapshot() }) + event('response.in_progress', { response: snapshot() });
  };

  const closePart = (item: OpenItem): string => {
    if (!item.part) return '';
    const { kind, index } = item.part;
    const where = { item_id: item.id, output_index: item.index, content_index: index };
    const part = kind === 'output_text' ? outputText(item.text) : { type: 'refusal', refusal: item.text };
    const done = kind === 'output_text' ? event('response.output_text.done', { ...where, text: item.text, logprobs: [] }) : event('response.refusal.done', { ...where, refusal: item.text });
    item.parts!.push(part);
    item.part = undefined;
    item.text = '';
    return done + event('response.content_part.done', { ...where, part });
  };

  /** Ends the open item; `status` is `incomplete` when the answer was cut short. */
  const close = (status: 'completed' | 'incomplete' = 'completed'): string => {
    const item = open;
    if (!item) return '';
    open = null;
    let out = '';
    let done: Json;
    const where = { item_id: item.id, output_index: item.index };
    if (item.kind === 'reasoning') {
      const part = { type: 'summary_text', text: item.text };
      out += event('response.reasoning_summary_text.done', { ...where, summary_index: 0, text: item.text });
      out += event('response.reasoning_summary_part.done', { ...where, summary_index: 0, part });
      done = reasoningItem(item.id, item.text, status);
    } else if (item.kind === 'message') {
      out += closePart(item);
      done = messageItem(item.id, item.parts!, status);
    } else {
      out += event('response.function_call_arguments.done', { ...where, name: item.name, arguments: item.text });
      done = functionCallItem(item.id, item.callId!, item.name!, item.text, status);
    }
    state.output.push(done);
    return out + event('response.output_item.done', { output_index: item.index, item: done });
  };

  const openItem = (kind: OpenItem['kind'], fields: Partial<OpenItem> = {}): string => {
    let out = close();
    const prefix = kind === 'reasoning' ? 'rs' : kind === 'message' ? 'msg' : 'fc';
    const item: OpenItem = { index: state.output.length, id: responsesId(prefix), kind, text: '', ...fields };
    open = item;
    const added =
      kind === 'reasoning' ? { ...reasoningItem(item.id, '', 'in_progress') }
      : kind === 'message' ? messageItem(item.id, [], 'in_progress')
      : functionCallItem(item.id, item.callId!, item.name!, '', 'in_progress');
    out += event('response.output_item.added', { output_index: item.index, item: added });
    if (kind === 'reasoning') {
      out += event('response.reasoning_summary_part.added', { item_id: item.id, output_index: item.index, summary_index: 0, part: { type: 'summary_text', text: '' } });
    }
    if (kind === 'message') item.parts = [];
    return out;
  };

  /** Text for the message item: opens it, and the part of the right kind, as needed. */
  const messageDelta = (kind: 'output_text' | 'refusal', delta: string): string => {
    let out = open?.kind === 'message' ? '' : openItem('message');
    const item = open!;
    if (item.part?.kind !== kind) {
      out += closePart(item);
      item.part = { kind, index: item.parts!.length };
      const part = kind === 'output_text' ? outputText('') : { type: 'refusal', refusal: '' };
      out += event('response.content_part.added', { item_id: item.id, output_index: item.index, content_index: item.part.index, part });
    }
    item.text += delta;
    const where = { item_id: item.id, output_index: item.index, content_index: item.part.index };
    return out + (kind === 'output_text' ? event('response.output_text.delta', { ...where, delta, logprobs: [] }) : event('response.refusal.delta', { ...where, delta }));
  };

  const chunkText = (chunk: Json): string => {
    let out = start(chunk.model);
    if (chunk.usage) state.usage = responsesUsage(chunk.usage) ?? state.usage;
    for (const choice of (chunk.choices as Json[] | undefined) ?? []) {
      const delta = (choice.delta ?? {}) as Json;
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content) {
        if (open?.kind !== 'reasoning') out += openItem('reasoning');
        open!.text += delta.reasoning_content;
        out += event('response.reasoning_summary_text.delta', { item_id: open!.id, output_index: open!.index, summary_index: 0, delta: delta.reasoning_content });
      }
      if (typeof delta.content === 'string' && delta.content) out += messageDelta('output_text', delta.content);
      if (typeof delta.refusal === 'string' && delta.refusal) out += messageDelta('refusal', delta.refusal);
      for (const call of (delta.tool_calls as Json[] | undefined) ?? []) {
        const fn = (call.function ?? {}) as Json;
        const toolIndex = Number(call.index ?? 0);
        if (open?.kind !== 'function' || open.toolIndex !== toolIndex) {
          out += openItem('function', { toolIndex, callId: String(call.id ?? `call_${toolIndex}`), name: String(fn.name ?? '') });
        }
        if (typeof fn.arguments === 'string' && fn.arguments) {
          open!.text += fn.arguments;
          out += event('response.function_call_arguments.delta', { item_id: open!.id, output_index: open!.index, delta: fn.arguments });
        }
      }
      if (choice.finish_reason) state.incomplete = incompleteReason(choice.finish_reason);
    }
    return out;
  };

  const finish = (): string => {
    if (finished) return '';
    finished = true;
    let out = start(undefined);
    // An answer of nothing at all still has its (empty) message, as the unstreamed answer does.
    if (!open && state.output.length === 0) out += messageDelta('output_text', '');
    out += close(state.incomplete ? 'incomplete' : 'completed');
    state.status = state.incomplete ? 'incomplete' : 'completed';
    // The adapter's own reading of the provider's usage (what the call is billed on) keeps cache writes apart.
    const provider = options.providerUsage?.();
    if (provider) state.usage = responsesUsageOf(provider);
    return out + event(state.incomplete ? 'response.incomplete' : 'response.completed', { response: snapshot() });
  };

  /**
   * The provider failed mid-way: the response ends as failed (the terminal event clients switch on), then an
   * `error` event whose top-level `error` key makes the official SDKs raise rather than return a cut answer.
   */
  const fail = (message: string): string => {
    if (finished) return '';
    finished = true;
    let out = start(undefined) + close('incomplete');
    state.status = 'failed';
    state.error = { code: 'server_error', message };
    out += event('response.failed', { response: snapshot() });
    return out + event('error', { code: 'server_error', message, param: null, error: { type: 'server_error', code: 'server_error', message, param: null } });
  };

  /** One unified event: the end marker, an error the adapter reported, or a chunk (anything unreadable is skipped). */
  const handle = (data: string): string => {
    if (finished || !data) return '';
    if (data === '[DONE]') return finish();
    const chunk = parseJsonObject(data);
    if (!chunk) return '';
    if (!isObject(chunk.error)) return chunkText(chunk);
    return fail(typeof chunk.error.message === 'string' ? chunk.error.message : 'The provider failed.');
  };

  return {
    /** Unified SSE text in; Responses SSE text out. */
    push: (text: string): string => parser.push(text).reduce((out, ev) => out + handle(ev.data), ''),
    /** The provider's stream ended as a complete answer without the unified `[DONE]`. */
    finish,
    fail,
    /** The response as the stream has built it (complete once finish has run): what the response store keeps. */
    response: (): Json => snapshot(),
  };
}

export type UnifiedToResponsesStream = ReturnType<typeof createUnifiedToResponsesStream>;
