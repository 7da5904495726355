import { request, type Dispatcher } from 'undici';
import type { UpstreamRequest } from '@tollgate/providers';
import type { ModelTarget, SnapshotProvider } from '@tollgate/domain';
import type { GatewayConfig } from '../snapshot/gateway-config';
import type { UnofficialStatusCode } from 'hono/utils/http-status';
import { GatewayError } from '../errors';

export interface UpstreamAttempt {
  target: ModelTarget;
  provider: SnapshotProvider;
  response: Dispatcher.ResponseData;
}

export interface UpstreamCallOptions {
  config: GatewayConfig;
  targets: readonly ModelTarget[];
  /** The provider request for a target, from the provider type's adapter. */
  requestFor: (target: ModelTarget, provider: SnapshotProvider) => UpstreamRequest;
  /** Headers every attempt carries (request id, trace context). */
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  timeoutMs: number;
  /** Lets the caller see why a target was skipped (kept in the call record, never shown to the caller). */
  onSkip?: (target: ModelTarget, reason: string) => void;
  /** Aborted when the client goes away: no further target is tried and the upstream request is cancelled. */
  signal?: AbortSignal;
}

/** A status worth trying the next target for: the provider is overloaded or failing, not the request. */
const retryable = (status: number) => status === 429 || status >= 500;

/**
 * Sends the call to the targets in order, falling back while nothing has reached the client: on a
 * connection error, a timeout before the headers, or a 429/5xx answer. The last target's answer is returned
 * as it is, error or not, so the caller can pass the provider's own error through.
 */
export async function callUpstream(options: UpstreamCallOptions): Promise<UpstreamAttempt> {
  let lastFailure = 'no target is configured';
  for (let i = 0; i < options.targets.length; i++) {
    const target = options.targets[i]!;
    const provider = options.config.providers.get(target.providerId);
    if (!provider) {
      lastFailure = `provider ${target.providerId} is not configured`;
      options.onSkip?.(target, lastFailure);
      continue;
    }
    const isLast = i === options.targets.length - 1;
    // Outside the try: a request the adapter refuses to build is the caller's fault, not a reason to fall back.
    const upstream = options.requestFor(target, provider);
    try {
      const response = await request(upstream.url, {
        method: 'POST',
        headers: { ...options.headers, ...upstream.headers },
        body: upstream.body,
        dispatcher: options.dispatcher,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        signal: options.signal,
      });
      if (!isLast && retryable(response.statusCode)) {
        await response.body.dump();
        lastFailure = `${provider.name} answered ${response.statusCode}`;
        options.onSkip?.(target, lastFailure);
        continue;
      }
      return { target, provider, response };
    } catch (err) {
      if (options.signal?.aborted) throw clientClosed();
      lastFailure = `${provider.name}: ${(err as Error).message}`;
      options.onSkip?.(target, lastFailure);
    }
  }
  // The reason (addresses, provider names) stays in the call record; the caller learns only that it failed.
  throw new GatewayError(502, 'upstream_error', 'upstream_unavailable', 'No provider could take the call; it was not charged. Retry later.');
}

/** 499, nginx's "client closed request": only ever seen in the call record, the client is gone. */
export const clientClosed = () =>
  new GatewayError(499 as UnofficialStatusCode, 'invalid_request_error', 'client_closed', 'The client closed the connection before the answer.');
