/**
 * Anthropic's streamed Message (SSE events `message_start` … `message_stop`) → OpenAI `chat.completion.chunk`
 * events, translated event by event as bytes arrive: nothing is held back but an incomplete SSE event.
 *
 * Thinking streams as `delta.reasoning_content`; a thinking block's signature (needed to hand the block back
 * on a later tool-use turn) as a `delta.thinking_blocks` entry with empty thinking text, LiteLLM's convention.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Usage } from '@tollgate/domain';
import { streamTranslator, type ChatCall, type ChatStreamTranslator } from '../adapter';
import { createSseParser, type SseEvent } from '../sse/parser';
import { unifiedErrorBody } from './errors';
import { finishReasonOf, type ThinkingBlockOut } from './response';
import { normalizeAnthropicUsage, openAiUsageOf } from './usage';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string; thinking_blocks?: ThinkingBlockOut[] };
type FinishReason = ChatCompletionChunk.Choice['finish_reason'];

/** What a content block became on the OpenAI side; tool calls are numbered among tool calls only. */
type BlockKind = { kind: 'text' } | { kind: 'thinking' } | { kind: 'tool'; toolIndex: number } | { kind: 'other' };

const sse = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;

export function createAnthropicStreamTranslator(call: ChatCall): ChatStreamTranslator {
  const parser = createSseParser();
  const created = Math.floor(Date.now() / 1000);
  const blocks = new Map<number, BlockKind>();
  let id = '';
  let model: string | null = null;
  let rawUsage: Obj | null = null;
  let usage: Usage | null = null;
  let toolCount = 0;
  let roleSent = false;
  let finishSent = false;
  let completed = false;
  let error: string | null = null;

  const chunk = (delta: Delta, finish: FinishReason = null): string => {
    if (!roleSent) {
      roleSent = true;
      delta = { role: 'assistant', ...delta };
    }
    const c: ChatCompletionChunk = {
      id,
      object: 'chat.completion.chunk',
      created,
      model: model ?? '',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    return sse(c);
  };

  // Anthropic reports usage cumulatively: input and cache counts at message_start, the output count (and in
  // newer API versions the rest again) at message_delta. Later non-null numbers replace earlier ones.
  const mergeUsage = (u: unknown): void => {
    if (!isObj(u)) return;
    rawUsage ??= {};
    for (const [k, v] of Object.entries(u)) if (v !== null && v !== undefined) rawUsage[k] = v;
    usage = normalizeAnthropicUsage(rawUsage);
  };

  const fail = (anthropicError: unknown): string => {
    const body = unifiedErrorBody(anthropicError) ?? {
      error: { message: 'The provider sent an invalid stream event.', type: 'server_error', param: null, code: 'invalid_upstream_response' },
    };
    error ??= body.error.message.slice(0, 2_000);
    return sse(body);
  };

  const blockStart = (index: number, block: unknown): string => {
    if (!isObj(block)) return '';
    switch (block.type) {
      case 'text':
        blocks.set(index, { kind: 'text' });
        return typeof block.text === 'string' && block.text !== '' ? chunk({ content: block.text }) : '';
      case 'thinking':
        blocks.set(index, { kind: 'thinking' });
        return typeof block.thinking === 'string' && block.thinking !== '' ? chunk({ reasoning_content: block.thinking }) : '';
      case 'redacted_thinking':
        blocks.set(index, { kind: 'other' });
        return typeof block.data === 'string' ? chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: block.data }] }) : '';
      case 'tool_use': {
        const toolIndex = toolCount++;
        blocks.set(index, { kind: 'tool', toolIndex });
        const input = isObj(block.input) && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : '';
        return chunk({
          tool_calls: [{ index: toolIndex, id: String(block.id ?? ''), type: 'function', function: { name: String(block.name ?? ''), arguments: input } }],
        });
      }
      default:
        // Server-side tool blocks (web search and the like) have no OpenAI counterpart.
        blocks.set(index, { kind: 'other' });
        return '';
    }
  };

  const blockDelta = (index: number, delta: unknown): string => {
    if (!isObj(delta)) return '';
    const block = blocks.get(index);
    switch (delta.type) {
      case 'text_delta':
        return typeof delta.text === 'string' && delta.text !== '' ? chunk({ content: delta.text }) : '';
      case 'thinking_delta':
        return typeof delta.thinking === 'string' && delta.thinking !== '' ? chunk({ reasoning_content: delta.thinking }) : '';
      case 'signature_delta':
        return typeof delta.signature === 'string' ? chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: delta.signature }] }) : '';
      case 'input_json_delta':
        if (block?.kind !== 'tool' || typeof delta.partial_json !== 'string' || delta.partial_json === '') return '';
        return chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: delta.partial_json } }] });
      default:
        return '';
    }
  };

  const handle = (event: SseEvent): string => {
    if (event.comment || event.data === '') return '';
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      return fail(undefined);
    }
    if (!isObj(data)) return fail(undefined);
    switch (data.type) {
      case 'message_start': {
        const message = isObj(data.message) ? data.message : {};
        if (typeof message.id === 'string') id = message.id;
        if (typeof message.model === 'string') model = message.model;
        mergeUsage(message.usage);
        return roleSent ? '' : chunk({ content: '' });
      }
      case 'content_block_start':
        return blockStart(Number(data.index), data.content_block);
      case 'content_block_delta':
        return blockDelta(Number(data.index), data.delta);
      case 'message_delta': {
        mergeUsage(data.usage);
        const stop = isObj(data.delta) ? data.delta.stop_reason : undefined;
        if (stop === undefined || stop === null || finishSent) return '';
        finishSent = true;
        return chunk({}, finishReasonOf(stop));
      }
      case 'message_stop': {
        completed = true;
        let out = finishSent ? '' : chunk({}, 'stop');
        finishSent = true;
        if (call.clientWantsUsage && usage) {
          const last: ChatCompletionChunk = { id, object: 'chat.completion.chunk', created, model: model ?? '', choices: [], usage: openAiUsageOf(usage) };
          out += sse(last);
        }
        return `${out}data: [DONE]\n\n`;
      }
      case 'error':
        return fail(data.error);
      default:
        // `ping`, `content_block_stop`, and event types Anthropic may add later carry nothing to translate.
        return '';
    }
  };

  const translate = (events: SseEvent[]): string => {
    let out = '';
    for (const event of events) out += handle(event);
    return out;
  };

  return streamTranslator(
    (bytes) => translate(parser.push(bytes)),
    () => translate(parser.end()),
    () => ({ usage, model, completed, error }),
  );
}
