/**
 * Gemini's `streamGenerateContent?alt=sse` → unified `chat.completion.chunk` SSE.
 *
 * Every Gemini event is a whole `GenerateContentResponse` carrying the next piece of each candidate, and
 * usually the running `usageMetadata` (the last one is the total). Gemini has no end marker: a stream is
 * complete when it ends after every candidate it started has carried a `finishReason`. Only then does the
 * caller get the usage chunk (if it asked) and `[DONE]`, so a cut stream never looks like a finished one.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { streamTranslator, type ChatCall, type ChatStreamTranslator, type ProviderTarget } from '../adapter';
import { createSseParser, type SseEvent } from '../sse/parser';
import { streamError } from './errors';
import { completionId, finishReasonOf, readParts } from './response';
import { normalizeGeminiUsage, openAiUsageOf } from './usage';
import type { GeminiResponse, GeminiUsageMetadata } from './wire';

type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function createGeminiStreamTranslator(call: ChatCall, target: ProviderTarget): ChatStreamTranslator {
  const parser = createSseParser();
  const created = Math.floor(Date.now() / 1000);
  let id: string | null = null;
  let model: string | null = null;
  let usageMeta: GeminiUsageMetadata | null = null;
  let error: string | null = null;
  let completed = false;
  /** Per choice index: whether its role went out, how many tool calls it made, whether it finished. */
  const started = new Set<number>();
  const toolCalls = new Map<number, number>();
  const finished = new Set<number>();
  const seen = new Set<number>();

  const frame = (choices: ChatCompletionChunk.Choice[], usage?: ChatCompletionChunk['usage']): string => {
    const chunk: ChatCompletionChunk = {
      id: id ?? completionId(undefined),
      object: 'chat.completion.chunk',
      created,
      model: model ?? target.model,
      choices,
    };
    if (usage) chunk.usage = usage;
    return `data: ${JSON.stringify(chunk)}\n\n`;
  };

  const choice = (index: number, delta: Delta, finish: ChatCompletionChunk.Choice['finish_reason'] = null): ChatCompletionChunk.Choice => {
    if (!started.has(index)) {
      started.add(index);
      delta = { role: 'assistant', ...delta };
    }
    return { index, delta, logprobs: null, finish_reason: finish };
  };

  const translate = (response: GeminiResponse): string => {
    if (typeof response.modelVersion === 'string') model ??= response.modelVersion;
    id ??= completionId(response.responseId);
    if (isObj(response.usageMetadata)) usageMeta = response.usageMetadata;
    let out = '';
    const candidates = Array.isArray(response.candidates) ? response.candidates : [];
    if (candidates.length === 0 && response.promptFeedback?.blockReason) {
      // The prompt itself was refused: the answer is over before it began.
      seen.add(0);
      finished.add(0);
      return frame([choice(0, { content: '' }, 'content_filter')]);
    }
    candidates.forEach((candidate, position) => {
      const index = typeof candidate.index === 'number' ? candidate.index : position;
      if (finished.has(index)) return;
      const view = readParts(candidate.content?.parts);
      const delta: Delta = {};
      if (view.thoughts !== '') delta.reasoning_content = view.thoughts;
      if (view.text !== '') delta.content = view.text;
      if (view.toolCalls.length > 0) {
        let n = toolCalls.get(index) ?? 0;
        delta.tool_calls = view.toolCalls.map((tc) => ({ index: n++, ...tc }));
        toolCalls.set(index, n);
      }
      if (Object.keys(delta).length > 0) out += frame([choice(index, delta)]);
      // A candidate that appeared must finish before the stream counts as complete.
      seen.add(index);
      if (candidate.finishReason) {
        finished.add(index);
        out += frame([choice(index, {}, finishReasonOf(candidate.finishReason, (toolCalls.get(index) ?? 0) > 0))]);
      }
    });
    return out;
  };

  const select = (events: SseEvent[]): string => {
    let out = '';
    for (const event of events) {
      if (event.comment || event.data === '' || error !== null) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(event.data);
      } catch {
        error = 'The provider sent a stream event that is not JSON.';
        // The relay ends a stream with an error as it is: the caller must be told here.
        out += `data: ${JSON.stringify({ error: { message: error, type: 'server_error', param: null, code: 'invalid_upstream_response' } })}\n\n`;
        continue;
      }
      const failure = streamError(parsed);
      if (failure) {
        error = failure.message;
        out += `data: ${JSON.stringify(failure.body)}\n\n`;
        continue;
      }
      if (isObj(parsed)) out += translate(parsed as GeminiResponse);
    }
    return out;
  };

  return streamTranslator(
    (chunk) => select(parser.push(chunk)),
    () => {
      let out = select(parser.end());
      const unfinished = [...seen].some((index) => !finished.has(index));
      if (error === null && finished.size > 0 && !unfinished) {
        completed = true;
        const usage = openAiUsageOf(usageMeta);
        if (call.clientWantsUsage && usage) out += frame([], usage);
        out += 'data: [DONE]\n\n';
      }
      return out;
    },
    () => ({ usage: normalizeGeminiUsage(usageMeta), model, completed, error }),
  );
}
