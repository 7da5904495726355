import type { Context } from 'hono';
import type { GatewayEnv } from '../env';
import { GatewayError } from '../errors';
import { anthropicIngress, openAiIngress, type ChatIngress } from '../forward/ingress';
import { limitChatCall } from '../forward/chat-completions';
import { priceCall } from '../forward/upstream-response';
import { authorizeModel } from '../steps/authorize';
import type { LimitSettings } from '../steps/limit';
import { readBodyText, requestHeader } from '../http/node-request';
import { identityHeaders } from '../rest/outbound';
import { estimatedTokensOfChars } from '../usage/delivered-text';
import type { CheckCompletions, CompletionFill } from './access-log/completions';

/** The AI calls a check can decide: those whose body alone names the model and the tokens to reserve. */
const checkedIngresses = new Map<string, ChatIngress>([
  ['/v1/chat/completions', openAiIngress],
  ['/v1/messages', anthropicIngress],
]);

export const isCheckedAiCall = (method: string, path: string) => method === 'POST' && checkedIngresses.has(path);

export const aiCallNotChecked = (method: string, path: string) =>
  new GatewayError(
    404,
    'invalid_request_error',
    'ext_authz_not_supported',
    `The external authorizer decides REST calls and POST /v1/chat/completions or /v1/messages; ${method} ${path} needs the gateway itself (a prompt API renders its template, the other unified endpoints translate or store answers): send it through the Tollgate gateway, not authorized by the mesh.`,
  );

const bodyRequired = new GatewayError(
  400,
  'invalid_request_error',
  'ext_authz_body_required',
  'An AI call is checked on its body (the model to authorize, the tokens to reserve), and this check came without one: set includeRequestBodyInCheck on the Tollgate extension provider (maxRequestBytes at least the largest request, allowPartialMessage false).',
);

const partialBody = (max: string | undefined) =>
  new GatewayError(
    413,
    'invalid_request_error',
    'ext_authz_partial_body',
    `Envoy sent only the first part of the body (x-envoy-auth-partial-body: true${max ? `, ${max} bytes` : ''}), which cannot be read as the call: raise includeRequestBodyInCheck.maxRequestBytes above the largest request and set allowPartialMessage false.`,
  );

export interface AiCheckDeps {
  limits: LimitSettings;
  maxBodyBytes: number;
  /** Set when the access-log receiver is on: the allowed call's record waits for Envoy's entry. */
  completions?: CheckCompletions;
}

/**
 * An AI call as Istio's external authorizer (ADR 0036): the mesh routes it to a model server itself, so the
 * check does what the gateway does before forwarding, on the body Envoy includes: parse it as the unified API
 * does, authorize the model, and reserve its tokens and spend in the one limiter call. The reservation is
 * settled when the access log completes the record: a 2xx is billed the input estimate and the output its
 * response bytes can hold (never more than the allowance the call asked for), anything else releases it.
 */
export function aiCheck(deps: AiCheckDeps) {
  return async (c: Context<GatewayEnv>) => {
    const call = c.get('call');
    const ingress = checkedIngresses.get(c.req.path)!;
    if (requestHeader(c, 'x-envoy-auth-partial-body') === 'true') throw partialBody(requestHeader(c, 'content-length'));
    const text = await readBodyText(c, deps.maxBodyBytes);
    if (text.trim() === '') throw bodyRequired;
    call.record.bytesIn = Buffer.byteLength(text);
    const { request } = await ingress.parse(text, { appId: c.get('app').id });
    call.record.model = request.model;
    call.record.stream = request.stream === true;
    const config = c.get('config');
    const authorized = authorizeModel(config, c.get('app'), request.model);
    call.record.serviceId = authorized.service.id;
    call.record.subscriptionId = authorized.subscription.id;
    const { limitHeaders, tokens } = await limitChatCall(c, deps.limits, text, request, authorized);
    // The mesh picks the model server; the route's first target is the one the call is priced at.
    const target = authorized.route.targets[0]!;
    const provider = config.providers.get(target.providerId);
    call.record.providerId = target.providerId;
    const fill: CompletionFill = (draft, entry) => {
      if (!provider) return;
      const delivered = entry ? estimatedTokensOfChars(entry.responseBodyBytes) : tokens.output;
      if (draft.upstreamAnswered) priceCall(draft, null, provider, target, () => Math.min(delivered, tokens.output));
    };
    if (deps.completions) deps.completions.hold(c, fill);
    else {
      // No access log to settle from: the call is taken to have used what it reserved.
      call.upstreamAnswered = true;
      call.keepReservation = true;
      fill(call, null);
    }
    return c.body(null, 200, { ...identityHeaders({ app: c.get('app'), subscription: authorized.subscription }), ...limitHeaders, 'x-request-id': c.get('requestId') });
  };
}
