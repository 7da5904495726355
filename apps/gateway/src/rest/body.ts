/**
 * The request body of a REST call, streamed to the upstream as undici pulls it: never buffered. Each attempt
 * gets its own async generator over the one client stream; a generator runs only once undici starts writing
 * the body (after the connection is up), so `started` says exactly whether any byte may have left. An attempt
 * whose body never started can be retried with a fresh generator; once one has started, the call is never
 * retried, since the bytes already sent cannot be read again.
 */
export class RequestBody {
  started = false;
  complete = false;
  bytes = 0;
  /** The client's stream failed (it went away mid-upload): the call is the client's 499, not the upstream's fault. */
  clientFailed = false;
  readonly #source: AsyncIterable<Uint8Array>;
  readonly #taps: Array<(chunk: Uint8Array) => void> = [];
  readonly #ends: Array<(complete: boolean) => void> = [];

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source;
  }

  /** Sees every chunk as it is sent (capture, mirror): synchronously, so nothing waits on it. */
  tap(onChunk: (chunk: Uint8Array) => void, onEnd: (complete: boolean) => void): void {
    this.#taps.push(onChunk);
    this.#ends.push(onEnd);
  }

  forAttempt(): AsyncGenerator<Uint8Array> {
    const body = this;
    return (async function* () {
      body.started = true;
      try {
        for await (const chunk of body.#source) {
          body.bytes += chunk.byteLength;
          for (const tap of body.#taps) tap(chunk);
          yield chunk;
        }
        body.complete = true;
      } catch (err) {
        body.clientFailed = true;
        throw err;
      } finally {
        for (const end of body.#ends) end(body.complete);
      }
    })();
  }
}

/**
 * A copy of the first `limit` bytes of a stream, for body capture: each chunk's head is copied as it passes
 * (a reference would keep the whole chunk alive), one byte more than the limit so the capture knows it was cut.
 */
export class StreamCopy {
  readonly #parts: Buffer[] = [];
  #size = 0;

  constructor(readonly limit: number) {}

  readonly add = (chunk: Uint8Array): void => {
    if (this.#size > this.limit) return;
    const take = Math.min(chunk.byteLength, this.limit + 1 - this.#size);
    this.#parts.push(Buffer.from(chunk.subarray(0, take)));
    this.#size += take;
  };

  text(): string {
    return Buffer.concat(this.#parts, this.#size).toString('utf8');
  }
}
