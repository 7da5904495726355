/**
 * The deterministic bodies the mock OpenAI server answers with, built as plain values so the shapes can be
 * checked against the SDK's own types and tested without a socket.
 */
import { randomBytes } from 'node:crypto';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { Model } from 'openai/resources/models';

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export const openAiError = (
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): OpenAiErrorBody => ({ error: { message, type, param, code } });

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  openAiError(message, 'invalid_request_error', param, code);

const SYSTEM_FINGERPRINT = 'fp_7c1a5e0b3d';
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** OpenAI-looking ids: a prefix and random alphanumerics (`chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG`). */
export function randomId(prefix: string, length = 29): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text of a message content: a string, or the `text` parts of a content-part array. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p): p is { type: 'text'; text: string } => isObj(p) && p.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text)
    .join(' ');
}

export const countWords = (text: string): number => text.match(/\S+/g)?.length ?? 0;

/** The reply split into stream pieces, one per word with its leading whitespace, so they concatenate back. */
export function replyPieces(content: string): string[] {
  const pieces: string[] = content.match(/\s*\S+/g) ?? [];
  const covered = pieces.join('').length;
  if (covered < content.length) {
    if (pieces.length === 0) pieces.push(content);
    else pieces[pieces.length - 1] += content.slice(covered);
  }
  return pieces;
}

/** JSON mode's answer: the user's text when it is JSON, else `{}`. */
export function jsonAnswer(text: string): string {
  try {
    JSON.parse(text);
    return text;
  } catch {
    return '{}';
  }
}

/** What the request asked for, once validated; everything the mock's answer depends on. */
export interface ChatPlan {
  model: string;
  content: string;
  pieces: string[];
  finishReason: 'stop' | 'length';
  usage: CompletionUsage;
}

/**
 * The deterministic answer to a chat request: "Echo: " + the last user message; prompt tokens are the words of
 * every message plus 3 per message, completion tokens the words of the reply. A model whose name contains
 * `cached` reports half its prompt as cached; an o-series model (`o1`, `o3`, `o4-mini`: `o` and a digit)
 * reports 5 reasoning tokens. Both are included in their totals, as OpenAI does.
 */
export function planChat(
  model: string,
  messages: ReadonlyArray<Record<string, unknown>>,
  maxTokens: number | undefined,
  /** `response_format` asked for JSON: like the real API, the answer is JSON — the last user message when it is JSON, else `{}`. */
  jsonMode = false,
  /** How a message's text counts as prompt tokens: words (default), or a real tokenizer (see MockOpenAiOptions). */
  countPrompt: (text: string) => number = countWords,
): ChatPlan {
  let promptTokens = 0;
  let lastUser = '';
  for (const m of messages) {
    const text = contentText(m.content);
    promptTokens += countPrompt(text) + 3;
    if (m.role === 'user') lastUser = text;
  }
  let pieces = replyPieces(jsonMode ? jsonAnswer(lastUser) : `Echo: ${lastUser}`);
  let finishReason: ChatPlan['finishReason'] = 'stop';
  if (maxTokens !== undefined && pieces.length > maxTokens) {
    pieces = pieces.slice(0, maxTokens);
    finishReason = 'length';
  }
  const reasoning = /^o\d/.test(model) ? 5 : 0;
  const cached = model.includes('cached') ? Math.floor(promptTokens / 2) : 0;
  const completionTokens = pieces.length + reasoning;
  return {
    model,
    content: pieces.join(''),
    pieces,
    finishReason,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: reasoning,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
  };
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function chatCompletionBody(plan: ChatPlan): ChatCompletion {
  return {
    id: randomId('chatcmpl-'),
    object: 'chat.completion',
    created: nowSeconds(),
    model: plan.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: plan.content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: plan.finishReason,
      },
    ],
    usage: plan.usage,
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

/**
 * The SSE frames of a streamed answer, in order, each a complete `data: …\n\n` event: the role chunk, a chunk
 * per word, the finish chunk, with `include_usage` a usage chunk with no choices (and `"usage": null` on
 * every other chunk), then `[DONE]`.
 */
export function chatStreamFrames(plan: ChatPlan, includeUsage: boolean): string[] {
  const id = randomId('chatcmpl-');
  const created = nowSeconds();
  const chunk = (
    choices: ChatCompletionChunk['choices'],
    usage: CompletionUsage | null,
  ): ChatCompletionChunk => {
    const c: ChatCompletionChunk = {
      id,
      object: 'chat.completion.chunk',
      created,
      model: plan.model,
      service_tier: 'default',
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices,
    };
    if (includeUsage) c.usage = usage;
    return c;
  };
  const choice = (
    delta: ChatCompletionChunk.Choice.Delta,
    finish: ChatCompletionChunk.Choice['finish_reason'] = null,
  ): ChatCompletionChunk.Choice => ({ index: 0, delta, logprobs: null, finish_reason: finish });

  const chunks: ChatCompletionChunk[] = [chunk([choice({ role: 'assistant', content: '', refusal: null })], null)];
  for (const piece of plan.pieces) chunks.push(chunk([choice({ content: piece })], null));
  chunks.push(chunk([choice({}, plan.finishReason)], null));
  if (includeUsage) chunks.push(chunk([], plan.usage));
  return [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), 'data: [DONE]\n\n'];
}

/** A deterministic unit vector of 8 floats for a text, so equal inputs embed equally. */
export function embedText(text: string): number[] {
  // FNV-1a seeds a xorshift generator: cheap, stable across runs and platforms.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  let s = h || 1;
  const v: number[] = [];
  for (let i = 0; i < 8; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    v.push(s / 0xffffffff - 0.5);
  }
  const norm = Math.hypot(...v) || 1;
  // Rounded through float32 so the float and base64 encodings carry the same numbers.
  return v.map((x) => Math.fround(x / norm));
}

export function float32Base64(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

export const MOCK_SWITCH_MODELS = ['mock-error-500', 'mock-error-429', 'mock-cut-stream'] as const;

export function modelObject(id: string): Model {
  return { id, object: 'model', created: 1_700_000_000, owned_by: id.startsWith('mock-') ? 'tollgate' : 'system' };
}
