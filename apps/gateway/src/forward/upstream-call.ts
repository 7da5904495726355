import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import type { UnofficialStatusCode } from 'hono/utils/http-status';
import type { UpstreamRequest } from '@tollgate/providers';
import type { ModelTarget, SnapshotProvider } from '@tollgate/domain';
import type { GatewayConfig } from '../snapshot/gateway-config';
import { GatewayError } from '../errors';
import { orderTargets } from '../routing/target-order';
import { CallCancel } from '../http/call-cancel';
import type { CircuitBreakers } from '../routing/circuit-breaker';
import type { KeyPools } from '../routing/key-pools';

export interface UpstreamAttempt {
  target: ModelTarget;
  provider: SnapshotProvider;
  response: Dispatcher.ResponseData;
}

export interface RetryPolicy {
  /** Extra rounds over the targets after every one of them failed. */
  rounds: number;
  /** Longest wait before a round, whatever `retry-after` asked for. */
  maxBackoffMs: number;
}

/** How the gateway reaches providers: shared by every forward step. */
export interface UpstreamRouting {
  dispatcher: Dispatcher;
  /** Per attempt, when a target has no `timeoutMs`: the wait for the headers and between body bytes. */
  timeoutMs: number;
  /**
   * The whole call, across targets, key retries and retry rounds, until the answer is in hand (a body read and
   * translated, a stream's first event): targets that all hang cost the caller this, not rounds × targets × timeoutMs.
   */
  totalTimeoutMs: number;
  breakers: CircuitBreakers;
  keys: KeyPools;
  retry: RetryPolicy;
}

export interface UpstreamCallOptions<T = undefined> extends UpstreamRouting {
  config: GatewayConfig;
  targets: readonly ModelTarget[];
  /** The provider request for a target made with `apiKey` (one of the provider's pool), from its adapter. */
  requestFor: (target: ModelTarget, provider: SnapshotProvider, apiKey: string) => UpstreamRequest | Promise<UpstreamRequest>;
  /** Headers every attempt carries (request id, trace context). */
  headers: Record<string, string>;
  /** Lets the caller see why a target was skipped (kept in the call record, never shown to the caller). */
  onSkip?: (target: ModelTarget, reason: string) => void;
  /**
   * The call's cancellation (`cancelOnClientGone`): aborted when the client goes away, so no further target is
   * tried and the upstream request is cancelled; the total deadline aborts it too. Without one (no Node
   * response: `app.request()`), the call makes its own for the deadline.
   */
  cancel?: CallCancel;
  /**
   * Reads a 2xx answer far enough to know it is one (a body that translates, a stream's first event). A
   * GatewayError 5xx it throws (see upstream-answer.ts) is that target failing: the next one is tried, as
   * nothing has reached the client yet; on the last one it is the call's answer.
   */
  accept?: (attempt: UpstreamAttempt) => Promise<T>;
}

/** A status worth trying the next target for: the provider is overloaded or failing, not the request. */
const retryable = (status: number) => status === 429 || status >= 500;

/** `retry-after` in seconds or as an HTTP date, in milliseconds; null when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1_000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Sends the call to the targets — weighted, then ordered, with open circuits last — falling back while
 * nothing has reached the client: on a connection error, a timeout before the headers, or a 429/5xx answer.
 * When every target failed, it waits (honouring the provider's `retry-after`, capped) and goes round again,
 * up to `retry.rounds` times. The very last answer is returned as it is, error or not, so the caller can pass
 * the provider's own error through. A 2xx answer `accept` refuses (empty, HTML, not JSON, cut, silent) falls
 * back like a 5xx. `totalTimeoutMs` bounds all of it (a 504); the stream that follows is bounded by the idle
 * timeout alone.
 */
export async function callUpstream<T = undefined>(options: UpstreamCallOptions<T>): Promise<UpstreamAttempt & { accepted?: T }> {
  // One signal for every attempt: the client leaving or the total deadline passing cancels the provider call.
  // It stays the client's after the call returns: a relayed stream is still cancelled when the client leaves.
  const call = options.cancel ?? new CallCancel();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    call.abort();
  }, options.totalTimeoutMs);
  // The deadline aborts the same signal the client's leaving does: which one it was is the flag's to say.
  const aborted = () => (timedOut ? totalTimeout(options.totalTimeoutMs) : call.aborted ? clientClosed() : null);
  try {
    return await attemptTargets(options, call, aborted);
  } finally {
    clearTimeout(timer);
  }
}

