import type { Context } from 'hono';
import type { GatewayEnv } from '../../env';
import type { RecordMeter } from '../../meter/call-meter';
import type { CallDraft } from '../../steps/meter';
import type { HttpAccessLogEntry } from './entry';

/**
 * Fills in what only the kind of call knows once Envoy reported it (an AI check prices its estimated tokens);
 * `entry` is null when no entry came in time, and the call is recorded as the check saw it.
 */
export type CompletionFill = (draft: CallDraft, entry: HttpAccessLogEntry | null) => void;

export interface CheckCompletionsOptions {
  /** The gateway's record meter (logged, traced, counted, buffered): a completed check is an ordinary call. */
  meter: RecordMeter;
  /** How long an allowed check waits for its access-log entry before it is recorded without one. */
  waitMs: number;
  /** Checks held at most; past it the oldest is recorded without its entry, so memory stays bounded. */
  maxPending?: number;
  /**
   * Whether an entry no check allowed is for a call Tollgate should have decided (a REST service's host or path,
   * an AI endpoint): the ingress logs everything it serves, and other services' calls are none of ours.
   */
  isTollgateCall?: (entry: HttpAccessLogEntry) => boolean;
  now?: () => number;
}

/** What happened to checks and entries, for the metrics and the shutdown log. */
export interface CompletionStats {
  /** Allowed checks whose record the access log completed. */
  completed: number;
  /** Allowed checks recorded without an entry (none came within the wait, or the process stopped). */
  expired: number;
  /** Entries of calls Tollgate denied: the check's own record is complete already. */
  denied: number;
  /** Entries naming a check this process does not hold (another replica's, or one already expired). */
  unmatched: number;
  /** Entries of calls no check allowed: let through by `failOpen`, or outside the CUSTOM policy's paths. */
  unchecked: number;
  /** Entries for calls that are not Tollgate's (other services behind the same ingress): ignored. */
  foreign: number;
}

interface Pending {
  draft: CallDraft;
  expiresAt: number;
  fill?: CompletionFill;
}

/** A flag Envoy sets on a call the ext_authz filter refused (`UAEX`): that call never went upstream. */
const deniedFlag = 'unauthorized_details';
/** Flags that mean the upstream never gave a whole answer, whatever the status line says. */
const failureFlags = new Set([
  'failed_local_healthcheck',
  'no_healthy_upstream',
  'upstream_request_timeout',
  'local_reset',
  'upstream_remote_reset',
  'upstream_connection_failure',
  'upstream_connection_termination',
  'upstream_overflow',
  'no_route_found',
  'delay_injected',
  'fault_injected',
  'rate_limited',
  'downstream_connection_termination',
  'upstream_retry_limit_exceeded',
  'stream_idle_timeout',
  'downstream_protocol_error',
  'upstream_protocol_error',
  'upstream_max_stream_duration_reached',
  'no_cluster_found',
  'overload_manager',
]);

/**
 * Allowed checks wait here, keyed by `x-request-id`, for the access-log entry Envoy writes when the call it
 * let through has ended (ADR 0036). The entry completes the check's own record (the real status, latency,
 * bytes and time to first byte), so each call is one record; the limit step's settlement runs on that
 * completed record, which is how an AI check's token reservation is settled from the access log. The map is in
 * insertion order and every check waits the same time, so expiring is a walk from the oldest.
 */
export class CheckCompletions {
  readonly stats: CompletionStats = { completed: 0, expired: 0, denied: 0, unmatched: 0, unchecked: 0, foreign: 0 };
  readonly #pending = new Map<string, Pending>();
  readonly #meter: RecordMeter;
  readonly #waitMs: number;
  readonly #maxPending: number;
  readonly #now: () => number;
  readonly #isTollgateCall: (entry: HttpAccessLogEntry) => boolean;
  readonly #timer: NodeJS.Timeout;

