/**
 * Bedrock's ConverseStream answer — the binary AWS event stream (`application/vnd.amazon.eventstream`) — →
 * OpenAI `chat.completion.chunk` SSE events, translated frame by frame as bytes arrive.
 *
 * Each frame is `[total length u32][headers length u32][prelude crc][headers][payload][message crc]`; chunks
 * of the HTTP body may split a frame anywhere, so bytes are buffered until the prelude's total length is
 * there, and only whole frames go to `EventStreamCodec.decode` (which checks both CRCs).
 */
import { EventStreamCodec, type Message } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Usage } from '@tollgate/domain';
import { streamTranslator, type ChatCall, type ChatStreamTranslator, type UnifiedErrorBody } from '../adapter';
import { streamExceptionBody } from './errors';
import { completionId, finishReasonOf } from './response';
import { normalizeBedrockUsage, openAiUsageOf } from './usage';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };
type FinishReason = ChatCompletionChunk.Choice['finish_reason'];

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const sse = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;
/** The prelude (12 bytes) plus the message CRC: no frame is shorter. */
const MIN_FRAME = 16;
/** Bedrock frames are small; a prelude claiming more than this is corruption, not a frame to wait for. */
const MAX_FRAME = 16 * 1024 * 1024;

const header = (m: Message, name: string): string => {
  const h = m.headers[name];
  return h && h.type === 'string' ? h.value : '';
};

export function createBedrockStreamTranslator(call: ChatCall, model: string): ChatStreamTranslator {
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const toolIndexOf = new Map<number, number>();
  let buffer: Buffer = Buffer.alloc(0);
  let usage: Usage | null = null;
  let roleSent = false;
  let stopped = false;
  let completed = false;
  let broken = false;
  let error: string | null = null;

  const chunk = (delta: Delta, finish: FinishReason = null): string => {
    if (!roleSent) {
      roleSent = true;
      delta = { role: 'assistant', ...delta };
    }
    const c: ChatCompletionChunk = { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
    return sse(c);
  };

  const fail = (body: UnifiedErrorBody): string => {
    error ??= body.error.message.slice(0, 2_000);
    return sse(body);
  };
  const invalidStream = (): string => {
    // After a corrupt frame nothing later can be trusted to be aligned: stop reading.
    broken = true;
    return fail({ error: { message: 'The provider sent an invalid event stream.', type: 'server_error', param: null, code: 'invalid_upstream_response' } });
  };

  const finish = (): string => {
    completed = true;
    let out = '';
    if (call.clientWantsUsage && usage) {
      out += sse({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: openAiUsageOf(usage) } satisfies ChatCompletionChunk);
    }
    return `${out}data: [DONE]\n\n`;
  };

  const toolIndex = (block: number): number => {
    let index = toolIndexOf.get(block);
    if (index === undefined) toolIndexOf.set(block, (index = toolIndexOf.size));
    return index;
  };

  const event = (type: string, data: Obj): string => {
    switch (type) {
      case 'messageStart':
        return roleSent ? '' : chunk({ content: '' });
      case 'contentBlockStart': {
        const start = isObj(data.start) ? data.start.toolUse : undefined;
        if (!isObj(start)) return '';
        const index = toolIndex(Number(data.contentBlockIndex));
        return chunk({ tool_calls: [{ index, id: String(start.toolUseId ?? ''), type: 'function', function: { name: String(start.name ?? ''), arguments: '' } }] });
      }
      case 'contentBlockDelta': {
        const delta = isObj(data.delta) ? data.delta : {};
        if (typeof delta.text === 'string') return delta.text === '' ? '' : chunk({ content: delta.text });
        if (isObj(delta.toolUse) && typeof delta.toolUse.input === 'string' && delta.toolUse.input !== '') {
          return chunk({ tool_calls: [{ index: toolIndex(Number(data.contentBlockIndex)), function: { arguments: delta.toolUse.input } }] });
        }
        if (isObj(delta.reasoningContent) && typeof delta.reasoningContent.text === 'string' && delta.reasoningContent.text !== '') {
          return chunk({ reasoning_content: delta.reasoningContent.text });
        }
        return '';
      }
      case 'messageStop':
        stopped = true;
        return chunk({}, finishReasonOf(data.stopReason)) + (usage ? finish() : '');
      case 'metadata':
        usage = normalizeBedrockUsage(data.usage) ?? usage;
        // Bedrock sends metadata after messageStop; the answer is complete once both are in.
        return stopped && !completed ? finish() : '';
      default:
        // contentBlockStop, and event types Bedrock may add later, carry nothing to translate.
        return '';
    }
  };

  const frame = (bytes: Uint8Array): string => {
    let message: Message;
    let payload: unknown;
    try {
      message = codec.decode(bytes);
      payload = message.body.length > 0 ? JSON.parse(toUtf8(message.body)) : {};
    } catch {
      return invalidStream();
    }
    const kind = header(message, ':message-type');
    if (kind === 'exception') return fail(streamExceptionBody(header(message, ':exception-type'), payload));
    if (kind === 'error') {
      return fail({ error: { message: header(message, ':error-message') || 'The provider reported a stream error.', type: 'server_error', param: null, code: header(message, ':error-code') || 'upstream_error' } });
    }
    return isObj(payload) ? event(header(message, ':event-type'), payload) : invalidStream();
  };

  const push = (bytes: Uint8Array): string => {
    if (broken || bytes.length === 0) return '';
    buffer = buffer.length === 0 ? Buffer.from(bytes) : Buffer.concat([buffer, bytes]);
    let out = '';
    while (!broken && buffer.length >= 4) {
      const total = buffer.readUInt32BE(0);
      if (total < MIN_FRAME || total > MAX_FRAME) return out + invalidStream();
      if (buffer.length < total) break;
      out += frame(buffer.subarray(0, total));
      buffer = buffer.subarray(total);
    }
    return out;
  };

  // A partial frame at the end is a cut stream; `completed` stays false and the gateway reports that.
  return streamTranslator(push, () => '', () => ({ usage, model, completed, error }));
}
