import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import type { CallRecord, PromptSpecJson } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot, type TestSnapshotOptions } from '../testing/test-snapshot';

/**
 * Body capture through a real gateway, called with the official OpenAI SDK (and plain fetch for prompt APIs)
 * against the OpenAI mock: what is stored, what is redacted and cut, and that the client's answer and stream
 * are the same with capture on as without.
 */
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

const summarize: PromptSpecJson = {
  messages: [{ role: 'user', content: 'Summarize: {{text}}' }],
  variables: { type: 'object', properties: { text: { type: 'string', minLength: 1 } }, required: ['text'] },
  model: 'gpt-4o-mini',
};

let upstream: MockOpenAi;
let revision = 1;
const gateways: Gateway[] = [];
const snapshot = (redact: string[] | null, o: Partial<TestSnapshotOptions> = {}) => {
  const data = testSnapshot({ revision: revision++, providerUrl: upstream.url, providerKey: 'sk-up', prompts: [{ path: '/summarize', spec: summarize }], ...o });
  if (redact) data.services[0]!.capture = { redact };
  return data;
};
const start = async (...args: Parameters<typeof startTestGateway>) => {
  const gateway = await startTestGateway(...args);
  gateways.push(gateway);
  return gateway;
};
const client = (gateway: Gateway) => new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
const recordOf = async (gateway: Gateway, requestId: string | null): Promise<CallRecord> => {
  const record = (await gateway.flushed()).find((r) => r.requestId === requestId);
  if (!record) throw new Error(`no record for ${requestId}`);
  return record;
};
/** The text of each content delta of a captured or received SSE stream. */
const deltas = (sse: string) =>
  sse
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice(6)).choices?.[0]?.delta?.content)
    .filter((piece) => typeof piece === 'string' && piece !== '');

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await upstream.close();
});

