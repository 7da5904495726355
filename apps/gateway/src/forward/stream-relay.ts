import type { Readable } from 'node:stream';
import { streamTranslator, type ChatStreamTranslator } from '@tollgate/providers';
import type { ModelTarget, SnapshotProvider, Usage } from '@tollgate/domain';
import type { RecordMeter } from '../meter/call-meter';
import type { CallDraft } from '../steps/meter';
import { priceCall } from './upstream-response';

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
  const iterator = options.upstream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let bytesOut = 0;
  let ttftMs: number | null = null;
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
    controller.enqueue(bytes);
    options.onText?.(text);
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
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
  priceCall(call, outcome.usage, provider, target);
  if (!outcome.completed) call.fail(outcome.errorCode ?? 'stream_interrupted', outcome.errorMessage ?? '');
  call.record.latencyMs = call.elapsedMs();
  call.finish(meter);
}