async function attemptTargets<T>(
  options: UpstreamCallOptions<T>,
  cancel: CallCancel,
  aborted: () => GatewayError | null,
): Promise<UpstreamAttempt & { accepted?: T }> {
  let lastFailure = 'no target is configured';
  let waitMs: number | null = null;
  for (let round = 0; round <= options.retry.rounds; round++) {
    if (round > 0) {
      const backoff = Math.min(options.retry.maxBackoffMs, waitMs ?? 100 * 2 ** round * (0.5 + Math.random()));
      await sleep(backoff, undefined, { signal: cancel.signal }).catch(() => {
        throw aborted() ?? clientClosed();
      });
    }
    waitMs = null;
    const plan = options.breakers.arrange(orderTargets(options.targets));
    const finalRound = round === options.retry.rounds;
    let keyRetries = 0;
    for (let i = 0; i < plan.length; i++) {
      const target = plan[i]!;
      const provider = options.config.providers.get(target.providerId);
      if (!provider) {
        lastFailure = `provider ${target.providerId} is not configured`;
        options.onSkip?.(target, lastFailure);
        continue;
      }
      const isLast = finalRound && i === plan.length - 1;
      const apiKey = options.keys.pick(provider);
      // Outside the try: a request the adapter refuses to build is the caller's fault, not a reason to fall back.
      const upstream = await options.requestFor(target, provider, apiKey);
      const timeoutMs = target.timeoutMs ?? options.timeoutMs;
      try {
        const response = await request(upstream.url, {
          method: 'POST',
          headers: { ...options.headers, ...upstream.headers },
          body: upstream.body,
          dispatcher: options.dispatcher,
          headersTimeout: timeoutMs,
          // undici's bodyTimeout is the wait between body chunks: headers then silence ends at the idle timeout.
          bodyTimeout: timeoutMs,
          // The cancellation itself, an EventEmitter: cheaper for undici than an AbortSignal (call-cancel.ts).
          signal: cancel,
        });
        options.keys.report(provider, apiKey, response.statusCode, retryAfterMs(response.headers['retry-after']));
        const refusedKey = response.statusCode === 401 || response.statusCode === 403;
        if (refusedKey && keyRetries < options.keys.size(provider) - 1) {
          // One key of a pool was refused: the same target again with another key, before any fallback.
          keyRetries++;
          await response.body.dump();
          lastFailure = `${provider.name} refused a key (${response.statusCode})`;
          options.onSkip?.(target, lastFailure);
          i--;
          continue;
        }
        keyRetries = 0;
        if (!retryable(response.statusCode)) {
          const attempt = { target, provider, response };
          const accepted = response.statusCode < 300 && options.accept ? await acceptAnswer(options.accept, attempt, aborted) : undefined;
          options.breakers.success(target);
          return { ...attempt, accepted };
        }
        options.breakers.failure(target);
        if (isLast) return { target, provider, response };
        waitMs = retryAfterMs(response.headers['retry-after']) ?? waitMs;
        await response.body.dump();
        lastFailure = `${provider.name} answered ${response.statusCode}`;
        options.onSkip?.(target, lastFailure);
      } catch (err) {
        const stop = aborted();
        if (stop) throw stop;
        options.breakers.failure(target);
        if (err instanceof GatewayError) {
          // The target answered 2xx with something that is not an answer: the caller hears what, if none is left.
          if (isLast) throw err;
          lastFailure = `${provider.name}: ${err.message}`;
        } else {
          lastFailure = `${provider.name}: ${(err as Error).message}`;
        }
        options.onSkip?.(target, lastFailure);
      }
    }
  }
  // The reason (addresses, provider names) stays in the call record; the caller learns only that it failed.
  throw new GatewayError(502, 'server_error', 'upstream_unavailable', 'No provider could take the call; it was not charged. Retry later.');
}

/** A refusal by `accept` is the target failing (a GatewayError); the body it could not read goes with it. */
async function acceptAnswer<T>(accept: (attempt: UpstreamAttempt) => Promise<T>, attempt: UpstreamAttempt, aborted: () => GatewayError | null): Promise<T> {
  try {
    return await accept(attempt);
  } catch (err) {
    // Its rest is not wanted; undici's destroy emits an AbortError nobody else listens for.
    attempt.response.body.on('error', () => undefined).destroy();
    throw aborted() ?? err;
  }
}

export const totalTimeout = (ms: number) =>
  new GatewayError(504, 'server_error', 'upstream_timeout', `No provider answered within ${ms} ms; the call was not charged. Retry later.`);

/** 499, nginx's "client closed request": only ever seen in the call record, the client is gone. */
export const clientClosed = () =>
  new GatewayError(499 as UnofficialStatusCode, 'invalid_request_error', 'client_closed', 'The client closed the connection before the answer.');
