import type { Dispatcher } from 'undici';
import { costMicroUsd, findModelPrice, type ProviderTarget } from '@tollgate/providers';
import type { ModelTarget, SnapshotProvider, SnapshotService, Usage } from '@tollgate/domain';
import { GatewayError } from '../errors';
import type { CallDraft } from '../steps/meter';
import { clientClosed } from './upstream-call';
import { headerValue } from '../http/header-value';
import { captureOf } from '../capture/body-capture';

/** What the forward steps share: the provider as its adapter sees it, pricing, and the provider's answer. */
export const providerTarget = (provider: SnapshotProvider, target: ModelTarget, apiKey = provider.apiKey): ProviderTarget => ({
  baseUrl: provider.baseUrl.replace(/\/+$/, ''),
  apiKey,
  model: target.model,
  settings: provider.settings,
});

export function priceCall(call: CallDraft, usage: Usage | null, provider: SnapshotProvider, target: ModelTarget): void {
  if (!usage) return;
  Object.assign(call.record, usage);
  const price =
    findModelPrice(target.model, provider.priceOverrides, provider.type) ??
    findModelPrice(call.record.upstreamModel ?? '', provider.priceOverrides, provider.type);
  call.record.costMicroUsd = price ? costMicroUsd(usage, price) : 0;
}

export async function readUpstreamBody(body: Dispatcher.ResponseData['body'], signal: AbortSignal | undefined): Promise<Buffer> {
  try {
    return Buffer.from(await body.arrayBuffer());
  } catch (err) {
    if (signal?.aborted) throw clientClosed();
    throw new GatewayError(502, 'upstream_error', 'upstream_body_failed', 'The provider connection failed while sending the answer.', null, {}, err);
  }
}

/**
 * The provider refused the call: its reason reaches the caller in the unified shape and the raw detail stays
 * in the record. A 401/403 means the platform's own provider credentials are wrong: passing it on would blame
 * the caller's key, so it becomes a 502.
 */
export function upstreamErrorResponse(
  call: CallDraft,
  translated: { status: number; body: unknown },
  status: number,
  bytes: Buffer,
  headers: Record<string, string>,
): Response {
  call.fail('upstream_error', `upstream ${status}: ${bytes.toString('utf8').slice(0, 2_000)}`);
  const authFailure = status === 401 || status === 403;
  const body = authFailure
    ? { error: { message: "The provider refused the gateway's credentials; the platform admin must fix the provider.", type: 'upstream_error', param: null, code: 'upstream_auth_error' } }
    : translated.body;
  const text = JSON.stringify(body);
  captureOf(call)?.response(text);
  return new Response(text, { status: authFailure ? 502 : translated.status, headers: { ...headers, 'content-type': 'application/json' } });
}

/**
 * The headers every forwarded answer carries, naming who answered; a deprecated service also says so with
 * `Deprecation: @<epoch seconds>` (RFC 9745) and, when a retirement date is announced, `Sunset` (RFC 8594).
 */
export function answerHeaders(requestId: string, provider: SnapshotProvider, target: ModelTarget, service: SnapshotService): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': requestId,
    'x-tollgate-provider': headerValue(provider.name),
    'x-tollgate-model': headerValue(target.model),
  };
  if (service.lifecycle === 'deprecated') {
    headers.deprecation = service.deprecatedAt ? `@${Math.floor(service.deprecatedAt / 1_000)}` : 'true';
    if (service.sunsetAt) headers.sunset = new Date(service.sunsetAt).toUTCString();
  }
  return headers;
}
