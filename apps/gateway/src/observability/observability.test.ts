import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { pino } from 'pino';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';
import { otlpTracesUrl, parseGatewayConfig } from '../config';
import { createCallTracer, type CallTracer } from './call-tracer';

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: OtlpValue }>;
  status?: { code?: number };
}

/** A stand-in OpenTelemetry collector: a real HTTP server taking OTLP/HTTP JSON exports. */
async function startCollector() {
  const spans: OtlpSpan[] = [];
  const resources: Array<Record<string, unknown>> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { resourceSpans: Array<{ resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
      for (const rs of parsed.resourceSpans) {
        resources.push(attributesOf(rs.resource.attributes));
        for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`, spans, resources, close: () => new Promise((r) => server.close(r)) };
}

const attributesOf = (list: OtlpSpan['attributes']) =>
  Object.fromEntries(list.map(({ key, value }) => [key, value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue))]));

let upstream: MockOpenAi;
let collector: Awaited<ReturnType<typeof startCollector>>;
let tracer: CallTracer;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const logLines: Array<Record<string, unknown>> = [];
const client = (headers: Record<string, string> = {}, key = testKeys.approved) =>
  new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0, defaultHeaders: headers });
const upstreamTraceparent = () => upstream.requests.at(-1)!.headers.traceparent as string;

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-upstream' });
  collector = await startCollector();
  tracer = createCallTracer({ url: collector.url, serviceName: 'tollgate-test' });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-upstream' }), { tracer, logger: pino({ level: 'info' }, sink) });
});
afterAll(async () => {
  await gateway.close();
  await tracer.close();
  await upstream.close();
  await collector.close();
});

/** Spans are batched: closing a fresh exporter is not possible mid-test, so wait for the batch to arrive. */
async function spanOf(traceId: string): Promise<OtlpSpan> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const span = collector.spans.find((s) => s.traceId === traceId);
    if (span) return span;
    if (Date.now() > deadline) throw new Error(`no span for trace ${traceId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a span per call, exported over OTLP/HTTP', () => {
  it('continues the caller’s trace: the upstream call and the exported span share the gateway’s span id', async () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const { data, response } = await client({ traceparent: incoming, 'x-request-id': 'req-traced-1' })
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'trace me' }] })
      .withResponse();
    expect(response.status).toBe(200);
    const [, traceId, gatewaySpanId, flags] = upstreamTraceparent().split('-');
    expect([traceId, flags]).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736', '01']);
    expect(gatewaySpanId).not.toBe('00f067aa0ba902b7');

    const span = await spanOf(traceId!);
    expect(span).toMatchObject({ spanId: gatewaySpanId, parentSpanId: '00f067aa0ba902b7', name: 'POST /v1/chat/completions', kind: 2 });
    const record = (await gateway.flushed()).find((r) => r.requestId === 'req-traced-1')!;
    expect(record.traceId).toBe(traceId);
    const attributes = attributesOf(span.attributes);
    expect(attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': data.usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': data.usage!.completion_tokens,
      'tollgate.call_id': record.id,
      'tollgate.request_id': 'req-traced-1',
      'tollgate.app_id': record.appId,
      'tollgate.cost_micro_usd': record.costMicroUsd,
    });
    // The span covers the call as metered: its length is the record's latency.
    const ms = (ns: string) => Number(BigInt(ns) / 1_000_000n);
    expect(ms(span.startTimeUnixNano)).toBe(record.startedAt);
    expect(ms(span.endTimeUnixNano) - ms(span.startTimeUnixNano)).toBe(record.latencyMs);
    expect(collector.resources.at(-1)).toMatchObject({ 'service.name': 'tollgate-test' });
  });

  it('starts a trace for a call that came without one, streams included, under the trace id stored in its record', async () => {
    const stream = await client({ 'x-request-id': 'req-traced-2' }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream me' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Echo: stream me');
    const [, traceId, gatewaySpanId] = upstreamTraceparent().split('-');
    const span = await spanOf(traceId!);
    expect(span.spanId).toBe(gatewaySpanId);
    expect(span.parentSpanId ?? '').toBe('');
    const record = (await gateway.flushed()).find((r) => r.requestId === 'req-traced-2')!;
    expect(record.traceId).toBe(traceId);
    expect(attributesOf(span.attributes)).toMatchObject({ 'tollgate.stream': true, 'tollgate.ttft_ms': record.ttftMs });
  });

  it('marks a failed call’s span as an error and obeys a caller that did not sample', async () => {
    const refused = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKeys.pending}`, 'content-type': 'application/json', traceparent: '00-11111111111111111111111111111111-2222222222222222-01' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(refused.status).toBe(403);
    const failed = await spanOf('11111111111111111111111111111111');
    expect(attributesOf(failed.attributes)).toMatchObject({ 'http.response.status_code': 403, 'tollgate.error_code': 'subscription_pending' });
    expect(failed.status?.code).toBe(2);

    const unsampled = '00-33333333333333333333333333333333-4444444444444444-00';
    await client({ traceparent: unsampled }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'quiet' }] });
    expect(upstreamTraceparent()).toMatch(/^00-33333333333333333333333333333333-[0-9a-f]{16}-00$/);
    // A later sampled call's span arriving proves the batch with the unsampled one (if any) was sent.
    const later = '00-55555555555555555555555555555555-6666666666666666-01';
    await client({ traceparent: later }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'loud' }] });
    await spanOf('55555555555555555555555555555555');
    expect(collector.spans.some((s) => s.traceId === '33333333333333333333333333333333')).toBe(false);
  });
});

describe('one wide log event per request', () => {
  it('logs each finished call once as one JSON line with its ids, outcome, tokens and cost, and never its bodies', async () => {
    const before = logLines.length;
    await client({ 'x-request-id': 'req-logged-1' }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'secret words' }] });
    const badKey = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer tg_nope', 'x-request-id': 'req-logged-2' }, body: '{}' });
    expect(badKey.status).toBe(401);
    const events = logLines.slice(before).filter((l) => l.msg === 'call');
    expect(events.map((e) => e.requestId)).toEqual(['req-logged-1', 'req-logged-2']);
    const record = (await gateway.flushed()).find((r) => r.requestId === 'req-logged-1')!;
    expect(events[0]).toMatchObject({
      level: 30,
      event: 'call',
      callId: record.id,
      traceId: record.traceId,
      api: '/v1/chat/completions',
      status: 200,
      failed: false,
      appId: record.appId,
      keyPrefix: record.keyPrefix,
      model: 'gpt-4o-mini',
      tokens: { input: record.inputTokens, cacheRead: 0, cacheWrite: 0, output: record.outputTokens, reasoning: 0 },
      costMicroUsd: record.costMicroUsd,
      latencyMs: record.latencyMs,
      stored: true,
    });
    // The unknown key's request is logged but not stored.
    expect(events[1]).toMatchObject({ status: 401, failed: true, errorCode: 'invalid_api_key', stored: false, api: '/v1/chat/completions' });
    expect(JSON.stringify(events)).not.toContain('secret words');
  });
});

describe('OTLP configuration', () => {
  it('uses OpenTelemetry’s variable names, the traces URL winning over the base', () => {
    expect(otlpTracesUrl(parseGatewayConfig({}))).toBeNull();
    expect(otlpTracesUrl(parseGatewayConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }))).toBe('http://collector:4318/v1/traces');
    expect(
      otlpTracesUrl(parseGatewayConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/traces' })),
    ).toBe('http://other:4318/traces');
    expect(parseGatewayConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%3D,x-team = ops' }).OTEL_EXPORTER_OTLP_HEADERS).toEqual({ 'api-key': 'abc=', 'x-team': 'ops' });
    expect(() => parseGatewayConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' })).toThrow(/OTEL_EXPORTER_OTLP_HEADERS: "novalue" is not name=value/);
    expect(() => parseGatewayConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=%E0%A4%A' })).toThrow(/OTEL_EXPORTER_OTLP_HEADERS: "api-key=%E0%A4%A" has a malformed %-escape/);
    expect(() => parseGatewayConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
