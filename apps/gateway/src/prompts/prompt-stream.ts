import { createSseParser, type ChatStreamTranslator, type SseEvent } from '@tollgate/providers';
import { reshapeStream } from '../forward/stream-relay';

/** A server-sent event of a prompt API's stream. */
export const promptEvent = (event: 'delta' | 'done' | 'error', data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Turns the unified (OpenAI chunk) stream into a prompt API's stream for clients that know nothing of LLMs:
 * `event: delta` with `{"text"}` per piece of the answer, then one `event: done` that `finish` builds from the
 * whole text and the usage (or `event: error`). Event by event, as they arrive: nothing is held back.
 */
export function promptStreamTranslator(
  inner: ChatStreamTranslator,
  finish: (text: string, inner: ChatStreamTranslator) => string,
): ChatStreamTranslator {
  const parser = createSseParser();
  let all = '';
  const deltas = (events: SseEvent[]) => {
    let out = '';
    for (const event of events) {
      if (!event.data || event.data === '[DONE]') continue;
      let chunk: { choices?: Array<{ delta?: { content?: unknown } }> };
      try {
        chunk = JSON.parse(event.data);
      } catch {
        continue;
      }
      const piece = chunk.choices?.[0]?.delta?.content;
      if (typeof piece === 'string' && piece) {
        all += piece;
        out += promptEvent('delta', { text: piece });
      }
    }
    return out;
  };
  return reshapeStream(inner, {
    push: (text) => deltas(parser.push(text)),
    // A complete answer gets `done`; a provider's error inside the stream an `error` event (the raw chunk is not a
    // prompt event); the relay adds the error event for a stream cut short.
    end: (text) => {
      const rest = deltas(parser.push(text));
      if (inner.error) return rest + promptEvent('error', { code: 'upstream_error', message: `The provider failed during the answer: ${inner.error}` });
      return rest + (inner.completed ? finish(all, inner) : '');
    },
  });
}
