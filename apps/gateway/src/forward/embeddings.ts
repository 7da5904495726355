import type { Context } from 'hono';
import { embeddingsAdapters, type EmbeddingsCall, type EmbeddingsRequest } from '@tollgate/providers';
import type { GatewayEnv } from '../env';
import { invalidRequest } from '../errors';
import { authorizeModel } from '../steps/authorize';
import { enforceLimits, type LimitSettings } from '../steps/limit';
import { countInput, estimateTokens } from '../limits/estimate';
import { responseBody } from '../http/response-body';
import { limitModelKey } from '../limits/rules';
import { cancelOnClientGone, readBodyText } from '../http/node-request';
import { startCapture } from '../capture/body-capture';
import { callUpstream, type UpstreamRouting } from './upstream-call';
import { translateAnswer } from './upstream-answer';
import { parseJsonObject, requireModel } from './request-body';
import { answerHeaders, priceCall, providerTarget, readUpstreamBody, upstreamErrorResponse } from './upstream-response';

export interface EmbeddingsDeps {
  limits: LimitSettings;
  upstream: UpstreamRouting;
  maxBodyBytes: number;
  captureMaxBytes: number;
}

const isTokens = (v: unknown) => Array.isArray(v) && v.every((n) => Number.isInteger(n));

export function parseEmbeddingsBody(text: string): EmbeddingsRequest {
  const b = parseJsonObject(text);
  requireModel(b);
  const input = b.input;
  const valid =
    (typeof input === 'string' && input.length > 0) ||
    (Array.isArray(input) && input.length > 0 && (input.every((s) => typeof s === 'string') || isTokens(input) || input.every(isTokens)));
  if (!valid) throw invalidRequest("'input' must be a non-empty string, array of strings, or array of token arrays.", 'input');
  return b as EmbeddingsRequest;
}

/** `/v1/embeddings`: the same steps as chat (identify, authorize by model, limit, forward, meter), no stream. */
export function embeddingsHandler(deps: EmbeddingsDeps) {
  return async (c: Context<GatewayEnv>) => {
    const call = c.get('call');
    const config = c.get('config');
    const text = await readBodyText(c, deps.maxBodyBytes);
    call.record.bytesIn = Buffer.byteLength(text);
    const request = parseEmbeddingsBody(text);
    const embeddings: EmbeddingsCall = { request, rawBody: text };
    call.record.model = request.model;

    const { route, service, subscription, plan } = authorizeModel(config, c.get('app'), request.model);
    call.record.serviceId = service.id;
    call.record.subscriptionId = subscription.id;
    const capture = startCapture(call, service, deps.captureMaxBytes);
    capture?.request(text);
    const targets = route.targets.filter((t) => {
      const type = config.providers.get(t.providerId)?.type;
      return type !== undefined && embeddingsAdapters[type] !== undefined;
    });
    if (targets.length === 0) throw invalidRequest(`The model '${request.model}' is not an embeddings model: its providers have no embeddings API.`, 'model');
    // Embeddings produce no output tokens: the reservation is the input estimate alone.
    const limitHeaders = await enforceLimits(c, deps.limits, {
      service,
      plan,
      subscription,
      model: limitModelKey(targets),
      modelName: request.model,
      tokens: estimateTokens(countInput(deps.limits, text, request, targets), 0, 0),
      targets: targets.map((target) => ({ provider: config.providers.get(target.providerId), target })),
    });

    const cancel = cancelOnClientGone(c);
    // A 2xx is read and translated inside the fallback loop: one that is not an answer tries the next target (ADR 0025).
    const { target, provider, response, accepted } = await callUpstream({
      config,
      targets,
      requestFor: (t, p, key) => embeddingsAdapters[p.type]!.buildEmbeddingsRequest(embeddings, providerTarget(p, t, key)),
      headers: { 'x-request-id': c.get('requestId'), ...c.get('trace').headers },
      ...deps.upstream,
      onSkip: (_t, reason) => (call.record.errorMessage = `fell back after: ${reason}`.slice(0, 2_000)),
      cancel,
      accept: async ({ target: t, provider: p, response: r }) => {
        const bytes = await readUpstreamBody(r.body, cancel);
        return translateAnswer(bytes, String(r.headers['content-type'] ?? ''), (b) =>
          embeddingsAdapters[p.type]!.translateEmbeddingsResponse(b, embeddings, providerTarget(p, t)),
        );
      },
    });
    call.record.providerId = provider.id;
    call.upstreamAnswered = response.statusCode < 300;
    const adapter = embeddingsAdapters[provider.type]!;
    const headers = { ...limitHeaders, ...answerHeaders(c.get('requestId'), provider, target, service) };
    if (!accepted) {
      const bytes = await readUpstreamBody(response.body, cancel);
      call.record.ttftMs = call.elapsedMs();
      return upstreamErrorResponse(c, call, { status: response.statusCode, bytes, translated: adapter.translateError(response.statusCode, bytes), headers });
    }
    call.record.ttftMs = call.elapsedMs();
    const translated = accepted;
    call.record.upstreamModel = translated.model;
    // Embeddings produce no output tokens: an unusable usage is billed the input estimate alone.
    priceCall(call, translated.usage, provider, target, () => 0);
    call.record.bytesOut = typeof translated.body === 'string' ? Buffer.byteLength(translated.body) : translated.body.byteLength;
    capture?.response(translated.body);
    return new Response(responseBody(translated.body), { status: 200, headers: { ...headers, 'content-type': 'application/json' } });
  };
}
