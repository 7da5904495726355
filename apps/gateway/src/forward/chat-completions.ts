import type { Context } from 'hono';
import {
  chatAdapters,
  ProviderConfigError,
  UnsupportedParameterError,
  type ChatAdapter,
  type ChatCall,
  type ProviderTarget,
  type UpstreamRequest,
} from '@tollgate/providers';
import type { ProviderType } from '@tollgate/domain';
import type { GatewayEnv } from '../env';
import { GatewayError, invalidRequest } from '../errors';
import type { ChatIngress, ForwardPath } from './ingress';
import { authorizeModel, type AuthorizedModel } from '../steps/authorize';
import { enforceLimits, type LimitSettings } from '../steps/limit';
import { countInput, estimateTokens } from '../limits/estimate';
import { responseBody } from '../http/response-body';
import { limitModelKey } from '../limits/rules';
import type { RecordMeter } from '../meter/call-meter';
import { callUpstream, type UpstreamAttempt, type UpstreamRouting } from './upstream-call';
import { startStream, translateAnswer, type StartedStream } from './upstream-answer';
import { finishStreamedCall, relayStream } from './stream-relay';
import { answerHeaders, priceCall, providerTarget, readUpstreamBody, upstreamErrorResponse } from './upstream-response';
import { cancelOnClientGone, readBodyText } from '../http/node-request';
import { startCapture } from '../capture/body-capture';
import { deliveredTokensOf } from '../usage/delivered-text';

export interface ChatDeps {
  limits: LimitSettings;
  meter: RecordMeter;
  upstream: UpstreamRouting;
  maxBodyBytes: number;
  /** Per body, for services that capture bodies. */
  captureMaxBytes: number;
}

/**
 * The chat steps after identify, shared by every ingress: read and translate the request, authorize the
 * model, count the limits, call the provider through its adapter, relay or translate the answer, meter.
 */
/**
 * A parameter the target provider cannot honour is a 400 naming it, not a silent drop; a provider whose own
 * configuration cannot make the request is the platform's problem, a 502 (the record keeps the detail).
 */
export async function buildProviderRequest(adapter: ChatAdapter, chat: ChatCall, target: ProviderTarget, ingress?: Pick<ChatIngress, 'paramName'>): Promise<UpstreamRequest> {
  try {
    return await adapter.buildChatRequest(chat, target);
  } catch (err) {
    if (err instanceof UnsupportedParameterError) {
      const param = ingress?.paramName?.(err.param) ?? err.param;
      const message = param === err.param ? err.message : `${param} (sent to the provider as '${err.param}'): ${err.message}`;
      throw invalidRequest(message, param, 'unsupported_parameter');
    }
    if (err instanceof ProviderConfigError) {
      throw new GatewayError(502, 'server_error', 'provider_misconfigured', 'The provider for this model is misconfigured; the platform admin must fix it.', null, {}, err);
    }
    throw err;
  }
}

/**
 * The limit step of a chat call (the proxy's and the ext_authz check's): the input estimate from the body, the
 * output allowance it asks for (or the default reservation), per choice, priced over the route's targets.
 */
export async function limitChatCall(c: Context<GatewayEnv>, limits: LimitSettings, text: string, request: ChatCall['request'], authorized: AuthorizedModel) {
  const { route, service, subscription, plan } = authorized;
  const config = c.get('config');
  const maxOutput = request.max_completion_tokens ?? request.max_tokens;
  // `n` choices each produce up to the output allowance; capped where providers cap it.
  const choices = typeof request.n === 'number' && request.n > 1 ? Math.min(Math.floor(request.n), 128) : 1;
  const tokens = estimateTokens(countInput(limits, text, request, route.targets), typeof maxOutput === 'number' && maxOutput > 0 ? maxOutput : undefined, limits.reserveOutputTokens, choices);
  const limitHeaders = await enforceLimits(c, limits, {
    service,
    plan,
    subscription,
    model: limitModelKey(route.targets),
    modelName: request.model,
    tokens,
    targets: route.targets.map((target) => ({ provider: config.providers.get(target.providerId), target })),
  });
  return { limitHeaders, tokens };
}

/** What `accept` made of a 2xx: a started stream, or the translated answer. */
interface Accepted {
  started?: StartedStream;
  translated?: ReturnType<ChatAdapter['translateChatResponse']>;
}

