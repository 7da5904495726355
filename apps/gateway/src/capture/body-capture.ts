import { parseRedactRules, type CallRecord, type CapturedBodies, type RedactRules, type SnapshotService } from '@tollgate/domain';
import type { CallDraft } from '../steps/meter';
import { redactJsonText, redactSseText, type RedactedText } from './json-redactor';

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function cutToBytes(text: string, maxBytes: number): { text: string; cut: boolean } {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return { text, cut: false };
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(maxBytes));
  return { text: text.slice(0, read), cut: true };
}

/**
 * The first `maxChars` of `text` as a string of its own. V8 makes a slice of a long string a view that keeps
 * the whole parent alive, so a capture waiting in the meter's buffer would hold the caller's entire body (up
 * to the 10 MiB request limit) instead of its capture limit. A lone surrogate left at the cut becomes U+FFFD,
 * which the final cut to `maxBytes` always removes (the text is then over the limit).
 */
const ownPrefix = (text: string, maxChars: number): string => Buffer.from(text.slice(0, maxChars), 'utf8').toString('utf8');

/**
 * The copy of one call's bodies, for a service with capture on. While the call runs it only keeps the first
 * `maxBytes` of each body (a slice of the request text, chunk references of the relayed stream): no parsing
 * and no waiting on the request path. Redaction and the final cut happen in `bodies()`.
 */
export class BodyCapture {
  #request: string | null = null;
  #requestCut = false;
  #response: string | null = null;
  #responseCut = false;
  #chunks: string[] | null = null;
  #chunkChars = 0;

  constructor(
    readonly rules: RedactRules | null,
    readonly maxBytes: number,
  ) {}

  /** The request body as the caller sent it. */
  request(text: string): void {
    // A character is at least one byte, so the first maxBytes characters hold every byte that can be kept.
    this.#requestCut = text.length > this.maxBytes;
    this.#request = this.#requestCut ? ownPrefix(text, this.maxBytes) : text;
  }

  /** A whole answer (JSON). */
  response(body: string | Uint8Array): void {
    if (typeof body === 'string') {
      this.#responseCut = body.length > this.maxBytes;
      this.#response = this.#responseCut ? ownPrefix(body, this.maxBytes) : body;
    } else {
      this.#responseCut = body.byteLength > this.maxBytes;
      this.#response = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, this.maxBytes)).toString('utf8');
    }
  }

  /** A piece of a relayed stream, as the client got it: kept by reference until the limit is reached. */
  readonly chunk = (text: string): void => {
    this.#chunks ??= [];
    if (this.#chunkChars >= this.maxBytes) {
      this.#responseCut = true;
      return;
    }
    this.#chunks.push(text);
    this.#chunkChars += text.length;
  };

  /** What the copy holds, in UTF-16 code units (V8 keeps one or two bytes each): the meter's measure of it. */
  get heldChars(): number {
    return (this.#request?.length ?? 0) + (this.#response?.length ?? 0) + this.#chunkChars;
  }

  /** The captured bodies, redacted and cut to the limit. */
  bodies(): CapturedBodies {
    const request = this.#finish(this.#request, this.#requestCut, redactJsonText);
    const response = this.#chunks
      ? this.#finish(this.#chunks.join(''), this.#responseCut, redactSseText)
      : this.#finish(this.#response, this.#responseCut, redactJsonText);
    return { request: request.text, response: response.text, requestTruncated: request.cut, responseTruncated: response.cut };
  }

  #finish(text: string | null, cut: boolean, redact: (text: string, rules: RedactRules) => RedactedText): { text: string | null; cut: boolean } {
    if (text === null) return { text: null, cut: false };
    let kept = text;
    if (this.rules) {
      const redacted = redact(text, this.rules);
      kept = redacted.text;
      // Text that stopped being JSON ends where it did: what followed could not be checked against the rules.
      cut ||= !redacted.valid;
    }
    const bounded = cutToBytes(kept, this.maxBytes);
    return { text: bounded.text, cut: cut || bounded.cut };
  }
}

// Snapshot values are immutable per revision: one service's rules are parsed once per snapshot, not per call.
const parsedRules = new WeakMap<readonly string[], RedactRules | null>();
function rulesOf(redact: readonly string[]): RedactRules | null {
  let rules = parsedRules.get(redact);
  if (rules === undefined) {
    const parsed = parseRedactRules(redact);
    rules = parsed.paths.length || parsed.keys.size ? parsed : null;
    parsedRules.set(redact, rules);
  }
  return rules;
}

const captures = new WeakMap<CallDraft, BodyCapture>();
const heldBy = new WeakMap<CallRecord, BodyCapture>();

/** Bytes (at most) of captured bodies a finished record holds: the meter bounds its buffer by them too. */
export const capturedBytesOf = (record: CallRecord): number => heldBy.get(record)?.heldChars ?? 0;

/**
 * Starts capturing a call's bodies when its service has capture on; otherwise nothing is copied at all. The
 * bodies reach the record as a lazy property, worked out when the meter's sink first reads it: neither the
 * answer nor the end of a stream waits for redaction.
 */
export function startCapture(call: CallDraft, service: SnapshotService, maxBytes: number): BodyCapture | undefined {
  if (!service.capture) return undefined;
  const capture = new BodyCapture(rulesOf(service.capture.redact), maxBytes);
  captures.set(call, capture);
  call.onFinish((record) => {
    let bodies: CapturedBodies | null | undefined;
    heldBy.set(record, capture);
    Object.defineProperty(record, 'bodies', {
      enumerable: true,
      configurable: true,
      get: () => (bodies === undefined ? (bodies = capture.bodies()) : bodies),
      set: (value: CapturedBodies | null) => {
        // Set from outside (the meter sheds bodies past its byte bound): the copy is no longer held.
        heldBy.delete(record);
        bodies = value;
      },
    });
  });
  return capture;
}

/** The capture of a call, for steps that answer it without the handler's local (an upstream error). */
export const captureOf = (call: CallDraft): BodyCapture | undefined => captures.get(call);
