import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TracerProvider, type IdGenerator, type SpanExporter } from '@opentelemetry/sdk-trace';
import { totalInputTokens, totalOutputTokens, type CallRecord } from '@tollgate/domain';
import type { TraceContext } from '../steps/context';

export interface CallTracerOptions {
  /** OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces`. */
  url: string;
  headers?: Record<string, string>;
  serviceName: string;
  /** Tests hand in their own exporter; by default spans go to `url` as OTLP/HTTP JSON. */
  exporter?: SpanExporter;
}

/** Ends one span per call; `close()` sends what is still batched. */
export interface CallTracer {
  end(record: CallRecord, trace: TraceContext): void;
  close(): Promise<void>;
}

/**
 * The span of a call must carry the ids the gateway already chose: its span id is the parent id in the
 * `traceparent` sent upstream (so the provider's or service's spans hang under it), and a call that arrived
 * without a trace keeps the trace id already stored in its call record. The SDK asks its IdGenerator for ids
 * while `startSpan` runs, synchronously, so handing it the call's ids just before that call is safe.
 */
class CallIds implements IdGenerator {
  next: { traceId: string; spanId: string } | null = null;
  generateTraceId(): string {
    return this.next!.traceId;
  }
  generateSpanId(): string {
    return this.next!.spanId;
  }
}

/**
 * An OpenTelemetry SERVER span per call, made when the call's record is complete (a stream's too), so the
 * request path does no tracing work at all; spans are batched and exported off the hot path. Attributes follow
 * the HTTP and GenAI semantic conventions where they have names, and `tollgate.*` for the rest.
 */
export function createCallTracer(options: CallTracerOptions): CallTracer {
  const ids = new CallIds();
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: options.url, headers: options.headers });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    idGenerator: ids,
    // A caller that decided not to sample is obeyed; a call that starts its own trace is always sampled.
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 8_192, scheduledDelayMillis: 1_000 })],
  });
  const tracer = provider.getTracer('tollgate-gateway');

  return {
    end(record, call) {
      const parent = call.parentSpanId
        ? trace.setSpanContext(ROOT_CONTEXT, {
            traceId: call.traceId,
            spanId: call.parentSpanId,
            traceFlags: call.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
            isRemote: true,
          })
        : ROOT_CONTEXT;
      ids.next = { traceId: call.traceId, spanId: call.spanId };
      try {
        const span = tracer.startSpan(`${record.method} ${record.api ?? record.path}`, { kind: SpanKind.SERVER, startTime: record.startedAt, attributes: spanAttributes(record) }, parent);
        if (record.failed || record.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: record.errorCode ?? `HTTP ${record.status}` });
        span.end(record.startedAt + record.latencyMs);
      } finally {
        ids.next = null;
      }
    },
    close: () => provider.shutdown(),
  };
}

function spanAttributes(r: CallRecord): Attributes {
  const attributes: Attributes = {
    'http.request.method': r.method,
    'url.path': r.path,
    'http.response.status_code': r.status,
    'tollgate.call_id': r.id,
    'tollgate.request_id': r.requestId,
    'tollgate.api': r.api ?? undefined,
    'tollgate.team_id': r.teamId ?? undefined,
    'tollgate.app_id': r.appId ?? undefined,
    'tollgate.key_prefix': r.keyPrefix ?? undefined,
    'tollgate.service_id': r.serviceId ?? undefined,
    'tollgate.provider_id': r.providerId ?? undefined,
    'tollgate.cost_micro_usd': r.costMicroUsd,
    'tollgate.stream': r.stream,
    'tollgate.ttft_ms': r.ttftMs ?? undefined,
    'tollgate.error_code': r.errorCode ?? undefined,
    'tollgate.prompt_id': r.promptId ?? undefined,
  };
  if (r.model) {
    attributes['gen_ai.request.model'] = r.model;
    attributes['gen_ai.response.model'] = r.upstreamModel ?? undefined;
    // GenAI conventions count input including cached tokens; the record keeps the parts apart.
    attributes['gen_ai.usage.input_tokens'] = totalInputTokens(r);
    attributes['gen_ai.usage.output_tokens'] = totalOutputTokens(r);
    attributes['tollgate.tokens.cache_read'] = r.cacheReadTokens;
    attributes['tollgate.tokens.cache_write'] = r.cacheWriteTokens;
    attributes['tollgate.tokens.reasoning'] = r.reasoningTokens;
  }
  return attributes;
}
