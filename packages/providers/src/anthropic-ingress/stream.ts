import { createSseParser } from '../sse/parser';
import { anthropicMessageId, anthropicUsage, stopReasonFor } from './response';

type Json = Record<string, unknown>;

const event = (name: string, data: Json) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;

/**
 * Turns the unified stream (OpenAI `chat.completion.chunk` SSE, usage chunk included) into Anthropic's
 * event sequence: message_start, content blocks (thinking, text, tool_use with input_json_delta fragments),
 * message_delta with the stop reason and usage, message_stop. Incremental: text in, text out.
 */
export function createUnifiedToAnthropicStream(requestedModel: string) {
  const parser = createSseParser();
  const id = anthropicMessageId();
  let started = false;
  let open: { index: number; kind: 'text' | 'thinking' | 'tool'; toolIndex?: number } | null = null;
  let nextIndex = 0;
  let stopReason = 'end_turn';
  let usage: ReturnType<typeof anthropicUsage> | null = null;
  let finished = false;

  const start = (model: unknown) => {
    if (started) return '';
    started = true;
    const message = { id, type: 'message', role: 'assistant', model: typeof model === 'string' ? model : requestedModel, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    return event('message_start', { message });
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
    const u = usage ?? anthropicUsage(undefined);
    return close() + event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: u }) + event('message_stop', {});
  };

  const chunkText = (chunk: Json): string => {
    let out = start(chunk.model);
    if (chunk.usage) usage = anthropicUsage(chunk.usage);
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
