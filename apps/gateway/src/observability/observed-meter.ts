import type { Logger } from 'pino';
import type { CallRecord } from '@tollgate/domain';
import type { RecordMeter } from '../meter/call-meter';
import type { TraceContext } from '../steps/context';
import type { CallTracer } from './call-tracer';

/**
 * One wide event per request (the whole call in one structured line, rather than scattered log lines), and
 * its span, written where the call's record is finished: after the response, streams included, so neither
 * adds anything the client waits for. Bodies are never logged.
 */
export function observedMeter(inner: RecordMeter, parts: { logger: Logger; tracer?: CallTracer }): RecordMeter {
  const { logger, tracer } = parts;
  const observe = (record: CallRecord, trace: TraceContext | undefined, stored: boolean) => {
    const level = record.status >= 500 ? 'warn' : 'info';
    if (logger.isLevelEnabled(level)) logger[level](wideEvent(record, trace, stored), 'call');
    if (tracer && trace) tracer.end(record, trace);
  };
  return {
    callStarted: () => inner.callStarted(),
    record(record, trace) {
      observe(record, trace, true);
      inner.record(record, trace);
    },
    countUnattributed(record, trace) {
      if (record) observe(record, trace, false);
      inner.countUnattributed(record, trace);
    },
  };
}

function wideEvent(r: CallRecord, trace: TraceContext | undefined, stored: boolean) {
  return {
    event: 'call',
    callId: r.id,
    requestId: r.requestId,
    traceId: r.traceId,
    spanId: trace?.spanId,
    parentSpanId: trace?.parentSpanId ?? undefined,
    method: r.method,
    path: r.path,
    api: r.api,
    status: r.status,
    failed: r.failed,
    errorCode: r.errorCode ?? undefined,
    errorMessage: r.errorMessage ?? undefined,
    latencyMs: r.latencyMs,
    ttftMs: r.ttftMs ?? undefined,
    stream: r.stream,
    teamId: r.teamId ?? undefined,
    appId: r.appId ?? undefined,
    keyPrefix: r.keyPrefix ?? undefined,
    serviceId: r.serviceId ?? undefined,
    subscriptionId: r.subscriptionId ?? undefined,
    providerId: r.providerId ?? undefined,
    model: r.model ?? undefined,
    upstreamModel: r.upstreamModel ?? undefined,
    promptId: r.promptId ?? undefined,
    promptVersion: r.promptVersion ?? undefined,
    route: r.route ?? undefined,
    upstream: r.upstream ?? undefined,
    upstreamNode: r.upstreamNode ?? undefined,
    tokens: { input: r.inputTokens, cacheRead: r.cacheReadTokens, cacheWrite: r.cacheWriteTokens, output: r.outputTokens, reasoning: r.reasoningTokens },
    costMicroUsd: r.costMicroUsd,
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
    stored,
  };
}