  constructor(options: CheckCompletionsOptions) {
    this.#meter = options.meter;
    this.#waitMs = options.waitMs;
    this.#maxPending = options.maxPending ?? 100_000;
    this.#now = options.now ?? Date.now;
    this.#isTollgateCall = options.isTollgateCall ?? (() => true);
    this.#timer = setInterval(() => this.expire(), Math.min(1_000, Math.max(10, options.waitMs / 4)));
    this.#timer.unref();
  }

  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Called by an allowed check as it answers 200: its record waits for the entry instead of being written now.
   * A second check with the same request id (a client that reused one) records the first as it stands.
   */
  hold(c: Context<GatewayEnv>, fill?: CompletionFill): void {
    const draft = c.get('call');
    draft.deferred = true;
    draft.record.status = 200;
    draft.record.latencyMs = draft.elapsedMs();
    const id = draft.record.requestId;
    const earlier = this.#pending.get(id);
    if (earlier) this.#finishWithout(id, earlier, 'another check came with the same x-request-id');
    if (this.#pending.size >= this.#maxPending) {
      const [oldestId, oldest] = this.#pending.entries().next().value!;
      this.#finishWithout(oldestId, oldest, `more than ${this.#maxPending} checks were waiting`);
    }
    this.#pending.set(id, { draft, expiresAt: this.#now() + this.#waitMs, fill });
  }

  /** Entries as the access-log receiver decoded them, in any order and from any number of Envoys. */
  complete(entries: readonly HttpAccessLogEntry[]): void {
    for (const entry of entries) {
      const pending = entry.requestId ? this.#pending.get(entry.requestId) : undefined;
      if (!pending) {
        this.#unheld(entry);
        continue;
      }
      this.#pending.delete(entry.requestId!);
      const { draft } = pending;
      const record = draft.record;
      record.status = entry.status ?? 499;
      if (entry.durationMs !== null) record.latencyMs = Math.round(entry.durationMs);
      record.bytesIn = entry.requestBodyBytes;
      record.bytesOut = entry.responseBodyBytes;
      record.upstreamNode = entry.upstreamCluster?.slice(0, 256) ?? null;
      const failures = entry.responseFlags.filter((f) => failureFlags.has(f));
      if (entry.status === null) draft.fail('client_closed', 'Envoy logged no response: the client left before the answer.');
      else if (failures.length > 0) draft.fail('upstream_failed', `Envoy's response flags: ${failures.join(', ')}.`);
      else if (entry.status >= 400) record.failed = true;
      draft.upstreamAnswered = entry.status !== null && entry.status < 300 && failures.length === 0;
      if (draft.upstreamAnswered && entry.firstUpstreamByteMs !== null && record.stream) record.ttftMs = Math.round(entry.firstUpstreamByteMs);
      pending.fill?.(draft, entry);
      this.stats.completed++;
      draft.finish(this.#meter);
    }
  }

  /** Records every check whose entry did not come within the wait. */
  expire(): void {
    const now = this.#now();
    for (const [id, pending] of this.#pending) {
      if (pending.expiresAt > now) break;
      this.#finishWithout(id, pending, `no access-log entry came within ${this.#waitMs} ms`);
    }
  }

  /** On shutdown, before the meter's last flush: every held check is recorded as it stands. */
  close(): void {
    clearInterval(this.#timer);
    for (const [id, pending] of this.#pending) this.#finishWithout(id, pending, 'the gateway stopped before the access-log entry came');
  }

  /**
   * The call went ahead (the check allowed it) but Envoy's account of it is missing: the record keeps the
   * decision, and an AI call's token reservation stands rather than making the call free.
   */
  #finishWithout(id: string, pending: Pending, why: string): void {
    this.#pending.delete(id);
    const { draft } = pending;
    draft.upstreamAnswered = true;
    draft.keepReservation = true;
    draft.note(`not completed from the access log: ${why}`);
    pending.fill?.(draft, null);
    this.stats.expired++;
    draft.finish(this.#meter);
  }

  #unheld(entry: HttpAccessLogEntry): void {
    if (entry.responseFlags.includes(deniedFlag)) this.stats.denied++;
    // The check sets x-tollgate-app on every call it allows (Envoy copies it upstream, and the provider logs it).
    else if (entry.requestHeaders['x-tollgate-app']) this.stats.unmatched++;
    else if (this.#isTollgateCall(entry)) this.stats.unchecked++;
    else this.stats.foreign++;
  }
}
