import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { startScriptedUpstream } from '../testing/scripted-upstream';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

// Upstreams that answer 200 and lie, or stall (ADR 0025): with a fallback the caller gets the fallback's answer,
// without one a 502/504 naming what the provider did, within the target's timeoutMs (300 ms here), not 120 s.
const TIMEOUT_MS = 300;
const faults: Record<string, (res: ServerResponse) => void> = {
  empty: (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(),
  html: (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>'),
  'not json': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('not json'),
  'cut mid-body': (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"id":"chatcmpl-1","choices":[', () => res.destroy());
  },
  'headers then silence': (res) => res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders(),
};
const chunk = (delta: object) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
const streamFaults: Record<string, (res: ServerResponse) => void> = {
  'JSON instead of a stream': faults['not json']!,
  'a stream with no event': (res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end(': keep-alive\n\n'),
  'headers then silence': (res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders(),
};
const expected: Record<string, { status: number; code: string; message: RegExp }> = {
  empty: { status: 502, code: 'invalid_upstream_response', message: /answered 200 with an empty body/ },
  html: { status: 502, code: 'invalid_upstream_response', message: /answered 200 with an HTML body/ },
  'not json': { status: 502, code: 'invalid_upstream_response', message: /not JSON/ },
  'cut mid-body': { status: 502, code: 'upstream_body_failed', message: /closed the connection mid-body/ },
  'headers then silence': { status: 504, code: 'upstream_idle_timeout', message: /stopped sending/ },
};

let fault = 'empty';
let streamFault: string | null = null;
let liar: Awaited<ReturnType<typeof startScriptedUpstream>>;
let good: MockOpenAi;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let client: OpenAI;
let revision = 1;
const hello = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };

/** The liar first, with a short timeoutMs; the working mock behind it when `fallback`. */
function install(fallback: boolean) {
  const data = testSnapshot({ providerUrl: liar.url, fallbackProviderUrl: fallback ? good.url : undefined });
  data.modelRoutes[0]!.targets = data.modelRoutes[0]!.targets.map((t) => ({ ...t, timeoutMs: TIMEOUT_MS }));
  gateway.snapshots.install({ ...data, revision: ++revision });
}
const lastRecord = async () => (await gateway.flushed()).at(-1)!;

beforeAll(async () => {
  liar = await startScriptedUpstream((_req, res) => (streamFault ? streamFaults[streamFault]! : faults[fault]!)(res));
  good = await startMockOpenAi({ apiKey: 'sk-mock' });
  // No retry round: each case is one pass over the targets; no open circuit reorders them between cases.
  gateway = await startTestGateway(null, { retry: { rounds: 0, maxBackoffMs: 0 }, circuitBreaker: { failureThreshold: 1_000 } });
  client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await good.close();
  await liar.close();
});

describe('a 200 that is not an answer', () => {
  for (const name of Object.keys(faults)) {
    it(`falls back to the next target when the provider answers ${name}`, async () => {
      fault = name;
      install(true);
      const completion = await client.chat.completions.create(hello);
      expect(completion.choices[0]!.message.content).toBeTruthy();
      const record = await lastRecord();
      expect(record).toMatchObject({ status: 200, providerId: 'prv_fallback000' });
      expect(record.errorMessage).toMatch(/fell back after: primary: /);
    });

    it(`answers ${expected[name]!.status} naming what the provider did (${name}) when no target is left`, async () => {
      fault = name;
      install(false);
      const started = Date.now();
      const err = (await client.chat.completions.create(hello).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err.status).toBe(expected[name]!.status);
      expect(err.code).toBe(expected[name]!.code);
      expect(err.message).toMatch(expected[name]!.message);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await lastRecord()).toMatchObject({ status: expected[name]!.status, failed: true, errorCode: expected[name]!.code });
    });
  }
});

describe('a stream that is not one, or stalls', () => {
  for (const name of Object.keys(streamFaults)) {
    it(`falls back before anything reached the client when the provider sends ${name}`, async () => {
      streamFault = name;
      install(true);
      let text = '';
      for await (const part of await client.chat.completions.create({ ...hello, stream: true })) text += part.choices[0]?.delta.content ?? '';
      expect(text).toBeTruthy();
      const record = await lastRecord();
      expect(record).toMatchObject({ status: 200, providerId: 'prv_fallback000', failed: false });
      expect(record.errorMessage).toMatch(/fell back after: primary: /);
    });
  }

  it('ends a stream that stalls after its first event with the error event at the idle timeout, no fallback', async () => {
    streamFault = null;
    const stall = await startScriptedUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: 'Hel' }));
    });
    const data = testSnapshot({ providerUrl: stall.url, fallbackProviderUrl: good.url });
    data.modelRoutes[0]!.targets = data.modelRoutes[0]!.targets.map((t) => ({ ...t, timeoutMs: TIMEOUT_MS }));
    gateway.snapshots.install({ ...data, revision: ++revision });
    const started = Date.now();
    let text = '';
    const err = await (async () => {
      for await (const part of await client.chat.completions.create({ ...hello, stream: true })) text += part.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(text).toBe('Hel');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toMatch(/stopped sending during the stream/);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(5_000);
    const deadline = Date.now() + 2_000;
    while (!(await gateway.flushed()).some((r) => r.errorCode === 'upstream_idle_timeout' && r.stream) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await gateway.flushed()).findLast((r) => r.stream)).toMatchObject({ status: 200, failed: true, errorCode: 'upstream_idle_timeout', providerId: 'prv_primary0000' });
    await stall.close();
  });
});

describe('targets that all hang, without timeoutMs', () => {
  it('are bounded by one total for the whole call (TOLLGATE_UPSTREAM_TOTAL_TIMEOUT_MS), not rounds × targets × timeout', async () => {
    const hang = await startScriptedUpstream(() => undefined);
    // Per attempt 5 s (the harness's), two targets, one retry round: 20 s without the total; 400 ms with it.
    const bounded = await startTestGateway(testSnapshot({ providerUrl: hang.url, fallbackProviderUrl: hang.url }), {
      retry: { rounds: 1, maxBackoffMs: 10 },
      upstreamTotalTimeoutMs: 400,
    });
    const started = Date.now();
    const err = (await new OpenAI({ apiKey: testKeys.approved, baseURL: `${bounded.url}/v1`, maxRetries: 0 }).chat.completions
      .create(hello)
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    const elapsed = Date.now() - started;
    expect(err.status).toBe(504);
    expect(err.code).toBe('upstream_timeout');
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(3_000);
    await bounded.close();
    await hang.close();
  });
});

describe('embeddings', () => {
  it('falls back when the provider answers 200 with an HTML page', async () => {
    streamFault = null;
    fault = 'html';
    install(true);
    const result = await client.embeddings.create({ model: 'gpt-4o-mini', input: 'hello' });
    expect(result.data[0]!.embedding.length).toBeGreaterThan(0);
    expect(await lastRecord()).toMatchObject({ status: 200, providerId: 'prv_fallback000' });
  });
});