describe('body capture', () => {
  let plain: Gateway;
  let capturing: Gateway;
  const chat = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }] });

  beforeAll(async () => {
    plain = await start(snapshot(null));
    capturing = await start(snapshot(['messages.*.content', 'api_key']));
  });

  it('copies nothing for a service without capture', async () => {
    const { response } = await client(plain).chat.completions.create(chat('nothing kept')).withResponse();
    const record = await recordOf(plain, response.headers.get('x-request-id'));
    expect(record.status).toBe(200);
    expect(record).not.toHaveProperty('bodies');
  });

  it('captures a JSON call’s request, redacted, and the answer as the client got it', async () => {
    const { data, response } = await client(capturing)
      .chat.completions.create({ ...chat('my secret plan'), metadata: { api_key: 'sk-inner', note: 'kept' } })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Echo: my secret plan');
    const { bodies } = await recordOf(capturing, response.headers.get('x-request-id'));
    expect(bodies).toMatchObject({ requestTruncated: false, responseTruncated: false });
    expect(bodies!.request).not.toContain('my secret plan');
    expect(bodies!.request).not.toContain('sk-inner');
    expect(JSON.parse(bodies!.request!)).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: '[REDACTED]' }], metadata: { api_key: '[REDACTED]', note: 'kept' } });
    // The rules name request fields only: the answer is kept whole, exactly as sent.
    expect(JSON.parse(bodies!.response!)).toEqual(data);
  });

  it('captures a stream as it was relayed, and the client’s stream is the same as without capture', async () => {
    const ask = chat('one two three four five six');
    const raw = await client(capturing).chat.completions.create({ ...ask, stream: true }).asResponse();
    const received = await raw.text();
    const record = await recordOf(capturing, raw.headers.get('x-request-id'));
    expect(record.bodies!.response).toBe(received);
    expect(record.bodies!.responseTruncated).toBe(false);
    expect(received).toMatch(/data: \[DONE\]\n\n$/);

    // Read by the SDK, with capture on and off: the same pieces in the same order.
    const pieces = async (gateway: Gateway) => {
      const out: string[] = [];
      for await (const chunk of await client(gateway).chat.completions.create({ ...ask, stream: true })) out.push(chunk.choices[0]?.delta.content ?? '');
      return out.filter(Boolean);
    };
    const withCapture = await pieces(capturing);
    expect(withCapture.join('')).toBe('Echo: one two three four five six');
    expect(withCapture.length).toBeGreaterThan(3);
    expect(await pieces(plain)).toEqual(withCapture);
    expect(deltas(received)).toEqual(withCapture);
  });

  it('redacts each event of a captured stream from the next snapshot on, leaving the client’s stream whole', async () => {
    capturing.snapshots.install(snapshot(['choices.*.delta.content']));
    let text = '';
    const stream = client(capturing).chat.completions.create({ ...chat('alpha beta gamma'), stream: true });
    const { data, response } = await stream.withResponse();
    for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Echo: alpha beta gamma');
    const { bodies } = await recordOf(capturing, response.headers.get('x-request-id'));
    // The request is kept whole now: the new rules name no request field.
    expect(JSON.parse(bodies!.request!).messages[0].content).toBe('alpha beta gamma');
    expect(bodies!.response).not.toMatch(/alpha|beta|gamma|Echo/);
    expect(deltas(bodies!.response!).length).toBeGreaterThan(3);
    expect(new Set(deltas(bodies!.response!))).toEqual(new Set(['[REDACTED]']));
    expect(bodies!.response).toMatch(/data: \[DONE\]\n\n$/);
  });

  it('cuts each body at TOLLGATE_CAPTURE_MAX_BYTES and says so, while the client gets everything', async () => {
    const small = await start(snapshot([]), { captureMaxBytes: 1_024 });
    const long = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
    const raw = await client(small).chat.completions.create({ ...chat(long), stream: true }).asResponse();
    const received = await raw.text();
    expect(deltas(received).join('')).toBe(`Echo: ${long}`);
    const { bodies } = await recordOf(small, raw.headers.get('x-request-id'));
    expect(bodies).toMatchObject({ requestTruncated: true, responseTruncated: true });
    expect(Buffer.byteLength(bodies!.request!)).toBe(1_024);
    expect(Buffer.byteLength(bodies!.response!)).toBe(1_024);
    expect(received.startsWith(bodies!.response!)).toBe(true);
    expect(JSON.stringify(chat(long)).startsWith(bodies!.request!)).toBe(true);
  });

  it('captures embeddings and a provider’s error answer', async () => {
    const { data, response } = await client(capturing).embeddings.create({ model: 'gpt-4o-mini', input: 'embed me' }).withResponse();
    const embedded = await recordOf(capturing, response.headers.get('x-request-id'));
    expect(JSON.parse(embedded.bodies!.request!)).toEqual({ model: 'gpt-4o-mini', input: 'embed me', encoding_format: 'base64' });
    // The SDK asks for base64 and decodes it: the stored answer is the wire's, which decodes to what the client got.
    const stored = Buffer.from(JSON.parse(embedded.bodies!.response!).data[0].embedding, 'base64');
    expect(Array.from(new Float32Array(stored.buffer, stored.byteOffset, stored.byteLength / 4))).toEqual(data.data[0]!.embedding);

    const failing = await start(snapshot([], { upstreamModel: 'mock-error-500' }), { retry: { rounds: 0, maxBackoffMs: 0 } });
    const err = await client(failing).chat.completions.create(chat('fail please')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    const failed = await recordOf(failing, (err as InstanceType<typeof OpenAI.APIError>).requestID ?? (err as { headers: Headers }).headers.get('x-request-id'));
    // What the client got: the gateway's 502 for the provider's 500.
    expect(failed.status).toBe(502);
    expect(JSON.parse(failed.bodies!.response!)).toMatchObject({ error: { type: 'server_error', code: 'upstream_error' } });
    expect(JSON.parse(failed.bodies!.request!).messages[0].content).toBe('fail please');
  });

  it('captures prompt API calls, streamed and not', async () => {
    const prompts = await start(snapshot(['variables.text']));
    const call = (body: unknown) =>
      fetch(`${prompts.url}/llm/summarize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${testKeys.approved}` }, body: JSON.stringify(body) });
    const res = await call({ variables: { text: 'private notes' } });
    const answer = await res.text();
    expect(JSON.parse(answer).output).toBe('Echo: Summarize: private notes');
    const record = await recordOf(prompts, res.headers.get('x-request-id'));
    expect(record.promptId).not.toBeNull();
    expect(record.bodies).toEqual({ request: '{"variables":{"text":"[REDACTED]"}}', response: answer, requestTruncated: false, responseTruncated: false });

    const streamed = await call({ variables: { text: 'streamed notes' }, stream: true });
    const events = await streamed.text();
    expect(events).toMatch(/^event: delta\n/);
    const streamedRecord = await recordOf(prompts, streamed.headers.get('x-request-id'));
    expect(streamedRecord.bodies).toEqual({ request: '{"variables":{"text":"[REDACTED]"},"stream":true}', response: events, requestTruncated: false, responseTruncated: false });
  });
});
