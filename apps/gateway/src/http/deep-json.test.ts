import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { maxJsonDepth } from '@tollgate/domain';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

/** `levels` arrays inside each other, in a field no provider knows (the gateway relays unknown fields). */
const nested = (levels: number) => JSON.parse('['.repeat(levels) + ']'.repeat(levels)) as unknown;
const headers = { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' };
const tooDeep = new RegExp(`nested deeper than ${maxJsonDepth} levels`);

let upstream: MockOpenAi;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
  gateway = await startTestGateway(
    testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-up', prompts: [{ path: '/echo', spec: { messages: [{ role: 'user', content: 'hi' }], variables: { type: 'object' }, model: 'gpt-4o-mini' } }] }),
  );
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('JSON nesting limit on the gateway', () => {
  it(`answers /healthz within 50 ms while four 10 MB bodies nested 5,000,000 deep arrive`, async () => {
    // 10,000,000 bytes of brackets in an unknown field: under the 10 MiB body limit, so only depth refuses it.
    const hostile = Buffer.concat([Buffer.from('{"model":"gpt-4o-mini","messages":[],"x":'), Buffer.alloc(5_000_000, '['), Buffer.alloc(5_000_000, ']'), Buffer.from('}')]);
    const uploads = new Agent({ connections: 8 });
    const probes = new Agent({ connections: 1 });
    // Warm connections and code first: the bound is about the event loop, not about a first connect.
    for (let i = 0; i < 3; i++) await (await request(`${gateway.url}/healthz`, { dispatcher: probes })).body.dump();
    // Sent in 64 KB pieces, as a socket delivers them, so this process's own writes never hold its loop either.
    const pieces = () => Readable.from(Array.from({ length: Math.ceil(hostile.length / 65_536) }, (_, k) => hostile.subarray(k * 65_536, (k + 1) * 65_536)));
    let uploading = true;
    const sent = Promise.all(
      Array.from({ length: 4 }, async () => {
        const res = await request(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { ...headers, 'content-length': String(hostile.length) }, body: pieces(), dispatcher: uploads });
        return { status: res.statusCode, body: (await res.body.json()) as { error: { code: string; message: string } } };
      }),
    ).finally(() => (uploading = false));
    const latencies: number[] = [];
    // A probe counts when it was sent while the uploads were still under way.
    do {
      const started = performance.now();
      const res = await request(`${gateway.url}/healthz`, { dispatcher: probes });
      await res.body.dump();
      latencies.push(performance.now() - started);
    } while (uploading);
    const answers = await sent;
    await uploads.close();
    await probes.close();
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('json_too_deep');
      expect(answer.body.error.message).toMatch(tooDeep);
    }
    expect(latencies.length).toBeGreaterThan(0);
    expect(Math.max(...latencies), `healthz latencies: ${latencies.map((l) => l.toFixed(1)).join(', ')}`).toBeLessThan(50);
  });

  it('refuses one level past the limit on every /v1 body in its own error shape, and relays a body at the limit', async () => {
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: testKeys.approved, maxRetries: 0 });
    const deep = { x: nested(maxJsonDepth) }; // one level inside the body's own object: limit + 1
    const refusals = [
      () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...deep } as never),
      () => openai.embeddings.create({ model: 'gpt-4o-mini', input: 'hi', ...deep } as never),
      () => openai.responses.create({ model: 'gpt-4o-mini', input: 'hi', ...deep } as never),
    ];
    for (const refusal of refusals) {
      const err = await refusal().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('json_too_deep');
      expect((err as Error).message).toMatch(tooDeep);
    }
    const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: testKeys.approved, maxRetries: 0 });
    const err = await anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], ...deep } as never).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toMatch(tooDeep);
    // A prompt API speaks the REST shape.
    const prompt = await fetch(`${gateway.url}/llm/echo`, { method: 'POST', headers, body: JSON.stringify({ variables: { v: nested(maxJsonDepth) } }) });
    expect(prompt.status).toBe(400);
    expect(await prompt.json()).toMatchObject({ error: { code: 'json_too_deep', message: expect.stringMatching(tooDeep) } });
    // Without a Node request (app.request) the same limit holds.
    const viaApp = await gateway.app.request('/v1/chat/completions', { method: 'POST', headers, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [], ...deep }) });
    expect(viaApp.status).toBe(400);

    // At the limit the body is relayed as sent, the deep field included.
    const atLimit = { x: nested(maxJsonDepth - 1) };
    const answer = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...atLimit } as never);
    expect(answer.choices[0]!.message.content).toContain('hi');
    expect((upstream.requests.at(-1)!.body as { x: unknown }).x).toEqual(atLimit.x);
  });
});
