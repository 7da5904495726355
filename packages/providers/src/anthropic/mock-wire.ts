/**
 * The deterministic answers the mock Anthropic server gives, built as plain values typed with the Anthropic
 * SDK's own wire types, so their shape is checked at compile time and testable without a socket.
 */
import { randomBytes } from 'node:crypto';
import type {
  ContentBlock,
  Message,
  MessageDeltaUsage,
  RawMessageStreamEvent,
  StopReason,
  Usage as AnthropicUsage,
} from '@anthropic-ai/sdk/resources/messages';
import type { ErrorResponse, ErrorType } from '@anthropic-ai/sdk/resources/shared';
import { countWords, replyPieces } from '../openai/mock-wire';
import { sampleFromSchema } from '../mock-schema';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Anthropic-looking ids: `msg_01…`, `toolu_01…`, `req_01…` followed by 24 base62 characters. */
export function anthropicId(prefix: string): string {
  let id = `${prefix}01`;
  for (const b of randomBytes(22)) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

export function anthropicError(type: ErrorType | 'request_too_large', message: string): ErrorResponse {
  return { type: 'error', error: { type, message } as ErrorResponse['error'], request_id: anthropicId('req_') };
}

/** The text of a content value: a string, or its text blocks (and the text inside tool results). */
export function blocksText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const b of content) {
    if (!isObj(b)) continue;
    if (b.type === 'text' && typeof b.text === 'string') parts.push(b.text);
    else if (b.type === 'tool_result') parts.push(blocksText(b.content));
    else if (b.type === 'tool_use') parts.push(JSON.stringify(b.input ?? {}));
    else if (b.type === 'thinking' && typeof b.thinking === 'string') parts.push(b.thinking);
  }
  return parts.join(' ');
}

export interface PlannedTool {
  id: string;
  name: string;
  input: Json;
  /** The input JSON as the stream sends it: an empty first fragment, then pieces, like the real API. */
  fragments: string[];
}

/** Everything the mock's answer to one validated request depends on. */
export interface MessagePlan {
  id: string;
  model: string;
  thinking: { text: string; pieces: string[]; signature: string } | null;
  text: string;
  textPieces: string[];
  tools: PlannedTool[];
  stopReason: StopReason;
  stopSequence: string | null;
  usage: { input_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number; output_tokens: number };
}

/** A tool's input, filled from its schema, so tool inputs are deterministic and schema-shaped. */
function inputFor(schema: unknown, said: string): Json {
  const input = sampleFromSchema(schema, said);
  return isObj(input) ? input : {};
}

/** The JSON schema of `output_config.format` (structured output), when the request asks for one. */
function outputSchemaOf(body: Json): Json | null {
  const format = isObj(body.output_config) ? body.output_config.format : undefined;
  return isObj(format) && format.type === 'json_schema' && isObj(format.schema) ? format.schema : null;
}

function fragmentsOf(json: string): string[] {
  const out = [''];
  for (let i = 0; i < json.length; i += 6) out.push(json.slice(i, i + 6));
  return out;
}

/**
 * The answer: "Echo: " + the last user turn's text (or its tool results' text). Input tokens are the words of
 * the system prompt and of every message plus 3 per message; output tokens the words of the thinking and the
 * reply plus a quarter of each tool input's JSON length. Switches:
 * - `thinking` in the request: a thinking block first, with a signature;
 * - `tools` (and a tool choice other than `none`) while the last user turn holds no tool result: tool calls,
 *   two in parallel when two tools are offered and parallel use is not disabled, after a short text unless
 *   the choice forces a tool;
 * - a model name containing `cached`: half the prompt read from the cache, a quarter written to it, and only
 *   the rest as `input_tokens` (Anthropic's input_tokens exclude cache tokens);
 * - `output_config.format` (structured output) while no tool is called: the reply is JSON filled from its
 *   schema (strings carry the user's text), as Anthropic's constrained decoding guarantees;
 * - `stop_sequences` found in the reply cut it there; `max_tokens` below the reply's word count truncates it.
 */
