import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { unifiedApiOf, type CallRecord } from '@tollgate/domain';
import { RedisLimiter, type LimitDecision, type Limiter } from '@tollgate/limiter';
import type { CallMeter, RecordMeter } from '../meter/call-meter';
import type { SnapshotSource } from '../snapshot/snapshot-source';
import type { RestUpstreams } from '../rest/upstreams/contract';
import type { CompletionStats } from '../ext-authz/access-log/completions';

/**
 * A bounded route label: the unified endpoints by name, every prompt API as one, each REST API by its id
 * (`rest:<api id>`, bounded by the catalogue; `rest:unmatched` for calls to a REST service that matched none
 * of its APIs), anything else as unknown.
 */
function routeOf(path: string, status: number, api: string | null): string {
  if (api?.startsWith('rest:')) return api;
  const unified = unifiedApiOf(path);
  if (unified) return unified;
  if (path === '/internal/prompt-runs') return 'prompt-test-run';
  return status === 404 ? 'unknown' : 'prompt';
}

const statusClass = (status: number) => (status === 499 ? '499' : `${Math.floor(status / 100)}xx`);

/**
 * Prometheus metrics of one gateway (`GET /metrics`). Counting happens where a call's record is finished —
 * one place for every surface, streams included — and the totals that already exist (meter buffer, snapshot
 * revision) are read when scraped, not kept twice.
 */
