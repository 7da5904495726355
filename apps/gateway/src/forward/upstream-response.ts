import type { Dispatcher } from 'undici';
import type { Context } from 'hono';
import { costMicroUsd, findModelPrice, type ProviderTarget, type TranslatedError, type UnifiedErrorBody } from '@tollgate/providers';
import type { ModelTarget, SnapshotProvider, SnapshotService, Usage } from '@tollgate/domain';
import { GatewayError, gatewayErrorBody } from '../errors';
import type { CallDraft } from '../steps/meter';
import { readFailure } from './upstream-answer';
import type { Cancelled } from '../http/call-cancel';
import { headerValue } from '../http/header-value';
import { captureOf } from '../capture/body-capture';
import { billedUsage, inputEstimateOf, recordBilledUsage } from '../usage/billed-usage';

/** What the forward steps share: the provider as its adapter sees it, pricing, and the provider's answer. */
export const providerTarget = (provider: SnapshotProvider, target: ModelTarget, apiKey = provider.apiKey): ProviderTarget => ({
  baseUrl: provider.baseUrl.replace(/\/+$/, ''),
  apiKey,
  model: target.model,
  settings: provider.settings,
});

/**
 * Records and prices what the call is billed: the provider's usage when it passes the one check
 * (`billedUsage`), otherwise the estimate (the request's input estimate, `deliveredOutputTokens()` of output, read only then)
 * marked with why. The limiter settles with the same record.
 */
export function priceCall(call: CallDraft, reported: Usage | null, provider: SnapshotProvider, target: ModelTarget, deliveredOutputTokens: () => number, cutShort = false): void {
  const billed = billedUsage(reported, { input: inputEstimateOf(call), output: deliveredOutputTokens }, cutShort);
  recordBilledUsage(call, billed);
  const { usage } = billed;
  const price =
    findModelPrice(target.model, provider.priceOverrides, provider.type) ??
    findModelPrice(call.record.upstreamModel ?? '', provider.priceOverrides, provider.type);
  call.record.costMicroUsd = price ? costMicroUsd(usage, price) : 0;
}

export async function readUpstreamBody(body: Dispatcher.ResponseData['body'], signal: Cancelled | undefined): Promise<Buffer> {
  try {
    return Buffer.from(await body.arrayBuffer());
  } catch (err) {
    // The client leaving, the provider going silent (504 at the idle timeout) or hanging up mid-body (502).
    throw readFailure(err, signal);
  }
}

/**
 * A provider answer the caller must not see as it is: the provider failing (5xx, or an adapter's own 5xx for
 * a body it could not read), or refusing the platform's own credentials (401/403, which passed on would blame
 * the caller's key). Either is the gateway's upstream failing: a 502 in the caller's error shape, with a
 * message that names nothing of the provider (callers keep its words in the record). Null for a refusal that
 * is about the request (400, 404, 422, 429, ...), which passes through.
 */
export function upstreamFailure(status: number, translated: TranslatedError): GatewayError | null {
  if (status === 401 || status === 403 || translated.body.error.code === 'upstream_auth_error') {
    return new GatewayError(502, 'server_error', 'upstream_auth_error', "The provider refused the gateway's credentials; the platform admin must fix the provider.");
  }
  if (status < 500 && translated.status < 500) return null;
  return new GatewayError(502, 'server_error', 'upstream_error', `The provider failed to answer (HTTP ${status}); the call was not charged. Retry later.`);
}

/** A provider's error answer: its status and bytes, its adapter's translation, the headers to answer with. */
export interface UpstreamErrorAnswer {
  status: number;
  bytes: Buffer;
  translated: TranslatedError;
  headers: Record<string, string>;
}

/**
 * Answers a provider's error: a refusal about the request in the ingress's format (`unified` turns the
 * unified body into it), a provider failure as the gateway's 502. The raw detail stays in the record, under
 * the errorCode every provider error gets.
 */
export function upstreamErrorResponse(
  c: Context,
  call: CallDraft,
  { status, bytes, translated, headers }: UpstreamErrorAnswer,
  unified: (status: number, body: UnifiedErrorBody) => unknown = (_status, body) => body,
): Response {
  call.fail('upstream_error', `upstream ${status}: ${bytes.toString('utf8').slice(0, 2_000)}`);
  const failure = upstreamFailure(status, translated);
  const text = JSON.stringify(failure ? gatewayErrorBody(failure, c) : unified(translated.status, translated.body));
  captureOf(call)?.response(text);
  return new Response(text, { status: failure?.status ?? translated.status, headers: { ...headers, 'content-type': 'application/json' } });
}

/**
 * The headers every forwarded answer carries, naming who answered; a deprecated service also says so with
 * `Deprecation: @<epoch seconds>` (RFC 9745) and, when a retirement date is announced, `Sunset` (RFC 8594).
 */
export function answerHeaders(requestId: string, provider: SnapshotProvider, target: ModelTarget, service: SnapshotService): Record<string, string> {
  return {
    'x-request-id': requestId,
    'x-tollgate-provider': headerValue(provider.name),
    'x-tollgate-model': headerValue(target.model),
    ...lifecycleHeaders(service),
  };
}

/** `Deprecation` and `Sunset` for a deprecated service; nothing otherwise. Shared by AI and REST answers. */
export function lifecycleHeaders(service: SnapshotService): Record<string, string> {
  if (service.lifecycle !== 'deprecated') return {};
  const headers: Record<string, string> = { deprecation: service.deprecatedAt ? `@${Math.floor(service.deprecatedAt / 1_000)}` : 'true' };
  if (service.sunsetAt) headers.sunset = new Date(service.sunsetAt).toUTCString();
  return headers;
}
