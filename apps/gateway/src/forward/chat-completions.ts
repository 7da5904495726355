import type { Context } from 'hono';
import type { Dispatcher } from 'undici';
import { costMicroUsd, findModelPrice, normalizeOpenAiUsage } from '@tollgate/providers';
import type { ModelTarget, SnapshotProvider, Usage } from '@tollgate/domain';
import type { GatewayEnv } from '../env';
import { GatewayError, invalidRequest } from '../errors';
import type { Limiter } from '@tollgate/limiter';
import { authorizeModel } from '../steps/authorize';
import { enforceLimits, planRequestRules } from '../steps/limit';
import type { CallDraft } from '../steps/meter';
import type { CallMeter } from '../meter/call-meter';
import { callUpstream, clientClosed } from './upstream-call';
import { headerValue } from '../http/header-value';
import { relayOpenAiStream } from './stream-relay';
import { clientDisconnectSignal, readBodyText } from '../http/node-request';

export interface ChatDeps {
  limiter: Limiter;
  meter: CallMeter;
  dispatcher: Dispatcher;
  upstreamTimeoutMs: number;
  maxBodyBytes: number;
}

interface ChatBody {
  model: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } & Record<string, unknown>;
  [param: string]: unknown;
}

/**
 * Reads the fields the gateway must understand and nothing more: every other parameter travels to the
 * provider untouched (DESIGN §6: no silent drops).
 */
export function parseChatBody(text: string): ChatBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidRequest('The request body is not valid JSON.', null, 'invalid_json');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object.');
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model.length === 0) throw invalidRequest("'model' is required and must be a string.", 'model');
  if (b.model.length > 256) throw invalidRequest("'model' is longer than 256 characters.", 'model');
  if (!Array.isArray(b.messages)) throw invalidRequest("'messages' is required and must be an array.", 'messages');
  if (b.stream !== undefined && typeof b.stream !== 'boolean') throw invalidRequest("'stream' must be a boolean.", 'stream');
  if (b.stream_options !== undefined && (typeof b.stream_options !== 'object' || b.stream_options === null || Array.isArray(b.stream_options))) {
    throw invalidRequest("'stream_options' must be an object.", 'stream_options');
  }
  return b as ChatBody;
}

/**
 * The body for one target: the original bytes when nothing needs to change; otherwise the target's model
 * name and, for streams, `include_usage` so every streamed call is metered exactly.
 */
function upstreamBody(text: string, body: ChatBody, target: ModelTarget): string {
  const needsUsage = body.stream === true && body.stream_options?.include_usage !== true;
  if (target.model === body.model && !needsUsage) return text;
  return JSON.stringify({
    ...body,
    model: target.model,
    ...(needsUsage ? { stream_options: { ...body.stream_options, include_usage: true } } : {}),
  });
}

function priceCall(call: CallDraft, usage: Usage | null, provider: SnapshotProvider, target: ModelTarget): void {
  if (!usage) return;
  Object.assign(call.record, usage);
  const price = findModelPrice(target.model, provider.priceOverrides) ?? findModelPrice(call.record.upstreamModel ?? '', provider.priceOverrides);
  call.record.costMicroUsd = price ? costMicroUsd(usage, price) : 0;
}

