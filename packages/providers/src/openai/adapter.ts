import type {
  EmbeddingsAdapter,
  ChatCall,
  ChatStreamTranslator,
  ProviderTarget,
  TranslatedError,
  UpstreamRequest,
  SyncChatAdapter,
} from '../adapter';
import { errorTypeForStatus, streamTranslator, UpstreamFormatError } from '../adapter';
import { createSseParser, formatSseData, type SseEvent } from '../sse/parser';
import { normalizeOpenAiUsage } from './usage';
import type { Usage } from '@tollgate/domain';

// JSON allows whitespace around the colon (Python's json.dumps writes `"usage": {`).
const usagePattern = /"usage"\s*:\s*\{/;
const errorPattern = /^\s*\{\s*"error"\s*:/;
const nullUsagePattern = /"usage"\s*:\s*null/;
// As the last member before the closing brace (OpenAI's own order) the key is surely the chunk's own: in valid
// JSON a quote after a comma opens a key (a quote inside a string is escaped), and the brace that ends the data
// closes the top-level object.
const trailingNullUsage = /,\s*"usage"\s*:\s*null\s*\}\s*$/;

/**
 * A chunk's data without its top-level `"usage": null`, or null when it has none. The usual place is cut out
 * of the text as it is; anywhere else the chunk is parsed and written again, which only a provider that orders
 * its keys otherwise pays for.
 */
export function withoutNullUsage(data: string): string | null {
  const trailing = trailingNullUsage.exec(data);
  if (trailing) return `${data.slice(0, trailing.index)}}`;
  const chunk = parseJsonObject(data);
  if (!chunk || chunk.usage !== null) return null;
  delete chunk.usage;
  return JSON.stringify(chunk);
}

/** The event's raw text with its data replaced, every other byte (field order, line ends) kept where it can be. */
function withData(event: SseEvent, data: string): string {
  const at = event.data.includes('\n') ? -1 : event.raw.indexOf(event.data);
  return at < 0 ? formatSseData(data) : event.raw.slice(0, at) + data + event.raw.slice(at + event.data.length);
}

/**
 * The body for the provider: the caller's bytes when nothing needs to change; otherwise the target's model
 * name and, for streams, `include_usage` so every streamed call is metered exactly. Unknown parameters travel
 * as they came (DESIGN §6: no silent drops).
 */
export function openAiChatBody(call: ChatCall, target: ProviderTarget): string {
  const { request } = call;
  const needsUsage = request.stream === true && request.stream_options?.include_usage !== true;
  if (target.model === request.model && !needsUsage) return call.rawBody;
  return JSON.stringify({
    ...request,
    model: target.model,
    ...(needsUsage ? { stream_options: { ...request.stream_options, include_usage: true } } : {}),
  });
}

export function parseJsonObject(bytes: Buffer | string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * An OpenAI-format stream passes through event by event; only the usage the gateway asked for on the caller's
 * behalf is held back (the usage chunk, and the `"usage": null` on the others), and only chunks carrying
 * usage or an error are parsed in full.
 */
export interface OpenAiStreamOptions {
  /**
   * Reads the usage a chunk reports, for providers that put it elsewhere (Groq's `x_groq.usage`) or count it
   * differently (DeepSeek's cache fields); by default `normalizeOpenAiUsage(chunk.usage)`.
   */
  usageOf?: (chunk: Record<string, unknown>) => Usage | null;
}

export function createOpenAiStreamTranslator(call: ChatCall, options: OpenAiStreamOptions = {}): ChatStreamTranslator {
  const usageOf = options.usageOf ?? ((chunk: Record<string, unknown>) => normalizeOpenAiUsage(chunk.usage));
  const parser = createSseParser();
  let usage: Usage | null = null;
  let model: string | null = null;
  let completed = false;
  let error: string | null = null;

  const select = (events: SseEvent[]): string => {
    let out = '';
    for (const event of events) {
      if (event.data === '[DONE]') {
        completed = true;
      } else if (event.data) {
        if (model === null) model = modelOf(event.data);
        if (usagePattern.test(event.data)) {
          const chunk = parseJsonObject(event.data);
          if (chunk) {
            usage = usageOf(chunk) ?? usage;
            if (chunk.usage && !call.clientWantsUsage && Array.isArray(chunk.choices) && chunk.choices.length === 0) continue;
          }
        } else if (errorPattern.test(event.data)) {
          const chunk = parseJsonObject(event.data) as { error?: { message?: unknown } } | null;
          if (chunk?.error) error = String(chunk.error.message ?? JSON.stringify(chunk.error)).slice(0, 2_000);
        } else if (!call.clientWantsUsage && nullUsagePattern.test(event.data)) {
          // Asked for on the caller's behalf, OpenAI marks every chunk `"usage": null`: a key the caller
          // never asked for, which OpenAI's own answers to it would not carry.
          const stripped = withoutNullUsage(event.data);
          if (stripped !== null) {
            out += withData(event, stripped);
            continue;
          }
        }
      }
      out += event.raw;
    }
    return out;
  };

  return streamTranslator(
    (chunk) => select(parser.push(chunk)),
    () => select(parser.end()),
    () => ({ usage, model, completed, error }),
  );
}

function modelOf(data: string): string | null {
  const chunk = parseJsonObject(data);
  // Azure's first chunk (its prompt filter results) has `"model": ""`: the real name comes in the next one.
  return typeof chunk?.model === 'string' && chunk.model !== '' ? chunk.model : null;
}

/** OpenAI-shaped error bodies pass through with their status; anything else is wrapped in that shape. */
export function translateOpenAiError(status: number, body: Buffer): TranslatedError {
  const parsed = parseJsonObject(body);
  const err = parsed?.error;
  if (err && typeof err === 'object') {
    const e = err as Record<string, unknown>;
    return {
      status,
      body: {
        error: {
          message: typeof e.message === 'string' ? e.message : `The provider answered ${status}.`,
          type: typeof e.type === 'string' && e.type !== '' ? e.type : errorTypeForStatus(status),
          param: typeof e.param === 'string' ? e.param : null,
          code: typeof e.code === 'string' ? e.code : null,
        },
      },
    };
  }
  return {
    status: status >= 500 ? 502 : status,
    body: { error: { message: `The provider answered ${status}.`, type: errorTypeForStatus(status), param: null, code: 'upstream_error' } },
  };
}

/** OpenAI itself, and every provider that speaks its format with a Bearer key under `<baseUrl>/chat/completions`. */
export const openAiAdapter: SyncChatAdapter = {
  buildChatRequest(call, target): UpstreamRequest {
    return {
      url: `${target.baseUrl}/chat/completions`,
      headers: {
        authorization: `Bearer ${target.apiKey}`,
        'content-type': 'application/json',
        accept: call.request.stream ? 'text/event-stream' : 'application/json',
      },
      body: openAiChatBody(call, target),
    };
  },
  translateChatResponse(body) {
    const completion = parseJsonObject(body);
    if (!completion) throw new UpstreamFormatError('The provider answered with a body that is not JSON.');
    return { body, usage: normalizeOpenAiUsage(completion.usage), model: typeof completion.model === 'string' ? completion.model : null };
  },
  createChatStreamTranslator: (call) => createOpenAiStreamTranslator(call),
  translateError: translateOpenAiError,
};

/** OpenAI's embeddings API: the body passes through with the target's model name. */
export const openAiEmbeddingsAdapter: EmbeddingsAdapter = {
  buildEmbeddingsRequest(call, target): UpstreamRequest {
    const body = call.request.model === target.model ? call.rawBody : JSON.stringify({ ...call.request, model: target.model });
    return {
      url: `${target.baseUrl}/embeddings`,
      headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
      body,
    };
  },
  translateEmbeddingsResponse(body) {
    const parsed = parseJsonObject(body);
    if (!parsed || !Array.isArray(parsed.data)) throw new UpstreamFormatError('The provider answered embeddings with a body that is not an embeddings list.');
    return { body, usage: normalizeOpenAiUsage(parsed.usage), model: typeof parsed.model === 'string' ? parsed.model : null };
  },
  translateError: translateOpenAiError,
};
