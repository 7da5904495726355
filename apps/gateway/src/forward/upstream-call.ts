import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import type { UnofficialStatusCode } from 'hono/utils/http-status';
import type { UpstreamRequest } from '@tollgate/providers';
import type { ModelTarget, SnapshotProvider } from '@tollgate/domain';
import type { GatewayConfig } from '../snapshot/gateway-config';
import { GatewayError } from '../errors';
import { orderTargets } from '../routing/target-order';
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
  timeoutMs: number;
  breakers: CircuitBreakers;
  keys: KeyPools;
  retry: RetryPolicy;
}

export interface UpstreamCallOptions extends UpstreamRouting {
  config: GatewayConfig;
  targets: readonly ModelTarget[];
  /** The provider request for a target made with `apiKey` (one of the provider's pool), from its adapter. */
  requestFor: (target: ModelTarget, provider: SnapshotProvider, apiKey: string) => UpstreamRequest | Promise<UpstreamRequest>;
  /** Headers every attempt carries (request id, trace context). */
  headers: Record<string, string>;
  /** Lets the caller see why a target was skipped (kept in the call record, never shown to the caller). */
  onSkip?: (target: ModelTarget, reason: string) => void;
  /** Aborted when the client goes away: no further target is tried and the upstream request is cancelled. */
  signal?: AbortSignal;
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
 * the provider's own error through.
 */
export async function callUpstream(options: UpstreamCallOptions): Promise<UpstreamAttempt> {
  let lastFailure = 'no target is configured';
  let waitMs: number | null = null;
  for (let round = 0; round <= options.retry.rounds; round++) {
    if (round > 0) {
      const backoff = Math.min(options.retry.maxBackoffMs, waitMs ?? 100 * 2 ** round * (0.5 + Math.random()));
      await sleep(backoff, undefined, { signal: options.signal }).catch(() => {
        throw clientClosed();
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
      try {
        const response = await request(upstream.url, {
          method: 'POST',
          headers: { ...options.headers, ...upstream.headers },
          body: upstream.body,
          dispatcher: options.dispatcher,
          headersTimeout: target.timeoutMs ?? options.timeoutMs,
          bodyTimeout: options.timeoutMs,
          signal: options.signal,
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
          options.breakers.success(target);
          return { target, provider, response };
        }
        options.breakers.failure(target);
        if (isLast) return { target, provider, response };
        waitMs = retryAfterMs(response.headers['retry-after']) ?? waitMs;
        await response.body.dump();
        lastFailure = `${provider.name} answered ${response.statusCode}`;
        options.onSkip?.(target, lastFailure);
      } catch (err) {
        if (options.signal?.aborted) throw clientClosed();
        options.breakers.failure(target);
        lastFailure = `${provider.name}: ${(err as Error).message}`;
        options.onSkip?.(target, lastFailure);
      }
    }
  }
  // The reason (addresses, provider names) stays in the call record; the caller learns only that it failed.
  throw new GatewayError(502, 'server_error', 'upstream_unavailable', 'No provider could take the call; it was not charged. Retry later.');
}

/** 499, nginx's "client closed request": only ever seen in the call record, the client is gone. */
export const clientClosed = () =>
  new GatewayError(499 as UnofficialStatusCode, 'invalid_request_error', 'client_closed', 'The client closed the connection before the answer.');