export function chatCompletionsHandler(deps: ChatDeps) {
  return async (c: Context<GatewayEnv>) => {
    const call = c.get('call');
    const config = c.get('config');
    const text = await readBodyText(c, deps.maxBodyBytes);
    call.record.bytesIn = Buffer.byteLength(text);
    const body = parseChatBody(text);
    call.record.model = body.model;
    call.record.stream = body.stream === true;

    const { route, service, subscription, plan } = authorizeModel(config, c.get('app'), body.model);
    call.record.serviceId = service.id;
    call.record.subscriptionId = subscription.id;
    await enforceLimits(deps.limiter, planRequestRules(plan, subscription));

    const requestId = c.get('requestId');
    const signal = clientDisconnectSignal(c);
    const skipped: string[] = [];
    const { target, provider, response } = await callUpstream({
      config,
      targets: route.targets,
      path: '/chat/completions',
      bodyFor: (t) => upstreamBody(text, body, t),
      headers: {
        'content-type': 'application/json',
        accept: body.stream ? 'text/event-stream' : 'application/json',
        'x-request-id': requestId,
        ...c.get('trace').headers,
      },
      dispatcher: deps.dispatcher,
      timeoutMs: deps.upstreamTimeoutMs,
      onSkip: (_t, reason) => {
        skipped.push(reason);
        call.record.errorMessage = `fell back after: ${skipped.join('; ')}`.slice(0, 2_000);
      },
      signal,
    });
    call.record.providerId = provider.id;

    const headers: Record<string, string> = {
      'x-request-id': requestId,
      'x-tollgate-provider': headerValue(provider.name),
      'x-tollgate-model': headerValue(target.model),
    };
    if (service.lifecycle === 'deprecated') headers.deprecation = 'true';
    const retryAfter = response.headers['retry-after'];
    if (response.statusCode === 429 && typeof retryAfter === 'string') headers['retry-after'] = retryAfter;
    const contentType = String(response.headers['content-type'] ?? '');

    if (body.stream && response.statusCode === 200) {
      if (!contentType.startsWith('text/event-stream')) {
        await response.body.dump();
        throw new GatewayError(502, 'upstream_error', 'invalid_upstream_response', 'The provider answered a streaming request without a stream.');
      }
      call.deferred = true;
      const stream = relayOpenAiStream({
        signal,
        upstream: response.body,
        clientWantsUsage: body.stream_options?.include_usage === true,
        elapsedMs: () => call.elapsedMs(),
        onEnd: (outcome) => {
          call.record.status = 200;
          call.record.upstreamModel = outcome.upstreamModel;
          call.record.ttftMs = outcome.ttftMs;
          call.record.bytesOut = outcome.bytesOut;
          priceCall(call, outcome.usage, provider, target);
          if (!outcome.completed) call.fail(outcome.errorCode ?? 'stream_interrupted', outcome.errorMessage ?? '');
          call.record.latencyMs = call.elapsedMs();
          deps.meter.record(call.record);
        },
      });
      return new Response(stream, {
        status: 200,
        headers: { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' },
      });
    }

    const bytes = await readUpstreamBody(response.body, signal);
    call.record.bytesOut = bytes.byteLength;
    call.record.ttftMs = call.elapsedMs();
    if (response.statusCode >= 400) return passUpstreamError(call, response.statusCode, bytes, contentType, headers);
    const completion = parseJsonObject(bytes);
    if (!completion) throw new GatewayError(502, 'upstream_error', 'invalid_upstream_response', 'The provider answered with a body that is not JSON.');
    call.record.upstreamModel = typeof completion.model === 'string' ? completion.model : null;
    priceCall(call, normalizeOpenAiUsage(completion.usage), provider, target);
    return new Response(bytes, { status: response.statusCode, headers: { ...headers, 'content-type': 'application/json' } });
  };
}

async function readUpstreamBody(body: Dispatcher.ResponseData['body'], signal: AbortSignal | undefined): Promise<Buffer> {
  try {
    return Buffer.from(await body.arrayBuffer());
  } catch (err) {
    if (signal?.aborted) throw clientClosed();
    throw new GatewayError(502, 'upstream_error', 'upstream_body_failed', 'The provider connection failed while sending the answer.', null, {}, err);
  }
}

function parseJsonObject(bytes: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The provider refused the call: an OpenAI-shaped error body passes through with its status, so the client
 * sees the provider's own reason; anything else is wrapped in the OpenAI shape. The detail stays in the record.
 */
function passUpstreamError(call: CallDraft, status: number, bytes: Buffer, contentType: string, headers: Record<string, string>): Response {
  const detail = bytes.toString('utf8').slice(0, 2_000);
  const parsed = contentType.includes('json') ? parseJsonObject(bytes) : null;
  call.fail('upstream_error', `upstream ${status}: ${detail}`);
  if (status === 401 || status === 403) {
    // The provider refused Tollgate's own credentials: passing its 401 on would blame the caller's key.
    const body = { error: { message: 'The provider refused the gateway\'s credentials; the platform admin must fix the provider.', type: 'upstream_error', param: null, code: 'upstream_auth_error' } };
    return new Response(JSON.stringify(body), { status: 502, headers: { ...headers, 'content-type': 'application/json' } });
  }
  if (parsed && typeof parsed.error === 'object' && parsed.error !== null) {
    return new Response(bytes, { status, headers: { ...headers, 'content-type': 'application/json' } });
  }
  const body = { error: { message: `The provider answered ${status}.`, type: 'upstream_error', param: null, code: 'upstream_error' } };
  return new Response(JSON.stringify(body), { status: status >= 500 ? 502 : status, headers: { ...headers, 'content-type': 'application/json' } });
}
