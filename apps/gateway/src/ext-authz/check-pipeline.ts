import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../env';
import { GatewayError, isUnifiedApiPath, renderGatewayError } from '../errors';
import type { ServerBindings } from '../http/server';
import type { LimitSettings } from '../steps/limit';
import { restAnswerHeaders, restRouteStep } from '../rest/route-step';
import { authorizeRestCall } from '../rest/rest-app';
import { identityHeaders } from '../rest/outbound';
import { credentialLocationOf } from '../rest/credential';
import type { CheckCompletions } from './access-log/completions';
import { aiCallNotChecked, aiCheck, isCheckedAiCall } from './ai-check';

/** The call record's `upstream` of a check: no REST upstream name can be it (those take no `_`). */
export const extAuthzUpstream = 'ext_authz';

export interface CheckPipelineDeps {
  limits: LimitSettings;
  /** The very step instances the REST surface runs: a check is identified, metered and traced as a call is. */
  steps: { context: MiddlewareHandler<GatewayEnv>; meter: MiddlewareHandler<GatewayEnv>; identify: MiddlewareHandler<GatewayEnv> };
  /** The largest AI call body a check reads (the unified API's own limit). */
  maxBodyBytes: number;
  /** With the access log on: allowed checks' records wait for Envoy's entry to complete them (ADR 0036). */
  completions?: CheckCompletions;
}

/** A check's answer: the Response either flavour maps to Envoy's, and what the upstream must not see on an allow. */
export interface CheckOutcome {
  response: Response;
  /**
   * Request headers to strip before the call goes upstream: where this caller's credential came and the mesh
   * JWT payload header, as the proxy mode's forward step strips them. Empty on a denial.
   */
  headersToRemove: string[];
  /** A query parameter that carried the credential, likewise (empty when it came in a header). */
  queryToRemove: string[];
}

export type CheckPipeline = (described: Request, env: ServerBindings) => Promise<CheckOutcome>;

export const untrustedCheck = new GatewayError(
  403,
  'permission_error',
  'ext_authz_untrusted',
  'External authorization checks are answered only for a trusted proxy (the mesh ingress, in TOLLGATE_TRUSTED_PROXIES); send the call itself without the check prefix.',
);

/**
 * Marks the record as a check and refuses the AI calls a check cannot decide before the REST route step, which
 * would otherwise answer them as an unknown URL (ADR 0036: only chat completions and messages, on their body).
 */
const checkStep: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  c.get('call').record.upstream = extAuthzUpstream;
  // As the REST gate decides: `/v1` is never a REST service's, and a prompt API keeps its path on any host.
  const { method, path } = c.req;
  if (isCheckedAiCall(method, path)) return next();
  if (isUnifiedApiPath(path) || (method === 'POST' && c.get('config').promptsByPath.has(path))) throw aiCallNotChecked(method, path);
  await next();
};

/** An AI call is routed by its model, in the handler; everything else by the REST route table. */
const routeStep: MiddlewareHandler<GatewayEnv> = (c, next) => (isCheckedAiCall(c.req.method, c.req.path) ? next() : restRouteStep(c, next));

interface Removals {
  headers: string[];
  query: string[];
}

/**
 * The REST surface's context → meter → check → route → identify → authorize → limit, run on a Request that
 * describes the client's call (never forwarded; an AI call's body is read for its model and tokens). 200 allows, with the x-tollgate-* identity, the
 * x-request-id and the RateLimit headers; a denial is the proxy mode's own status, body and headers. Both
 * flavours of Envoy's ext_authz (HTTP, ADR 0035, and gRPC) run this very function.
 */
export function createCheckPipeline(deps: CheckPipelineDeps): CheckPipeline {
  // What an allow must strip, per described Request: the Hono context is gone once `fetch` answers.
  const removals = new WeakMap<Request, Removals>();
  /** What the upstream must not see, kept for the outcome (the gRPC flavour's `headers_to_remove`). */
  const keepRemovals = (c: Context<GatewayEnv>) => {
    const location = credentialLocationOf(c);
    const headers = location?.header ? [location.header.toLowerCase()] : [];
    // The mesh's own identity headers too, as the proxy mode strips them: the payload, and claims copied one per header.
    const meshHeaders = [c.get('meshJwtPayloadHeader'), ...(c.get('meshJwtClaimHeaders') ?? []).map((m) => m.header)];
    for (const name of meshHeaders) if (name && !headers.includes(name)) headers.push(name);
    removals.set(c.req.raw, { headers, query: location?.query ? [location.query] : [] });
  };
  const ai = aiCheck({ limits: deps.limits, maxBodyBytes: deps.maxBodyBytes, completions: deps.completions });
  const checks = new Hono<GatewayEnv>();
  checks.use('*', deps.steps.context, deps.steps.meter, checkStep, routeStep, deps.steps.identify);
  checks.all('*', async (c) => {
    if (isCheckedAiCall(c.req.method, c.req.path)) {
      const answer = await ai(c);
      keepRemovals(c);
      return answer;
    }
    // Authorize and limit as the REST proxy does (one limiter call, REST request limits).
    const { caller, limitHeaders } = await authorizeRestCall(c, deps.limits);
    keepRemovals(c);
    deps.completions?.hold(c);
    // Envoy copies the x-tollgate-* headers into the upstream request and the RateLimit ones into the answer.
    return c.body(null, 200, { ...identityHeaders(caller), ...limitHeaders, 'x-request-id': c.get('requestId') });
  });
  checks.onError((err, c) => {
    for (const [name, value] of Object.entries(restAnswerHeaders(c) ?? {})) c.header(name, value);
    return renderGatewayError(err, c);
  });
  return async (described, env) => {
    const response = await checks.fetch(described, env);
    const removed = removals.get(described);
    return { response, headersToRemove: removed?.headers ?? [], queryToRemove: removed?.query ?? [] };
  };
}

/** Renders a refusal made before the pipeline ran: built once, like the pipeline's own app. */
const refusals = new Hono<{ Bindings: { refusal: GatewayError } }>();
refusals.all('*', (c) => renderGatewayError(c.env.refusal, c));

/**
 * A check refused before the pipeline (an untrusted peer, a CheckRequest that describes no HTTP request),
 * rendered in the REST error shape with the request id the check carried. Nothing is recorded: no call began.
 */
export function refuseCheck(refusal: GatewayError, requestId: string | undefined): Promise<Response> {
  return Promise.resolve(refusals.request('/', { headers: requestId ? { 'x-request-id': requestId } : {} }, { refusal }));
}
