import type { Context } from 'hono';
import type { Dispatcher } from 'undici';
import { chatAdapters, UpstreamFormatError, type ChatCall, type ChatRequest } from '@tollgate/providers';
import type { Limiter } from '@tollgate/limiter';
import type { GatewayEnv } from '../env';
import { GatewayError, invalidRequest } from '../errors';
import { authorizeModel } from '../steps/authorize';
import { enforceLimits, planRequestRules } from '../steps/limit';
import type { CallMeter } from '../meter/call-meter';
import { callUpstream } from './upstream-call';
import { relayStream } from './stream-relay';
import { answerHeaders, priceCall, providerTarget, readUpstreamBody, upstreamErrorResponse } from './upstream-response';
import { clientDisconnectSignal, readBodyText } from '../http/node-request';

export interface ChatDeps {
  limiter: Limiter;
  meter: CallMeter;
  dispatcher: Dispatcher;
  upstreamTimeoutMs: number;
  maxBodyBytes: number;
}

/**
 * Reads the fields the gateway must understand and nothing more: every other parameter travels to the
 * provider untouched (DESIGN §6: no silent drops).
 */
export function parseChatBody(text: string): ChatRequest {
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
  return b as ChatRequest;
}

export function chatCompletionsHandler(deps: ChatDeps) {
  return async (c: Context<GatewayEnv>) => {
    const call = c.get('call');
    const config = c.get('config');
    const text = await readBodyText(c, deps.maxBodyBytes);
    call.record.bytesIn = Buffer.byteLength(text);
    const request = parseChatBody(text);
    const chat: ChatCall = { request, rawBody: text, clientWantsUsage: request.stream_options?.include_usage === true };
    call.record.model = request.model;
    call.record.stream = request.stream === true;

    const { route, service, subscription, plan } = authorizeModel(config, c.get('app'), request.model);
    call.record.serviceId = service.id;
    call.record.subscriptionId = subscription.id;
    await enforceLimits(deps.limiter, planRequestRules(plan, subscription));

    const requestId = c.get('requestId');
    const signal = clientDisconnectSignal(c);
    const skipped: string[] = [];
    const { target, provider, response } = await callUpstream({
      config,
      targets: route.targets,
      requestFor: (t, p) => chatAdapters[p.type].buildChatRequest(chat, providerTarget(p, t)),
      headers: { 'x-request-id': requestId, ...c.get('trace').headers },
      dispatcher: deps.dispatcher,
      timeoutMs: deps.upstreamTimeoutMs,
      onSkip: (_t, reason) => {
        skipped.push(reason);
        call.record.errorMessage = `fell back after: ${skipped.join('; ')}`.slice(0, 2_000);
      },
      signal,
    });
    call.record.providerId = provider.id;
    const adapter = chatAdapters[provider.type];
    const targetView = providerTarget(provider, target);

    const headers = answerHeaders(requestId, provider, target, service.lifecycle === 'deprecated');
    const retryAfter = response.headers['retry-after'];
    if (response.statusCode === 429 && typeof retryAfter === 'string') headers['retry-after'] = retryAfter;
    const contentType = String(response.headers['content-type'] ?? '');

    if (request.stream && response.statusCode === 200) {
      if (!/^text\/event-stream|^application\/vnd\.amazon\.eventstream/.test(contentType)) {
        await response.body.dump();
        throw new GatewayError(502, 'upstream_error', 'invalid_upstream_response', 'The provider answered a streaming request without a stream.');
      }
      call.deferred = true;
      const stream = relayStream({
        signal,
        upstream: response.body,
        translator: adapter.createChatStreamTranslator(chat, targetView),
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
    call.record.ttftMs = call.elapsedMs();
    if (response.statusCode >= 400) return upstreamErrorResponse(call, adapter.translateError(response.statusCode, bytes), response.statusCode, bytes, headers);
    let translated;
    try {
      translated = adapter.translateChatResponse(bytes, chat, targetView);
    } catch (err) {
      if (err instanceof UpstreamFormatError) throw new GatewayError(502, 'upstream_error', 'invalid_upstream_response', err.message, null, {}, err);
      throw err;
    }
    call.record.upstreamModel = translated.model;
    priceCall(call, translated.usage, provider, target);
    call.record.bytesOut = typeof translated.body === 'string' ? Buffer.byteLength(translated.body) : translated.body.byteLength;
    return new Response(translated.body, { status: response.statusCode, headers: { ...headers, 'content-type': 'application/json' } });
  };
}

