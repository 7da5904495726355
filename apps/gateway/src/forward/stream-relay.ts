import type { Readable } from 'node:stream';
import { streamTranslator, type ChatStreamTranslator } from '@tollgate/providers';
import type { ModelTarget, SnapshotProvider, Usage } from '@tollgate/domain';
import type { RecordMeter } from '../meter/call-meter';
import type { CallDraft } from '../steps/meter';
import { priceCall } from './upstream-response';
import { isIdleTimeout } from './upstream-answer';
import { DeliveredTextCounter } from '../usage/delivered-text';

export interface StreamOutcome {
  completed: boolean;
  /** Set when the stream did not complete: why. */
  errorCode?: string;
  errorMessage?: string;
  usage: Usage | null;
  upstreamModel: string | null;
  bytesOut: number;
  ttftMs: number | null;
  /** Output tokens the client received, estimated from the text relayed (billed when usage is missing). */
  deliveredOutputTokens: number;
}

export interface RelayOptions {
  upstream: Readable;
  /** Where reading goes on when the first event was read already (upstream-answer.ts startStream), and that event. */
  chunks?: AsyncIterator<Buffer>;
  head?: string;
  /** The provider's adapter, turning its stream into the unified one. */
  translator: ChatStreamTranslator;
  elapsedMs: () => number;
  onEnd: (outcome: StreamOutcome) => void;
  /** The client's disconnect signal: a read failing after it fired is the client's doing, not the provider's. */
  signal?: AbortSignal;
  /** The event that tells the client, in its own stream format, that the provider failed mid-way. */
  errorEvent: (message: string) => string;
  /** Sees each piece of text as it goes to the client (body capture); it must not hold the stream up. */
  onText?: (text: string) => void;
}

const encoder = new TextEncoder();


/**
 * Relays a provider's stream to the client as it arrives, through the provider's translator: nothing is held
 * back but what the translator needs to complete an event, and nothing waits on a timer. A stream that ends
 * without the provider's end marker is a failure: the client gets an SSE error event rather than a clean end
 * (DESIGN §6, the Portkey bug); so is one that carried an error event.
 */
export function relayStream(options: RelayOptions): ReadableStream<Uint8Array> {
  const { translator, errorEvent } = options;
  const iterator = options.chunks ?? (options.upstream[Symbol.asyncIterator]() as AsyncIterator<Buffer>);
  let head = options.head;
  let bytesOut = 0;
  let ttftMs: number | null = null;
  const delivered = new DeliveredTextCounter();
  let ended = false;

  const end = (fields: Partial<StreamOutcome>) => {
    if (ended) return;
    ended = true;
    options.onEnd({
      completed: translator.completed && !translator.error,
      usage: translator.usage,
      upstreamModel: translator.model,
      bytesOut,
      ttftMs,
      deliveredOutputTokens: delivered.tokens,
      ...fields,
    });
  };

  // A client that leaves while nothing is being pulled (the first chunk already queued) would otherwise never
  // end the call: the server drops a stream whose socket is gone without cancelling it.
  options.signal?.addEventListener(
    'abort',
    () => {
      if (ended) return;
      options.upstream.destroy();
      end({ completed: false, errorCode: 'client_closed', errorMessage: 'the client closed the stream before it ended' });
    },
    { once: true },
  );

  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, text: string) => {
    ttftMs ??= options.elapsedMs();
    const bytes = encoder.encode(text);
    bytesOut += bytes.byteLength;
    delivered.push(text);
    controller.enqueue(bytes);
    options.onText?.(text);
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (head) {
          emit(controller, head);
          head = undefined;
          return;
        }
        for (;;) {
          const { value, done } = await iterator.next();
          if (!done) {
            const text = translator.push(value);
            if (!text) continue;
            emit(controller, text);
            return;
          }
          const tail = translator.end();
          if (tail) emit(controller, tail);
          if (translator.error) {
            end({ completed: false, errorCode: 'upstream_error', errorMessage: `upstream stream error: ${translator.error}` });
          } else if (translator.completed) {
            end({});
          } else {
            emit(controller, errorEvent('The provider ended the stream before it was complete.'));
            end({ completed: false, errorCode: 'stream_interrupted', errorMessage: 'upstream stream ended before its end marker' });
          }
          controller.close();
          return;
        }
      } catch (err) {
        if (options.signal?.aborted) {
          end({ completed: false, errorCode: 'client_closed', errorMessage: 'the client closed the stream before it ended' });
        } else if (isIdleTimeout(err)) {
          // Bytes went out already: no fallback, the client hears the stream stalled (ADR 0025).
          emit(controller, errorEvent('The provider stopped sending during the stream.'));
          end({ completed: false, errorCode: 'upstream_idle_timeout', errorMessage: `upstream stream idle: ${(err as Error).message}` });
        } else {
          emit(controller, errorEvent('The provider connection failed during the stream.'));
          end({ completed: false, errorCode: 'stream_interrupted', errorMessage: `upstream stream failed: ${(err as Error).message}` });
        }
        controller.close();
      }
    },
    cancel() {
      options.upstream.destroy();
      end({ completed: false, errorCode: 'client_closed', errorMessage: 'the client closed the stream before it ended' });
    },
  });
}

/**
 * A translator that reshapes another's output (into Anthropic's events, a prompt API's events) while the
 * stream's state (usage, model, completion, error) stays the inner translator's.
 */
export function reshapeStream(inner: ChatStreamTranslator, reshape: { push(text: string): string; end(text: string): string }): ChatStreamTranslator {
  return streamTranslator(
    (chunk) => reshape.push(inner.push(chunk)),
    () => reshape.end(inner.end()),
    () => inner,
  );
}

/** Completes the record of a relayed stream when it ends, however it ended, and hands it to the meter. */
export function finishStreamedCall(call: CallDraft, outcome: StreamOutcome, provider: SnapshotProvider, target: ModelTarget, meter: RecordMeter): void {
  call.record.status = 200;
  call.record.upstreamModel = outcome.upstreamModel;
  call.record.ttftMs = outcome.ttftMs;
  call.record.bytesOut = outcome.bytesOut;
  // A cut stream bills what it delivered (ADR 0026), after the failure is noted so the note survives.
  if (!outcome.completed) call.fail(outcome.errorCode ?? 'stream_interrupted', outcome.errorMessage ?? '');
  priceCall(call, outcome.usage, provider, target, () => outcome.deliveredOutputTokens, !outcome.completed);
  // The client left before the usage arrived: the provider may have gone on past what was delivered, so the
  // limiter keeps the reservation (the record still shows the delivered estimate, marked usage_missing).
  call.keepReservation = outcome.errorCode === 'client_closed' && call.record.usageProblem === 'usage_missing';
  call.record.latencyMs = call.elapsedMs();
  call.finish(meter);
}
