import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

let upstream: MockOpenAi;
beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
});
afterAll(() => upstream.close());

describe('GET /metrics', () => {
  it('exposes calls, latency, TTFT, tokens, cost, failures, limiter decisions, the snapshot revision and the meter, in Prometheus text format', async () => {
    const gateway = await startTestGateway(
      testSnapshot({ revision: 7, providerUrl: upstream.url, providerKey: 'sk-up', planLimits: { requestsPerMinute: 3 }, priceOverrides: { 'gpt-4o-mini': { input_cost_per_token: 1e-6, output_cost_per_token: 1e-6 } } }),
    );
    const client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'count these words' }] };
    await client.chat.completions.create(ask);
    const stream = await client.chat.completions.create({ ...ask, stream: true });
    for await (const _ of stream);
    await client.chat.completions.create({ ...ask, model: 'mock-error-429' }).catch(() => undefined); // a 404: no such model route
    await client.chat.completions.create(ask);
    await client.chat.completions.create(ask).catch(() => undefined); // the 4th in a minute: refused by the limit
    await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', body: '{}' }); // no key: unattributed

    const res = await fetch(`${gateway.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = new Map(parsePrometheusTextFormat(await res.text()).map((f) => [f.name, f]));
    const value = (name: string, labels: Record<string, string> = {}) =>
      Number(families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? NaN);

    expect(value('tollgate_gateway_requests_total', { route: '/v1/chat/completions', status: '2xx' })).toBe(3);
    expect(value('tollgate_gateway_requests_total', { route: '/v1/chat/completions', status: '4xx' })).toBe(2);
    expect(families.get('tollgate_gateway_request_duration_seconds')?.type).toBe('HISTOGRAM');
    // The parser keeps a histogram's buckets (not its labels): the +Inf bucket is its count.
    const count = (name: string) => Number(families.get(name)!.metrics[0]!.buckets!['+Inf']);
    expect(count('tollgate_gateway_request_duration_seconds')).toBe(5);
    expect(count('tollgate_gateway_ttft_seconds')).toBe(1);
    expect(value('tollgate_gateway_tokens_total', { kind: 'output' })).toBeGreaterThan(0);
    expect(value('tollgate_gateway_cost_micro_usd_total')).toBeGreaterThan(0);
    expect(value('tollgate_gateway_failed_calls_total', { code: 'rate_limit_exceeded' })).toBe(1);
    expect(value('tollgate_gateway_failed_calls_total', { code: 'model_not_found' })).toBe(1);
    expect(value('tollgate_gateway_limiter_decisions_total', { outcome: 'allowed', source: 'memory' })).toBe(3);
    expect(value('tollgate_gateway_limiter_decisions_total', { outcome: 'refused', source: 'memory' })).toBe(1);
    expect(value('tollgate_gateway_unattributed_requests_total')).toBe(1);
    expect(value('tollgate_gateway_snapshot_revision')).toBe(7);
    expect(value('tollgate_gateway_meter_buffered')).toBeGreaterThanOrEqual(0);
    // The records the metrics counted are the records the meter stores: one place counts both.
    expect((await gateway.flushed()).length).toBe(5);
    await gateway.close();
  });
});
