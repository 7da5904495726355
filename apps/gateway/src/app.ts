import { Hono, type MiddlewareHandler } from 'hono';
import { Agent, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { GatewayEnv } from './env';
import { GatewayError, gatewayStopping, isUnifiedApiPath, renderGatewayError } from './errors';
import type { SnapshotSource } from './snapshot/snapshot-source';
import type { CallMeter } from './meter/call-meter';
import type { Limiter } from '@tollgate/limiter';
import type { LimiterUnavailableMode } from '@tollgate/domain';
import { contextStep } from './steps/context';
import { trustedProxies } from './identity/trusted-proxies';
import type { MeshClaimHeader } from './identity/mesh-jwt-claim-headers';
import { meterStep } from './steps/meter';
import { identifyStep } from './steps/identify';
import { chatHandler } from './forward/chat-completions';
import type { RetryPolicy, UpstreamRouting } from './forward/upstream-call';
import { CircuitBreakers, type CircuitBreakerOptions } from './routing/circuit-breaker';
import { KeyPools } from './routing/key-pools';
import { anthropicIngress, createResponsesIngress, openAiIngress } from './forward/ingress';
import type { ResponseStore } from './responses/response-store';
import { MemoryResponseStore } from './responses/memory-response-store';
import type { ResponseState } from './responses/conversation';
import { deleteResponseHandler, inputItemsHandler, retrieveResponseHandler } from './responses/responses-routes';
import { embeddingsHandler } from './forward/embeddings';
import { listModelsHandler, retrieveModelHandler } from './forward/models';
import { promptHandler, promptRouteStep } from './prompts/prompt-handler';
import { promptTestRunHandler } from './prompts/prompt-test-run';
import { createGatewayMetrics, registerCompletionMetrics } from './metrics/gateway-metrics';
import type { CallTracer } from './observability/call-tracer';
import { observedMeter } from './observability/observed-meter';
import { createRestUpstreams, type RestUpstreams } from './rest/upstreams';
import { ConnectTimeouts } from './rest/connector';
import type { UpstreamTls } from './rest/upstream-tls';
import { createRestApp, restGate, restSnapshotSync } from './rest/rest-app';
import { createTokenizerCounter, type InputTokenCounter } from './limits/input-tokens';
import { extAuthzHttp } from './ext-authz/http-check';
import { createCheckPipeline } from './ext-authz/check-pipeline';
import { CheckCompletions } from './ext-authz/access-log/completions';
import { accessLogNamesTollgateCall } from './ext-authz/access-log/tollgate-calls';
import { countingAccessLogSink, type AccessLogSink } from './ext-authz/grpc/access-log-service';

export interface GatewayDeps {
  snapshots: SnapshotSource;
  meter: CallMeter;
  limiter: Limiter;
  /** For limits whose plan does not choose: what to do while Redis is unreachable (default: count locally). */
  limiterUnavailable?: LimiterUnavailableMode;
  /** Output tokens reserved for a chat call that sets no `max_tokens` (default 1,024); settled after the call. */
  reserveOutputTokens?: number;
  /** Counts a call's input tokens for its reservation; default OpenAI's tokenizers, loaded on first use. */
  inputTokens?: InputTokenCounter;
  logger: Logger;
  /** Addresses and CIDR ranges whose `x-forwarded-for` / `x-envoy-external-address` (and mesh identities) are believed. */
  trustedProxies?: readonly string[];
  /** Istio/Envoy's hop count for `x-forwarded-for` from a trusted peer (ADR 0033); unset, trusted addresses are skipped instead. */
  trustedHops?: number;
  /** Istio's `outputPayloadToHeader` name: the mesh-verified JWT payload a trusted proxy sends identifies the app (ADR 0033). */
  meshJwtPayloadHeader?: string;
  /** `xfcc`: a trusted proxy's `x-forwarded-client-cert` SPIFFE ID names the app by its workload credential (ADR 0033). */
  workloadIdentity?: 'xfcc';
  /** Istio's `outputClaimToHeaders` pairs: mesh-verified claims a trusted proxy sends one per header identify the app (ADR 0033). */
  meshJwtClaimHeaders?: readonly MeshClaimHeader[];
  /** Envoy ext_authz over HTTP (ADR 0035): requests under this prefix from a trusted proxy are checks; unset, off. */
  extAuthzPathPrefix?: string;
  /**
   * Envoy's access log completes allowed checks' records (ADR 0036): how long a check waits for its entry. Unset,
   * a check's record is written when it answers.
   */
  extAuthzAccessLogWaitMs?: number;
  /** Receives each batch of decoded HTTP access-log entries in place of the completions (tests). */
  onAccessLogs?: AccessLogSink;
  /** undici dispatcher for upstream calls; a keep-alive Agent by default. */
  dispatcher?: Dispatcher;
  /** The client certificate and extra CAs of the default Agent's TLS connections (ADR 0037); unset, Node's defaults. */
  upstreamTls?: UpstreamTls;
  upstreamTimeoutMs?: number;
  /** The whole provider call across fallbacks and retry rounds, until the answer is in hand (ADR 0025). */
  upstreamTotalTimeoutMs?: number;
  /** Extra rounds over a route's targets once all failed, and the longest wait before one (default 1, 2 s). */
  retry?: RetryPolicy;
  circuitBreaker?: CircuitBreakerOptions;
  maxBodyBytes?: number;
  /** Per body, for services with body capture on (default 64 KiB). */
  captureMaxBytes?: number;
  /** The token the portal presents to test-run prompts (`POST /internal/prompt-runs`); unset, the route is off. */
  internalToken?: string;
  /** Exports a span per call (OTLP); unset, no tracing work is done. */
  tracer?: CallTracer;
  /**
   * Balancers, health checks, outlier ejection, retry budget, split and mirror choice of REST upstreams. The
   * runtime owns it (and closes it); without one the app makes its own.
   */
  restUpstreams?: RestUpstreams;
  /** Stored Responses (ADR 0022); the runtime chooses memory or Redis, the app makes a memory one without. */
  responseStore?: ResponseStore;
  /** How long a stored response lives (default one hour). */
  responseStoreTtlMs?: number;
}

/**
 * The data plane. Each request runs the named steps of DESIGN §2: context → meter → identify → route and
 * authorize → limit → forward; the meter step closes the record when the response (or stream) ends.
 */
export function createGatewayApp(deps: GatewayDeps) {
  const app = new Hono<GatewayEnv>();
  // No cap on connections per provider: LLM streams stay open for seconds, and a cap would queue whole streams
  // behind each other (bench:streams showed p99 TTFT tripling past 512 concurrent streams).
  // REST upstreams' connect timeouts are per origin, looked up by the shared Agent's connector.
  const connectTimeouts = deps.dispatcher ? null : new ConnectTimeouts(deps.upstreamTls);
  const dispatcher = deps.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connect: connectTimeouts!.connect });
  const restUpstreams = deps.restUpstreams ?? createRestUpstreams({ logger: deps.logger });
  const maxBodyBytes = deps.maxBodyBytes ?? 10 * 1024 * 1024;
  const captureMaxBytes = deps.captureMaxBytes ?? 65_536;

  // Registered first: a call for a REST service (by host or slug) is the REST surface's whole, whatever its
  // path. Its steps are made below, with the AI surface's.
  let toRest: MiddlewareHandler<GatewayEnv> | undefined;
  // An ext_authz check goes before it: the prefix wins over a REST slug or host that would also match.
  let check: ReturnType<typeof extAuthzHttp> | undefined;
  app.use('*', (c, next) => {
    if (c.env?.draining) throw gatewayStopping;
    return check?.(c) ?? toRest!(c, next);
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const config = deps.snapshots.current();
    return config ? c.json({ status: 'ready', revision: config.revision }) : c.json({ status: 'waiting for config' }, 503);
  });

  const responseState: ResponseState = {
    store: deps.responseStore ?? new MemoryResponseStore(),
    ttlMs: deps.responseStoreTtlMs ?? 3_600_000,
    logger: deps.logger,
    stats: { written: 0, failed: 0 },
  };
  const metrics = createGatewayMetrics({ meter: deps.meter, snapshots: deps.snapshots, limiter: deps.limiter, restUpstreams, responseWrites: responseState.stats });
  // Prometheus text format; like /healthz it needs no key: keep the gateway's port off the public internet
  // or scrape it through the mesh.
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  const trusted = trustedProxies(deps.trustedProxies ?? [], deps.trustedHops ?? null);
  const context = contextStep({
    snapshots: deps.snapshots,
    logger: deps.logger,
    trustedProxies: trusted,
    meshJwtPayloadHeader: deps.meshJwtPayloadHeader?.toLowerCase(),
    meshJwtClaimHeaders: deps.meshJwtClaimHeaders?.map((m) => ({ claim: m.claim, header: m.header.toLowerCase() })),
    workloadIdentity: deps.workloadIdentity,
  });
  // Every finished call is logged as one wide event, traced, counted and buffered, in that order.
  const finished = observedMeter(metrics.meter, { logger: deps.logger, tracer: deps.tracer });
  const meter = meterStep(finished);
  app.use('/v1/*', context);
  app.use('/v1/*', meter);
  const upstream: UpstreamRouting = {
    dispatcher,
    timeoutMs: deps.upstreamTimeoutMs ?? 120_000,
    totalTimeoutMs: deps.upstreamTotalTimeoutMs ?? 120_000,
    breakers: new CircuitBreakers(deps.circuitBreaker),
    keys: new KeyPools(),
    retry: deps.retry ?? { rounds: 1, maxBackoffMs: 2_000 },
  };
  const limits = {
    limiter: deps.limiter,
    onUnavailable: deps.limiterUnavailable ?? 'local',
    reserveOutputTokens: deps.reserveOutputTokens ?? 1_024,
    inputTokens: deps.inputTokens ?? createTokenizerCounter(),
    onDecision: metrics.onLimitDecision,
  } as const;
  const identify = identifyStep();
  // REST bodies stream both ways: the AI surface's body limit does not apply to them.
  const restSurface = createRestApp({
    steps: { context, meter, identify },
    limits,
    dispatcher,
    upstreams: restUpstreams,
    meter: finished,
    captureMaxBytes,
    upstreamSecureContext: connectTimeouts?.secureContext,
  });
  // One pipeline for both ext_authz flavours: the HTTP prefix here, the gRPC server the runtime starts.
  const waitMs = deps.extAuthzAccessLogWaitMs;
  const completions = waitMs ? new CheckCompletions({ meter: finished, waitMs, isTollgateCall: accessLogNamesTollgateCall(deps.snapshots) }) : undefined;
  if (completions) registerCompletionMetrics(metrics.registry, completions);
  const pipeline = createCheckPipeline({ limits, steps: { context, meter, identify }, maxBodyBytes, completions });
  if (deps.extAuthzPathPrefix) check = extAuthzHttp({ prefix: deps.extAuthzPathPrefix, trustedProxies: trusted, pipeline });
  toRest = restGate({ snapshots: deps.snapshots, rest: restSurface, sync: restSnapshotSync(restUpstreams, connectTimeouts) });

  const chatDeps = { limits, meter: finished, upstream, maxBodyBytes, captureMaxBytes };
  app.post('/v1/chat/completions', identifyStep(), chatHandler(chatDeps, openAiIngress));
  // The Anthropic Messages API in front of every provider (the Anthropic SDK sends its key as x-api-key).
  app.post('/v1/messages', identifyStep(), chatHandler(chatDeps, anthropicIngress));
  // The OpenAI Responses API, translated to every provider's own API (ADR 0022).
  app.post('/v1/responses', identifyStep(), chatHandler(chatDeps, createResponsesIngress(responseState)));
  // The calling app's stored responses, served from the response store (never the database).
  app.get('/v1/responses/:id', identifyStep(), retrieveResponseHandler(responseState.store));
  app.delete('/v1/responses/:id', identifyStep(), deleteResponseHandler(responseState.store));
  app.get('/v1/responses/:id/input_items', identifyStep(), inputItemsHandler(responseState.store));
  app.post('/v1/embeddings', identifyStep(), embeddingsHandler({ limits, upstream, maxBodyBytes, captureMaxBytes }));
  app.get('/v1/models', identifyStep(), listModelsHandler);
  app.get('/v1/models/*', identifyStep(), retrieveModelHandler);

  // Prompt APIs: `POST /<service slug><prompt path>` for any HTTP client, in the REST error shape. A `/v1/*`
  // path that reached here already ran context and meter above; the route step then answers its 404.
  const outsideV1 = (step: MiddlewareHandler<GatewayEnv>): MiddlewareHandler<GatewayEnv> => (c, next) => (isUnifiedApiPath(c.req.path) ? next() : step(c, next));
  const promptDeps = { limits, meter: finished, upstream, maxBodyBytes, captureMaxBytes };
  app.post('/internal/prompt-runs', context, meter, promptTestRunHandler({ ...promptDeps, internalToken: deps.internalToken }));
  app.post('/:slug/*', outsideV1(context), outsideV1(meter), promptRouteStep, identifyStep(), promptHandler(promptDeps));

  app.notFound((c) =>
    renderGatewayError(new GatewayError(404, 'invalid_request_error', 'unknown_url', `Unknown request URL: ${c.req.method} ${c.req.path}.`), c),
  );
  app.onError((err, c) => renderGatewayError(err, c));
  const onAccessLogs: AccessLogSink = deps.onAccessLogs ?? (completions ? (entries) => completions.complete(entries) : countingAccessLogSink());
  const extAuthz = { pipeline, trustedProxies: trusted, onAccessLogs, completions };
  return Object.assign(app, { extAuthz });
}
