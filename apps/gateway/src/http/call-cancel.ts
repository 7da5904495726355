import { EventEmitter } from 'node:events';

/**
 * A call's cancellation: the client leaving or a deadline passing aborts the upstream call. undici takes it as
 * its `signal` (an EventEmitter that emits `abort`), which is cheaper than an AbortSignal: undici listens to a
 * signal twice per request, and EventTarget listeners cost it 13 µs a request against 5 µs for an emitter's
 * (`npm run bench:hot-path`, ADR 0030). APIs that need a real AbortSignal (a relayed stream, a retry's wait)
 * get one from `signal`, made on first use only.
 */
export class CallCancel extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;
  #controller: AbortController | undefined;

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.#controller?.abort(reason);
    this.emit('abort');
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }
}

/** What reading an answer needs of a cancellation: whether it fired (the client's doing, not the provider's). */
export interface Cancelled {
  readonly aborted: boolean;
}