export function createGatewayMetrics(parts: {
  meter: CallMeter;
  snapshots: SnapshotSource;
  limiter?: Limiter;
  restUpstreams?: RestUpstreams;
  /** The response store's writes, done after each answer (ADR 0022). */
  responseWrites?: { written: number; failed: number };
}) {
  const registry = new Registry();
  const requests = new Counter({ name: 'tollgate_gateway_requests_total', help: 'Calls by route and status class.', labelNames: ['route', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'tollgate_gateway_request_duration_seconds',
    help: 'Call latency to the last byte, by route.',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const ttft = new Histogram({ name: 'tollgate_gateway_ttft_seconds', help: 'Time to first token of streamed answers.', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10], registers: [registry] });
  const upstreamErrors = new Counter({ name: 'tollgate_gateway_failed_calls_total', help: 'Calls that failed, by error code and provider (empty before one was chosen).', labelNames: ['code', 'provider_id'], registers: [registry] });
  const tokens = new Counter({ name: 'tollgate_gateway_tokens_total', help: 'Tokens by kind (non-overlapping parts).', labelNames: ['kind'], registers: [registry] });
  const cost = new Counter({ name: 'tollgate_gateway_cost_micro_usd_total', help: 'Cost of calls in micro-USD.', registers: [registry] });
  const unattributed = new Counter({ name: 'tollgate_gateway_unattributed_requests_total', help: 'Requests without a known key (not stored).', registers: [registry] });
  const limiter = new Counter({ name: 'tollgate_gateway_limiter_decisions_total', help: 'Limit decisions by outcome and how they were made (redis, memory, degraded).', labelNames: ['outcome', 'source'], registers: [registry] });
  const { meter, snapshots } = parts;
  new Gauge({ name: 'tollgate_gateway_snapshot_revision', help: 'Config revision being served (0 before the first).', registers: [registry], collect() { this.set(snapshots.current()?.revision ?? 0); } });
  new Gauge({ name: 'tollgate_gateway_meter_buffered', help: 'Call records waiting to be stored.', registers: [registry], collect() { this.set(meter.buffered); } });
  new Gauge({ name: 'tollgate_gateway_meter_dropped', help: 'Call records lost to the buffer bound since start.', registers: [registry], collect() { this.set(meter.stats.dropped); } });
  new Gauge({ name: 'tollgate_gateway_meter_rejected', help: 'Call records the store refused since start.', registers: [registry], collect() { this.set(meter.stats.rejected); } });
  new Gauge({ name: 'tollgate_gateway_meter_bodies_dropped', help: 'Call records stored without their captured bodies (the buffer held its byte bound of bodies) since start.', registers: [registry], collect() { this.set(meter.stats.bodiesDropped); } });
  new Gauge({ name: 'tollgate_gateway_meter_failed_flushes', help: 'Batch writes that failed and were kept for a retry since start (the store is slow or down).', registers: [registry], collect() { this.set(meter.stats.failedFlushes); } });
  const { responseWrites } = parts;
  if (responseWrites) {
    new Gauge({ name: 'tollgate_gateway_response_store_writes', help: 'Responses stored since start.', registers: [registry], collect() { this.set(responseWrites.written); } });
    new Gauge({ name: 'tollgate_gateway_response_store_write_failures', help: 'Responses that could not be stored since start (their calls succeeded).', registers: [registry], collect() { this.set(responseWrites.failed); } });
  }
  const { limiter: shared } = parts;
  if (shared instanceof RedisLimiter) {
    // The shared limiter's health: what the failure modes are doing, read at scrape time.
    new Gauge({ name: 'tollgate_gateway_limiter_redis_errors', help: 'Redis calls of the limiter that failed or timed out since start.', registers: [registry], collect() { this.set(shared.stats().redisErrors); } });
    new Gauge({ name: 'tollgate_gateway_limiter_degraded_decisions', help: 'Decisions made without Redis (open, closed or local) since start.', registers: [registry], collect() { this.set(shared.stats().degradedDecisions); } });
    new Gauge({ name: 'tollgate_gateway_limiter_breaker_open', help: '1 while the limiter skips Redis after repeated failures.', registers: [registry], collect() { this.set(shared.stats().breakerOpen ? 1 : 0); } });
  }

  const { restUpstreams } = parts;
  if (restUpstreams) {
    // REST upstream counters live in the upstream machinery (the forward step reports mirror outcomes to it):
    // read at scrape time, exposed as counters.
    const fromStats = (name: string, help: string, read: (s: ReturnType<RestUpstreams['stats']>) => Array<[Record<string, string>, number]>, labelNames: string[] = []) =>
      new Counter({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const [labels, value] of read(restUpstreams.stats())) this.inc(labels, value);
        },
      });
    fromStats('tollgate_gateway_rest_mirror_total', 'Mirrored REST calls by outcome: sent (the shadow answered), failed, dropped (the shadow fell behind the body).', (s) => [
      [{ outcome: 'sent' }, s.mirrored],
      [{ outcome: 'failed' }, s.mirrorFailed],
      [{ outcome: 'dropped' }, s.mirrorDropped],
    ], ['outcome']);
    fromStats('tollgate_gateway_rest_retries_refused_total', 'REST retries the retry budget refused.', (s) => [[{}, s.retriesRefusedByBudget]]);
    fromStats('tollgate_gateway_rest_ejections_total', 'REST upstream nodes ejected by outlier detection.', (s) => [[{}, s.ejections]]);
  }

  const tokenKinds = (
    [
      ['input', 'inputTokens'],
      ['cache_read', 'cacheReadTokens'],
      ['cache_write', 'cacheWriteTokens'],
      ['output', 'outputTokens'],
      ['reasoning', 'reasoningTokens'],
    ] as const
  ).map(([kind, field]) => [tokens.labels(kind), field] as const);

  // Labelled children are looked up once per label set: prom-client hashes the labels on every inc() otherwise,
  // and this runs for every call.
  const requestChildren = new Map<string, { count: ReturnType<typeof requests.labels>; latency: ReturnType<typeof duration.labels> }>();
  const childrenFor = (route: string, status: string) => {
    const key = `${route} ${status}`;
    let child = requestChildren.get(key);
    if (!child) requestChildren.set(key, (child = { count: requests.labels(route, status), latency: duration.labels(route) }));
    return child;
  };

  // Likewise for the limiter's decisions: one per limited call.
  const decisionChildren = new Map<string, ReturnType<typeof limiter.labels>>();
  const decisionChild = (outcome: string, source: string) => {
    const key = `${outcome} ${source}`;
    let child = decisionChildren.get(key);
    if (!child) decisionChildren.set(key, (child = limiter.labels(outcome, source)));
    return child;
  };

  function observe(record: CallRecord): void {
    const child = childrenFor(routeOf(record.path, record.status, record.api), statusClass(record.status));
    child.count.inc();
    child.latency.observe(record.latencyMs / 1_000);
    if (record.stream && record.ttftMs !== null) ttft.observe(record.ttftMs / 1_000);
    if (record.failed) upstreamErrors.inc({ code: record.errorCode ?? 'unknown', provider_id: record.providerId ?? '' });
    for (const [counter, field] of tokenKinds) if (record[field] > 0) counter.inc(record[field]);
    if (record.costMicroUsd > 0) cost.inc(record.costMicroUsd);
  }

  return {
    registry,
    /** The meter the request path uses: counts each finished call, then hands it on. */
    meter: {
      callStarted: () => meter.callStarted(),
      record(record: CallRecord) {
        observe(record);
        meter.record(record);
      },
      countUnattributed() {
        unattributed.inc();
        meter.countUnattributed();
      },
    } satisfies RecordMeter,
    onLimitDecision: (decision: LimitDecision) => decisionChild(decision.allowed ? 'allowed' : 'refused', decision.source).inc(),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** Checks waiting for their access-log entry, and what became of entries (ADR 0036), read when scraped. */
export function registerCompletionMetrics(registry: Registry, completions: { pending: number; stats: CompletionStats }): void {
  new Gauge({ name: 'tollgate_gateway_ext_authz_held_checks', help: 'Allowed checks waiting for their access-log entry.', registers: [registry], collect() { this.set(completions.pending); } });
  new Gauge({
    name: 'tollgate_gateway_ext_authz_access_log_entries',
    help: "Since start: checks completed from the access log, expired without an entry, and entries that were denied calls, unmatched (another process held the check), unchecked (no check allowed them: failOpen) or not Tollgate's.",
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      for (const [outcome, n] of Object.entries(completions.stats)) this.set({ outcome }, n);
    },
  });
}
