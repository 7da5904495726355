import type { MiddlewareHandler } from 'hono';
import { apiOfCall, blankCallRecord, newTimeOrderedId, type CallRecord } from '@tollgate/domain';
import type { GatewayEnv } from '../env';
import { GatewayError } from '../errors';
import type { RecordMeter } from '../meter/call-meter';
import type { TraceContext } from './context';

/** A call record being filled in by the steps; handed to the meter when the response (or stream) ends. */
export class CallDraft {
  readonly record: CallRecord;
  readonly #started = performance.now();
  /** Set by a step that finishes the call later (a stream): the meter step then leaves it alone. */
  deferred = false;
  /** The provider began a successful answer: it bills this call whether or not its usage reached us. */
  upstreamAnswered = false;
  /** The input tokens the limit step estimated for the request: billed when the provider's usage is unusable. */
  estimatedInputTokens: number | null = null;
  /** The limiter keeps the reservation rather than settling (the client left before the usage arrived). */
  keepReservation = false;
  readonly #finishers: Array<(record: CallRecord) => void> = [];

  constructor(
    requestId: string,
    method: string,
    path: string,
    /** The trace this call runs under: its span is ended, and its wide log event written, when it finishes. */
    readonly trace: TraceContext,
  ) {
    this.record = blankCallRecord(newTimeOrderedId('callRecord'), requestId, method, path);
    this.record.traceId = trace.traceId;
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.#started);
  }

  /** Runs when the call's record is complete (settling a limit reservation with the real usage, say). */
  onFinish(fn: (record: CallRecord) => void): void {
    this.#finishers.push(fn);
  }

  /** Completes the call: the finishers see the final record, then the meter buffers it. */
  finish(meter: RecordMeter): void {
    this.#seal();
    for (const fn of this.#finishers) fn(this.record);
    meter.record(this.record, this.trace);
  }

  /** Completes a call without a known key or team: counted and logged, not stored. */
  finishUnattributed(meter: RecordMeter): void {
    this.#seal();
    meter.countUnattributed(this.record, this.trace);
  }

  #seal(): void {
    this.record.api = apiOfCall(this.record.path, this.record.promptId, this.record.api);
    // Names a caller or provider chose are cut to what the store takes, so one odd answer cannot make its
    // record (and the batch sent with it) invalid.
    this.record.model = this.record.model?.slice(0, maxNameLength) ?? null;
    this.record.upstreamModel = this.record.upstreamModel?.slice(0, maxNameLength) ?? null;
  }

  /** Adds a note to the record's message without failing the call (a fallback taken, usage that was unusable). */
  note(message: string): void {
    this.record.errorMessage = [this.record.errorMessage, message].filter(Boolean).join(' | ').slice(0, 2_000);
  }

  fail(code: string, message: string): void {
    this.record.failed = true;
    this.record.errorCode = code;
    this.record.errorMessage = message.slice(0, 2_000);
  }
}

/** Bounds that keep any record storable whatever a caller sends (the store refuses longer fields). */
const maxPathLength = 512;
const maxNameLength = 256;

/**
 * Opens a call record for every request and hands it to the meter's buffer once the response is decided.
 * Recording is an array push after the handler returned: it adds nothing the client waits for. Only calls
 * made with a known key are stored: anonymous and bad-key requests are counted, so they cannot fill the store.
 */
export function meterStep(meter: RecordMeter): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const call = new CallDraft(c.get('requestId'), c.req.method, c.req.path.slice(0, maxPathLength), c.get('trace'));
    c.set('call', call);
    meter.callStarted();
    await next();
    if (call.deferred) return;
    call.record.status = c.res.status;
    const err = c.error;
    if (err instanceof GatewayError) {
      const cause = err.cause instanceof Error ? err.cause.message : null;
      call.fail(err.code, [err.message, cause, call.record.errorMessage].filter(Boolean).join(' | '));
    } else if (err) {
      call.fail('internal_error', err.message);
    } else if (c.res.status >= 400) {
      call.record.failed = true;
    }
    call.record.latencyMs = call.elapsedMs();
    // A test run from the portal has no app but belongs to the service's team: it is stored too.
    if (!call.record.appId && !call.record.teamId) call.finishUnattributed(meter);
    else call.finish(meter);
  };
}