export function chatHandler(deps: ChatDeps, ingress: ChatIngress) {
  return async (c: Context<GatewayEnv>) => {
    const call = c.get('call');
    const config = c.get('config');
    const text = await readBodyText(c, deps.maxBodyBytes);
    call.record.bytesIn = Buffer.byteLength(text);
    const chat = await ingress.parse(text, { appId: c.get('app').id });
    const { request } = chat;
    call.record.model = request.model;
    call.record.stream = request.stream === true;

    const { route, service, subscription, plan } = authorizeModel(config, c.get('app'), request.model);
    call.record.serviceId = service.id;
    call.record.subscriptionId = subscription.id;
    const capture = startCapture(call, service, deps.captureMaxBytes);
    capture?.request(text);
    const { limitHeaders } = await limitChatCall(c, deps.limits, text, request, { route, service, subscription, plan });

    // The ingress's translation, or a native path for providers that speak the caller's format (ADR 0022).
    const pathFor = (type: ProviderType): ForwardPath => ingress.pathFor?.(chat, type) ?? { adapter: chatAdapters[type], answers: ingress };
    const requestId = c.get('requestId');
    const cancel = cancelOnClientGone(c);
    const skipped: string[] = [];
    // A 2xx is read here, inside the fallback loop, far enough to know it is an answer (ADR 0025).
    const accept = async ({ target: t, provider: p, response: r }: UpstreamAttempt): Promise<Accepted> => {
      const path = pathFor(p.type);
      const type = String(r.headers['content-type'] ?? '');
      if (request.stream) {
        const translator = path.answers.stream(path.adapter.createChatStreamTranslator(chat, providerTarget(p, t)), chat);
        return { started: await startStream(r.body, type, translator, cancel) };
      }
      const bytes = await readUpstreamBody(r.body, cancel);
      return { translated: translateAnswer(bytes, type, (b) => path.adapter.translateChatResponse(b, chat, providerTarget(p, t))) };
    };
    const { target, provider, response, accepted } = await callUpstream({
      config,
      targets: route.targets,
      requestFor: (t, p, key) => {
        const path = pathFor(p.type);
        return buildProviderRequest(path.adapter, chat, providerTarget(p, t, key), path.answers);
      },
      headers: { 'x-request-id': requestId, ...c.get('trace').headers },
      ...deps.upstream,
      onSkip: (_t, reason) => {
        skipped.push(reason);
        call.record.errorMessage = `fell back after: ${skipped.join('; ')}`.slice(0, 2_000);
      },
      cancel,
      accept,
    });
    call.record.providerId = provider.id;
    call.upstreamAnswered = response.statusCode < 300;
    const { adapter, answers } = pathFor(provider.type);

    const headers = { ...limitHeaders, ...answerHeaders(requestId, provider, target, service) };
    const retryAfter = response.headers['retry-after'];
    if (response.statusCode === 429 && typeof retryAfter === 'string') headers['retry-after'] = retryAfter;

    if (accepted?.started) {
      call.deferred = true;
      const { translator, chunks, head } = accepted.started;
      const stream = relayStream({
        // A real AbortSignal for the relay, made now: streams only.
        signal: cancel?.signal,
        upstream: response.body,
        chunks,
        head,
        translator,
        errorEvent: (message) => answers.streamError(message, translator),
        elapsedMs: () => call.elapsedMs(),
        onEnd: (outcome) => finishStreamedCall(call, outcome, provider, target, deps.meter),
        onText: capture?.chunk,
      });
      // No `connection` header: Node chooses it (keep-alive, unless the client or a drain said close).
      return new Response(stream, {
        status: 200,
        headers: { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
      });
    }

    if (!accepted?.translated) {
      // Not a 2xx (a 2xx was read and translated by `accept`): the provider's refusal, answered in the caller's format.
      const bytes = await readUpstreamBody(response.body, cancel);
      call.record.ttftMs = call.elapsedMs();
      const translatedError = adapter.translateError(response.statusCode, bytes);
      return upstreamErrorResponse(c, call, { status: response.statusCode, bytes, translated: translatedError, headers }, answers.error);
    }
    call.record.ttftMs = call.elapsedMs();
    const { translated } = accepted;
    call.record.upstreamModel = translated.model;
    priceCall(call, translated.usage, provider, target, () => deliveredTokensOf(translated.body));
    const answer = answers.answer(translated.body, chat, translated.usage);
    call.record.bytesOut = typeof answer === 'string' ? Buffer.byteLength(answer) : answer.byteLength;
    capture?.response(answer);
    return new Response(responseBody(answer), { status: response.statusCode, headers: { ...headers, 'content-type': 'application/json' } });
  };
}

