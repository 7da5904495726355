import type { Readable } from 'node:stream';
import { createSseParser, normalizeOpenAiUsage, type SseEvent } from '@tollgate/providers';
import type { Usage } from '@tollgate/domain';

export interface StreamOutcome {
  completed: boolean;
  /** Set when the stream did not complete: why. */
  errorCode?: string;
  errorMessage?: string;
  usage: Usage | null;
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
}

const encoder = new TextEncoder();

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
        // Only the usage chunk is parsed in full; content chunks pass through as text.
        if (event.data.includes('"usage":{')) {
          const chunk = parseJson(event.data) as { usage?: unknown; choices?: unknown[] } | null;
          if (chunk?.usage) {
            outcome.usage = normalizeOpenAiUsage(chunk.usage);
            if (!options.clientWantsUsage && Array.isArray(chunk.choices) && chunk.choices.length === 0) continue;
          }
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
            if (outcome.completed) {
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
        emit(controller, errorEvent('The provider connection failed during the stream.'));
        end({ errorCode: 'stream_interrupted', errorMessage: `upstream stream failed: ${(err as Error).message}` });
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