export function planMessage(body: Json): MessagePlan {
  const messages = body.messages as Json[];
  let prompt = countWords(blocksText(body.system));
  for (const m of messages) prompt += countWords(blocksText(m.content)) + 3;
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const lastContent = lastUser?.content;
  const hasToolResult = Array.isArray(lastContent) && lastContent.some((b) => isObj(b) && b.type === 'tool_result');
  const said = Array.isArray(lastContent)
    ? blocksText(lastContent.filter((b) => isObj(b) && b.type === 'text')) || blocksText(lastContent)
    : blocksText(lastContent);

  const thinkingOn = isObj(body.thinking) && (body.thinking.type === 'enabled' || body.thinking.type === 'adaptive');
  const thinkingText = `The user wrote: ${said}. I will echo it back.`;
  const thinking = thinkingOn ? { text: thinkingText, pieces: replyPieces(thinkingText), signature: randomBytes(48).toString('base64') } : null;

  const offered = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  const choice = isObj(body.tool_choice) ? body.tool_choice : { type: 'auto' };
  let tools: PlannedTool[] = [];
  const outputSchema = outputSchemaOf(body);
  let text = outputSchema ? JSON.stringify(sampleFromSchema(outputSchema, said)) : `Echo: ${said}`;
  let stopReason: StopReason = 'end_turn';
  let stopSequence: string | null = null;
  if (offered.length > 0 && choice.type !== 'none' && !hasToolResult) {
    const chosen =
      choice.type === 'tool' ? offered.filter((t) => t.name === choice.name) : offered.slice(0, choice.disable_parallel_tool_use === true ? 1 : 2);
    tools = chosen.map((t) => {
      const input = inputFor(t.input_schema, said);
      return { id: anthropicId('toolu_'), name: String(t.name), input, fragments: fragmentsOf(JSON.stringify(input)) };
    });
    text = choice.type === 'auto' ? 'Let me check that.' : '';
    stopReason = 'tool_use';
  } else {
    // The stop sequence that occurs first in the reply wins.
    let cutAt = Infinity;
    for (const s of Array.isArray(body.stop_sequences) ? (body.stop_sequences as string[]) : []) {
      const at = text.indexOf(s);
      if (at >= 0 && at < cutAt) [cutAt, stopSequence] = [at, s];
    }
    if (stopSequence !== null) {
      text = text.slice(0, cutAt);
      stopReason = 'stop_sequence';
    }
  }
  let textPieces = text === '' ? [] : replyPieces(text);
  const maxTokens = body.max_tokens as number;
  const budget = (thinking?.pieces.length ?? 0) + textPieces.length;
  if (tools.length === 0 && budget > maxTokens) {
    textPieces = textPieces.slice(0, Math.max(0, maxTokens - (thinking?.pieces.length ?? 0)));
    text = textPieces.join('');
    stopReason = 'max_tokens';
    stopSequence = null;
  }

  const cacheRead = body.model && String(body.model).includes('cached') ? Math.floor(prompt / 2) : 0;
  const cacheWrite = cacheRead > 0 ? Math.floor(prompt / 4) : 0;
  const toolTokens = tools.reduce((n, t) => n + Math.ceil(JSON.stringify(t.input).length / 4), 0);
  return {
    id: anthropicId('msg_'),
    model: String(body.model),
    thinking,
    text,
    textPieces,
    tools,
    stopReason,
    stopSequence,
    usage: {
      input_tokens: prompt - cacheRead - cacheWrite,
      cache_read_input_tokens: cacheRead,
      cache_creation_input_tokens: cacheWrite,
      output_tokens: (thinking?.pieces.length ?? 0) + textPieces.length + toolTokens,
    },
  };
}

function usageOf(plan: MessagePlan, outputTokens: number): AnthropicUsage {
  return {
    ...plan.usage,
    output_tokens: outputTokens,
    cache_creation: { ephemeral_5m_input_tokens: plan.usage.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 },
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: 'standard',
    speed: null,
  };
}

function contentOf(plan: MessagePlan): ContentBlock[] {
  const content: ContentBlock[] = [];
  if (plan.thinking) content.push({ type: 'thinking', thinking: plan.thinking.text, signature: plan.thinking.signature });
  if (plan.text !== '') content.push({ type: 'text', text: plan.text, citations: null });
  for (const t of plan.tools) content.push({ type: 'tool_use', id: t.id, name: t.name, input: t.input, caller: { type: 'direct' } });
  return content;
}

export function messageBody(plan: MessagePlan): Message {
  return {
    id: plan.id,
    type: 'message',
    role: 'assistant',
    model: plan.model,
    content: contentOf(plan),
    stop_reason: plan.stopReason,
    stop_sequence: plan.stopSequence,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: usageOf(plan, plan.usage.output_tokens),
  };
}

/** One SSE frame as Anthropic writes it: an `event:` line naming the type, then the JSON `data:` line. */
export const frame = (event: RawMessageStreamEvent | ErrorResponse | { type: 'ping' }): string =>
  `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

/**
 * The frames of a streamed answer in Anthropic's order: message_start (input usage, output 1), then per
 * content block a start, its deltas and a stop — a ping after the first block starts — then message_delta
 * (stop reason, cumulative usage) and message_stop.
 */
export function messageStreamFrames(plan: MessagePlan): string[] {
  const frames: string[] = [
    frame({ type: 'message_start', message: { ...messageBody(plan), content: [], stop_reason: null, stop_sequence: null, usage: usageOf(plan, 1) } }),
  ];
  let index = 0;
  const block = (start: ContentBlock, deltas: RawMessageStreamEvent[]) => {
    frames.push(frame({ type: 'content_block_start', index, content_block: start }));
    if (index === 0) frames.push(frame({ type: 'ping' }));
    for (const d of deltas) frames.push(frame(d));
    frames.push(frame({ type: 'content_block_stop', index }));
    index++;
  };
  if (plan.thinking) {
    const { pieces, signature } = plan.thinking;
    block({ type: 'thinking', thinking: '', signature: '' }, [
      ...pieces.map((thinking): RawMessageStreamEvent => ({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } })),
      { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature } },
    ]);
  }
  if (plan.textPieces.length > 0) {
    block(
      { type: 'text', text: '', citations: null },
      plan.textPieces.map((text) => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } })),
    );
  }
  for (const t of plan.tools) {
    block(
      { type: 'tool_use', id: t.id, name: t.name, input: {}, caller: { type: 'direct' } },
      t.fragments.map((partial_json) => ({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } })),
    );
  }
  const finalUsage: MessageDeltaUsage = {
    input_tokens: plan.usage.input_tokens,
    cache_read_input_tokens: plan.usage.cache_read_input_tokens,
    cache_creation_input_tokens: plan.usage.cache_creation_input_tokens,
    output_tokens: plan.usage.output_tokens,
    output_tokens_details: null,
    server_tool_use: null,
  };
  frames.push(
    frame({ type: 'message_delta', delta: { stop_reason: plan.stopReason, stop_sequence: plan.stopSequence, stop_details: null, container: null }, usage: finalUsage }),
    frame({ type: 'message_stop' }),
  );
  return frames;
}

/** Model names that make the mock fail the way Anthropic does. */
export const MOCK_SWITCH_MODELS = ['mock-error-529', 'mock-error-429', 'mock-cut-stream', 'mock-stream-error'] as const;
