import type { Usage } from '@tollgate/domain';
import type { ChatRequest } from '../adapter';
import { normalizeOpenAiUsage } from '../openai/usage';
import { createSseParser } from '../sse/parser';
import { anthropicMessageId, stopReasonFor } from './response';
import { anthropicUsage, estimateInputTokens, type AnthropicUsage } from './usage';

type Json = Record<string, unknown>;

const event = (name: string, data: Json) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;

export interface UnifiedToAnthropicOptions {
  /**
   * The provider's usage so far, as its stream translator normalised it: an Anthropic upstream's input and
   * cache counts arrive with its first event, Gemini's with every chunk, and this keeps cache writes apart,
   * which the unified usage chunk cannot.
   */
  providerUsage?: () => Usage | null;
  /** The request, to estimate the input tokens when the provider has reported none by the first event. */
  request?: ChatRequest;
}

/**
 * Turns the unified stream (OpenAI `chat.completion.chunk` SSE, usage chunk included) into Anthropic's
 * event sequence: message_start, content blocks (thinking, text, tool_use with input_json_delta fragments),
 * message_delta with the stop reason and usage, message_stop. Incremental: text in, text out.
 *
 * Usage follows Anthropic (ADR 0023): message_start carries the input and cache counts — the provider's own
 * when it has sent them by then, else an estimate — and message_delta the final counts. Clients read these two
 * events differently: the Anthropic SDK overwrites the start's counts with the delta's, LangChain adds the two
 * events up. So message_start claims no output yet, and message_delta repeats a cache count only where it
 * corrects message_start's (null otherwise), which leaves both kinds of client with the final totals.
 */
export function createUnifiedToAnthropicStream(requestedModel: string, options: UnifiedToAnthropicOptions = {}) {
  const parser = createSseParser();
  const id = anthropicMessageId();
  let started = false;
  let open: { index: number; kind: 'text' | 'thinking' | 'tool'; toolIndex?: number } | null = null;
  let nextIndex = 0;
  let stopReason = 'end_turn';
  let chunkUsage: Usage | null = null;
  let opening: AnthropicUsage = anthropicUsage(null);
  let finished = false;
  const knownUsage = (): Usage | null => options.providerUsage?.() ?? chunkUsage;

  const start = (model: unknown) => {
    if (started) return '';
    started = true;
    const known = knownUsage();
    opening = known
      ? { ...anthropicUsage(known), output_tokens: 0 }
      : { ...anthropicUsage(null), input_tokens: options.request ? estimateInputTokens(options.request) : 0 };
    const message = { id, type: 'message', role: 'assistant', model: typeof model === 'string' ? model : requestedModel, content: [], stop_reason: null, stop_sequence: null, usage: opening };
    return event('message_start', { message });
  };
  const finalUsage = () => {
    const known = knownUsage();
    // A provider that never reported usage leaves the opening counts standing rather than claiming zero.
    const final = known ? anthropicUsage(known) : opening;
    const correction = (key: 'cache_creation_input_tokens' | 'cache_read_input_tokens') => (final[key] === opening[key] ? null : final[key]);
    return {
      input_tokens: final.input_tokens,
      cache_creation_input_tokens: correction('cache_creation_input_tokens'),
      cache_read_input_tokens: correction('cache_read_input_tokens'),
      output_tokens: final.output_tokens,
    };
  };
  const close = () => {
    if (!open) return '';
    const text = event('content_block_stop', { index: open.index });
    open = null;
    return text;
  };
  const openBlock = (kind: 'text' | 'thinking' | 'tool', block: Json, toolIndex?: number) => {
    const text = close();
    open = { index: nextIndex++, kind, toolIndex };
    return text + event('content_block_start', { index: open.index, content_block: block });
  };
  const finish = () => {
    if (finished) return '';
    finished = true;
    return close() + event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: finalUsage() }) + event('message_stop', {});
  };

  const chunkText = (chunk: Json): string => {
    if (chunk.usage) chunkUsage = normalizeOpenAiUsage(chunk.usage);
    let out = start(chunk.model);
    for (const choice of (chunk.choices as Json[] | undefined) ?? []) {
      const delta = (choice.delta ?? {}) as Json;
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content) {
        if (open?.kind !== 'thinking') out += openBlock('thinking', { type: 'thinking', thinking: '', signature: '' });
        out += event('content_block_delta', { index: open!.index, delta: { type: 'thinking_delta', thinking: delta.reasoning_content } });
      }
      if (typeof delta.content === 'string' && delta.content) {
        if (open?.kind !== 'text') out += openBlock('text', { type: 'text', text: '' });
        out += event('content_block_delta', { index: open!.index, delta: { type: 'text_delta', text: delta.content } });
      }
      for (const call of (delta.tool_calls as Json[] | undefined) ?? []) {
        const fn = (call.function ?? {}) as Json;
        const toolIndex = Number(call.index ?? 0);
        if (open?.kind !== 'tool' || open.toolIndex !== toolIndex) {
          out += openBlock('tool', { type: 'tool_use', id: String(call.id ?? `toolu_${toolIndex}`), name: String(fn.name ?? ''), input: {} }, toolIndex);
        }
        if (typeof fn.arguments === 'string' && fn.arguments) {
          out += event('content_block_delta', { index: open!.index, delta: { type: 'input_json_delta', partial_json: fn.arguments } });
        }
      }
      if (choice.finish_reason) stopReason = stopReasonFor(choice.finish_reason);
    }
    return out;
  };

  return {
    /** Unified SSE text in; Anthropic SSE text out. */
    push(text: string): string {
      let out = '';
      for (const ev of parser.push(text)) {
        if (!ev.data) continue;
        if (ev.data === '[DONE]') {
          out += start(undefined) + finish();
          continue;
        }
        let chunk: Json;
        try {
          chunk = JSON.parse(ev.data) as Json;
        } catch {
          continue;
        }
        if (chunk.error) {
          const e = chunk.error as Json;
          out += event('error', { error: { type: 'api_error', message: String(e.message ?? 'The provider failed.') } });
          continue;
        }
        out += chunkText(chunk);
      }
      return out;
    },
  };
}
