import type { Usage } from '@tollgate/domain';
import type { ChatRequest } from '../adapter';

/** Usage as Anthropic reports it on `/v1/messages`. */
export interface AnthropicUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

/**
 * The gateway's normalised usage in Anthropic's terms. Built from {@link Usage} rather than from the unified
 * OpenAI-shape usage because that shape folds cache writes into `prompt_tokens`: an Anthropic upstream's
 * `cache_creation_input_tokens` would come back as plain input. Reasoning tokens are output, as Anthropic
 * counts thinking.
 */
export function anthropicUsage(u: Usage | null): AnthropicUsage {
  return {
    input_tokens: u?.inputTokens ?? 0,
    cache_creation_input_tokens: u?.cacheWriteTokens ?? 0,
    cache_read_input_tokens: u?.cacheReadTokens ?? 0,
    output_tokens: (u?.outputTokens ?? 0) + (u?.reasoningTokens ?? 0),
  };
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

// About 4 characters per token for English text and JSON with the usual tokenizers; each message costs a few
// framing tokens; an image a flat count (providers charge by size, which the gateway does not decode).
const CHARS_PER_TOKEN = 4;
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_IMAGE = 85;

function contentChars(content: unknown): { chars: number; images: number } {
  if (typeof content === 'string') return { chars: content.length, images: 0 };
  let chars = 0;
  let images = 0;
  if (Array.isArray(content)) {
    for (const part of content) {
      if (!isObj(part)) continue;
      if (typeof part.text === 'string') chars += part.text.length;
      else if (part.type === 'image_url') images++;
    }
  }
  return { chars, images };
}

/**
 * A best guess at a request's input tokens, for a stream whose provider reports its usage only at the end
 * (OpenAI's usage chunk, Bedrock's metadata event) while Anthropic's stream must open with a count: the
 * characters of the messages' text, tool calls and tool definitions over 4, plus framing per message and a
 * flat count per image. Meant to be near, not generous (the limit step's estimate is the generous one); the
 * stream's `message_delta` then carries the provider's real count.
 */
export function estimateInputTokens(request: ChatRequest): number {
  let chars = 0;
  let tokens = 0;
  for (const m of request.messages) {
    if (!isObj(m)) continue;
    const c = contentChars(m.content);
    chars += c.chars;
    tokens += TOKENS_PER_MESSAGE + c.images * TOKENS_PER_IMAGE;
    if (Array.isArray(m.tool_calls)) chars += JSON.stringify(m.tool_calls).length;
  }
  if (Array.isArray(request.tools)) chars += JSON.stringify(request.tools).length;
  if (isObj(request.response_format)) chars += JSON.stringify(request.response_format).length;
  return Math.max(1, tokens + Math.ceil(chars / CHARS_PER_TOKEN));
}
