import type { Readable } from 'node:stream';
import { createSseParser, normalizeOpenAiUsage, type SseEvent } from '@tollgate/providers';
import type { Usage } from '@tollgate/domain';

export interface StreamOutcome {
  completed: boolean;
  /** Set when the stream did not complete: why. */
  errorCode?: string;
  errorMessage?: string;
  usage: Usage | null;
  /** An error event the provider sent inside the stream. */
  upstreamError?: string;
  upstreamModel: string | null;
  bytesOut: number;
  ttftMs: number | null;
}

export interface RelayOptions {
  upstream: Readable;
  /** The client asked for `stream_options.include_usage`; otherwise the usage-only chunk we requested is dropped. */
  clientWantsUsage: boolean;
  elapsedMs: () => number;
  onEnd: (outcome: StreamOutcome) => void;
  /** The client's disconnect signal: a read failing after it fired is the client's doing, not the provider's. */
  signal?: AbortSignal;
}

const encoder = new TextEncoder();
// JSON allows whitespace around the colon (Python's json.dumps writes `"usage": {`).
const usagePattern = /"usage"\s*:\s*\{/;
const errorPattern = /^\s*\{\s*"error"\s*:/;

const errorEvent = (message: string) =>
  `data: ${JSON.stringify({ error: { message, type: 'upstream_error', param: null, code: 'stream_interrupted' } })}\n\n`;

/**
 * Relays an OpenAI-format SSE stream to the client event by event as it arrives: nothing is held back but the
 * incomplete event at a chunk boundary, and nothing waits on a timer. Usage is read from the one chunk that
 * carries it. A stream that ends without `[DONE]` is a failure: the client gets an SSE error event rather
 * than a clean end (DESIGN §6, the Portkey bug).
 */
export function relayOpenAiStream(options: RelayOptions): ReadableStream<Uint8Array> {
  const parser = createSseParser();
  const iterator = options.upstream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const outcome: StreamOutcome = { completed: false, usage: null, upstreamModel: null, bytesOut: 0, ttftMs: null };
  let ended = false;

  const end = (fields: Partial<StreamOutcome>) => {
    if (ended) return;
    ended = true;
    Object.assign(outcome, fields);
    options.onEnd(outcome);
  };

  /** The raw text to forward for these events, or '' when all of them are dropped. */
  const select = (events: SseEvent[]): string => {
    let out = '';
    for (const event of events) {
      if (event.data === '[DONE]') {
        outcome.completed = true;
      } else if (event.data) {
        if (outcome.ttftMs === null) {
          outcome.ttftMs = options.elapsedMs();
          outcome.upstreamModel = modelOf(event.data);
        }
        // Only chunks that carry usage or an error are parsed in full; content chunks pass through as text.
        if (usagePattern.test(event.data)) {
          const chunk = parseJson(event.data) as { usage?: unknown; choices?: unknown[] } | null;
          if (chunk?.usage) {
            outcome.usage = normalizeOpenAiUsage(chunk.usage);
            if (!options.clientWantsUsage && Array.isArray(chunk.choices) && chunk.choices.length === 0) continue;
          }
        } else if (errorPattern.test(event.data)) {
          const chunk = parseJson(event.data) as { error?: { message?: unknown } } | null;
          if (chunk?.error) outcome.upstreamError = String(chunk.error.message ?? JSON.stringify(chunk.error)).slice(0, 2_000);
        }
      }
      out += event.raw;
    }
    return out;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const { value, done } = await iterator.next();
          if (done) {
            const tail = select(parser.end());
            if (tail) emit(controller, tail);
            if (outcome.completed && outcome.upstreamError) {
              // The provider reported an error in the stream and then closed it cleanly: still a failed call.
              end({ completed: false, errorCode: 'upstream_error', errorMessage: `upstream stream error: ${outcome.upstreamError}` });
            } else if (outcome.completed) {
              end({});
            } else {
              emit(controller, errorEvent('The provider ended the stream before it was complete.'));
              end({ errorCode: 'stream_interrupted', errorMessage: 'upstream stream ended without [DONE]' });
            }
            controller.close();
            return;
          }
          const text = select(parser.push(value));
          if (text) {
            emit(controller, text);
            return;
          }
        }
      } catch (err) {
        if (options.signal?.aborted) {
          end({ errorCode: 'client_closed', errorMessage: 'the client closed the stream before it ended' });
        } else {
          emit(controller, errorEvent('The provider connection failed during the stream.'));
          end({ errorCode: 'stream_interrupted', errorMessage: `upstream stream failed: ${(err as Error).message}` });
        }
        controller.close();
      }
    },
    cancel() {
      options.upstream.destroy();
      end({ errorCode: 'client_closed', errorMessage: 'the client closed the stream before it ended' });
    },
  });

  function emit(controller: ReadableStreamDefaultController<Uint8Array>, text: string) {
    const bytes = encoder.encode(text);
    outcome.bytesOut += bytes.byteLength;
    controller.enqueue(bytes);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function modelOf(data: string): string | null {
  const chunk = parseJson(data) as { model?: unknown } | null;
  return typeof chunk?.model === 'string' ? chunk.model : null;
}
