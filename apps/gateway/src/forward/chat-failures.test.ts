import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { startScriptedUpstream } from '../testing/scripted-upstream';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string } };

let upstream: MockOpenAi;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let revision = 1;
const client = new Agent();
const install = (...args: Parameters<typeof testSnapshot>) => gateway.snapshots.install({ ...testSnapshot(...args), revision: ++revision });
const chat = (body: unknown, options: { signal?: AbortSignal; raw?: string; key?: string } = {}) =>
  request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key ?? testKeys.approved}`, 'content-type': 'application/json' },
    body: options.raw ?? JSON.stringify(body),
    signal: options.signal,
    dispatcher: client,
  });
const hello = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] };
const lastRecord = async () => (await gateway.flushed()).at(-1)!;

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-mock' });
  gateway = await startTestGateway(null);
});
afterEach(() => install({ providerUrl: upstream.url }));
afterAll(async () => {
  await client.close();
  await gateway.close();
  await upstream.close();
});

describe('forwarding exactly', () => {
  it('sends the caller\'s bytes unchanged when nothing needs to change', async () => {
    install({ providerUrl: upstream.url });
    const raw = '{ "model" : "gpt-4o-mini",\n  "messages":[ {"role":"user","content":"x"} ] , "seed": 1 , "x_vendor_param": [1,2] }';
    const res = await chat(null, { raw });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(upstream.requests.at(-1)!.rawBody).toBe(raw);
  });

  it('percent-encodes a provider name that is not a valid header value instead of failing the paid call', async () => {
    const data = testSnapshot({ providerUrl: upstream.url });
    data.providers[0]!.name = 'OpenAI – EU';
    gateway.snapshots.install({ ...data, revision: ++revision });
    const res = await chat(hello);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-tollgate-provider']).toBe(encodeURIComponent('OpenAI – EU'));
    await res.body.dump();
  });
});

describe('provider failures', () => {
  it('answers 502, not 401, when the provider refuses the gateway\'s own key', async () => {
    install({ providerUrl: upstream.url, providerKey: 'sk-wrong' });
    const res = await chat(hello);
    const body = (await res.body.json()) as ErrorBody;
    expect(res.statusCode).toBe(502);
    expect(body.error.code).toBe('upstream_auth_error');
    expect(body.error.message).not.toMatch(/sk-/);
    expect((await lastRecord()).errorMessage).toMatch(/invalid_api_key/);
  });

  it('tells the caller no provider could take the call without naming addresses; the record keeps why', async () => {
    const gone = await startMockOpenAi();
    await gone.close();
    install({ providerUrl: gone.url });
    const res = await chat(hello);
    const body = (await res.body.json()) as ErrorBody;
    expect(res.statusCode).toBe(502);
    expect(body.error.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|primary/);
    expect((await lastRecord()).errorMessage).toMatch(/ECONNREFUSED/);
  });

  it('answers 502 when the provider connection breaks in the middle of the body', async () => {
    const broken = await startScriptedUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"id":"chatcmpl-1","choices":[', () => res.destroy());
    });
    install({ providerUrl: broken.url });
    const res = await chat(hello);
    expect(res.statusCode).toBe(502);
    expect(((await res.body.json()) as ErrorBody).error.code).toBe('upstream_body_failed');
    expect(await lastRecord()).toMatchObject({ status: 502, failed: true, errorCode: 'upstream_body_failed' });
    await broken.close();
  });

  it('answers 502 when a streaming request gets a JSON answer instead of a stream', async () => {
    const wrong = await startScriptedUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"chatcmpl-1","choices":[]}');
    });
    install({ providerUrl: wrong.url });
    const res = await chat({ ...hello, stream: true });
    expect(res.statusCode).toBe(502);
    expect(((await res.body.json()) as ErrorBody).error.code).toBe('invalid_upstream_response');
    await wrong.close();
  });
});

describe('callers that misbehave', () => {
  it('cancels the provider call and records it when the client leaves before the provider answered', async () => {
    const slow = await startMockOpenAi({ apiKey: 'sk-mock', firstByteDelayMs: 300 });
    install({ providerUrl: slow.url });
    const abort = new AbortController();
    const pending = chat({ ...hello, stream: true }, { signal: abort.signal }).catch((e: Error) => e);
    setTimeout(() => abort.abort(), 100);
    await pending;
    const deadline = Date.now() + 2_000;
    while (!(await gateway.flushed()).some((r) => r.errorCode === 'client_closed' && r.stream) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const record = (await gateway.flushed()).findLast((r) => r.errorCode === 'client_closed');
    expect(record).toMatchObject({ status: 499, failed: true, stream: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(slow.requests.at(-1)!.closedEarly).toBe(true);
    await slow.close();
  });

  it('stores nothing for anonymous requests, however long their path, and counts them instead', async () => {
    install({ providerUrl: upstream.url });
    const before = gateway.meter.stats.unattributed;
    const stored = (await gateway.flushed()).length;
    const res = await request(`${gateway.url}/v1/${'x'.repeat(3_000)}`, { dispatcher: client });
    expect(res.statusCode).toBe(404);
    await res.body.dump();
    expect(gateway.meter.stats.unattributed).toBe(before + 1);
    expect((await gateway.flushed()).length).toBe(stored);
  });

  it('refuses an absurdly long model name with 400 before it reaches a record', async () => {
    const res = await chat({ ...hello, model: 'm'.repeat(300) });
    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as ErrorBody).error.param).toBe('model');
  });
});
