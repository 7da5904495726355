import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import OpenAI from 'openai';
import { startRedisServer, type TestRedis } from '@tollgate/jobs/testing';
import type { RecordedRequest } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';
import { mockProvider, type MockProvider } from '../testing/mock-providers';
import { errorBody, responseObject } from '../testing/responses-schemas';
import type { GatewayDeps } from '../app';
import { RedisResponseStore } from './redis-response-store';

// Conversation state on /v1/responses with the official openai SDK: store, previous_response_id, item
// references, retrieve, delete, input items, scoping to the app, TTL, streams — over an OpenAI-type and an
// Anthropic-type provider, whose requests must carry the earlier turns.
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function setup(p: MockProvider, deps: Partial<GatewayDeps> = {}) {
  const mock = await p.start();
  const gateway = await startTestGateway(testSnapshot({ providerUrl: mock.url, providerKey: p.key, providerType: p.type, providerSettings: p.settings, upstreamModel: p.model }), deps);
  closers.push(mock.close, gateway.close);
  const client = (key = testKeys.approved) => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  return { mock, gateway, client: client(), other: client(testKeys.pending) };
}

/** `store` is in the reference's Response object but not in the SDK's type. */
const storeOf = (response: object) => (response as { store?: unknown }).store;

const sent = (mock: { requests: RecordedRequest[] }) => JSON.stringify(mock.requests.at(-1)!.body);

describe.each([mockProvider('openai'), mockProvider('anthropic')])('stored responses over $type', (p) => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    ctx = await setup(p);
  });

  it('stores by default and continues from previous_response_id with the earlier turn', async () => {
    const first = await ctx.client.responses.create({ model: 'gpt-4o-mini', instructions: 'Be brief.', input: 'my name is Ada' });
    responseObject.parse(first);
    expect(storeOf(first)).toBe(true);
    expect(first.previous_response_id).toBeNull();
    const second = await ctx.client.responses.create({ model: 'gpt-4o-mini', previous_response_id: first.id, input: 'what is my name?' });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.output_text).toBe('Echo: what is my name?');
    // The provider got the first turn (the user's words and the answer) before this one.
    const body = sent(ctx.mock);
    expect(body).toContain('my name is Ada');
    expect(body).toContain('Echo: my name is Ada');
    expect(body.indexOf('my name is Ada')).toBeLessThan(body.indexOf('what is my name?'));
    // Instructions are not carried over, as OpenAI does not carry them.
    expect(body).not.toContain('Be brief.');

    // The chain goes on: a third turn carries both earlier ones.
    await ctx.client.responses.create({ model: 'gpt-4o-mini', previous_response_id: second.id, input: 'and again?' });
    expect(sent(ctx.mock)).toContain('my name is Ada');
    expect(sent(ctx.mock)).toContain('Echo: what is my name?');
  });

  it('retrieves, lists input items and deletes a stored response', async () => {
    const first = await ctx.client.responses.create({ model: 'gpt-4o-mini', input: 'remember this' });
    const second = await ctx.client.responses.create({ model: 'gpt-4o-mini', previous_response_id: first.id, input: [{ role: 'user', content: 'and this' }] });
    const got = await ctx.client.responses.retrieve(second.id);
    responseObject.parse(got);
    expect(got).toMatchObject({ id: second.id, store: true, output_text: 'Echo: and this' });
    expect(got.output).toEqual(second.output);

    // The input items that led to it: the earlier turn's input and output, then this call's, newest first.
    const page = await ctx.client.responses.inputItems.list(second.id);
    const items = page.data;
    expect(items).toHaveLength(3);
    expect(items[0]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'and this' }] });
    expect(items[1]).toMatchObject({ type: 'message', role: 'assistant', id: first.output[0]!.id });
    expect(items[2]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'remember this' }] });
    for (const item of items) expect(item.id).toMatch(/^msg_/);
    const asc = await ctx.client.responses.inputItems.list(second.id, { order: 'asc', limit: 2 });
    expect(asc.data.map((i) => i.id)).toEqual([items[2]!.id, items[1]!.id]);
    expect(asc.has_more).toBe(true);
    const rest = await ctx.client.responses.inputItems.list(second.id, { order: 'asc', limit: 2, after: asc.data[1]!.id });
    expect(rest.data.map((i) => i.id)).toEqual([items[0]!.id]);
    expect(rest.has_more).toBe(false);
    // The SDK's auto-pagination follows after/has_more.
    const all: string[] = [];
    for await (const item of ctx.client.responses.inputItems.list(second.id, { limit: 1 })) all.push(item.id!);
    expect(all).toEqual(items.map((i) => i.id));

    const res = await fetch(`${ctx.gateway.url}/v1/responses/${second.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${testKeys.approved}` } });
    expect(await res.json()).toEqual({ id: second.id, object: 'response.deleted', deleted: true });
    const gone = await ctx.client.responses.retrieve(second.id).catch((e) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expect(gone.message).toContain(second.id);
    await expect(ctx.client.responses.delete(second.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    // The earlier one is still there.
    await ctx.client.responses.delete(first.id);

    const records = await ctx.gateway.flushed();
    expect(records.find((r) => r.method === 'GET' && r.path === `/v1/responses/${second.id}`)).toMatchObject({ api: '/v1/responses/{id}', status: 200 });
    expect(records.find((r) => r.path.endsWith('/input_items'))).toMatchObject({ api: '/v1/responses/{id}/input_items' });
    expect(await (await fetch(`${ctx.gateway.url}/metrics`)).text()).toMatch(/tollgate_gateway_requests_total\{route="\/v1\/responses\/\{id\}",status="4xx"\} [1-9]/);
  });

  it("answers another app's key with 404 for the first app's id, as for an unknown one", async () => {
    const mine = await ctx.client.responses.create({ model: 'gpt-4o-mini', input: 'private' });
    const theirs = await ctx.other.responses.retrieve(mine.id).catch((e) => e);
    expect(theirs).toBeInstanceOf(OpenAI.NotFoundError);
    const unknown = await ctx.other.responses.retrieve('resp_never_was').catch((e) => e);
    expect(theirs.error).toEqual({ ...unknown.error, message: unknown.error.message.replace('resp_never_was', mine.id) });
    await expect(ctx.other.responses.delete(mine.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(ctx.other.responses.inputItems.list(mine.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    // Still the owner's.
    expect((await ctx.client.responses.retrieve(mine.id)).id).toBe(mine.id);
  });

  it('resolves item_reference items against the app, and refuses an unknown one by name', async () => {
    const first = await ctx.client.responses.create({ model: 'gpt-4o-mini', input: 'first words' });
    const msg = first.output.find((i) => i.type === 'message')!;
    await ctx.client.responses.create({
      model: 'gpt-4o-mini',
      input: [{ role: 'user', content: 'first words' }, { type: 'item_reference', id: msg.id! }, { role: 'user', content: 'next words' }],
    });
    expect(sent(ctx.mock)).toContain('Echo: first words');
    const refused = await ctx.client.responses.create({ model: 'gpt-4o-mini', input: [{ type: 'item_reference', id: 'msg_unknown' }, { role: 'user', content: 'x' }] }).catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused.param).toBe('input.0.id');
    expect(refused.message).toContain('msg_unknown');
    // Another app cannot reference it either.
    const foreign = await ctx.other.responses.create({ model: 'gpt-4o-mini', input: [{ type: 'item_reference', id: msg.id! }] }).catch((e) => e);
    expect(foreign).toBeInstanceOf(OpenAI.APIError);
  });

  it('refuses an unknown previous_response_id with a 400 naming it', async () => {
    const res = await fetch(`${ctx.gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', input: 'x', previous_response_id: 'resp_nope' }),
    });
    expect(res.status).toBe(400);
    expect(errorBody.parse(await res.json()).error).toMatchObject({ param: 'previous_response_id', code: 'previous_response_not_found', message: expect.stringContaining('resp_nope') });
  });

  it('does not store with store: false, and says so', async () => {
    const res = await ctx.client.responses.create({ model: 'gpt-4o-mini', input: 'ephemeral', store: false });
    expect(storeOf(res)).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    await expect(ctx.client.responses.retrieve(res.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('stores a streamed response when its stream ends', async () => {
    const stream = ctx.client.responses.stream({ model: 'gpt-4o-mini', input: 'one two three' });
    for await (const _event of stream) void _event;
    const final = await stream.finalResponse();
    expect(storeOf(final)).toBe(true);
    const got = await vi.waitFor(() => ctx.client.responses.retrieve(final.id), { timeout: 2_000 });
    expect(got).toMatchObject({ id: final.id, status: 'completed', output_text: 'Echo: one two three' });
    await ctx.client.responses.create({ model: 'gpt-4o-mini', previous_response_id: final.id, input: 'four' });
    expect(sent(ctx.mock)).toContain('Echo: one two three');
  });
});

describe('stored responses of calls only the provider’s own Responses API can take', () => {
  it('stores a web_search answer passed through to an OpenAI-type provider, and continues from it', async () => {
    const ctx = await setup(mockProvider('openai'));
    const first = await ctx.client.responses.create({ model: 'gpt-4o-mini', input: 'news about Oslo', tools: [{ type: 'web_search' }] });
    expect((await ctx.client.responses.retrieve(first.id)).id).toBe(first.id);
    const second = await ctx.client.responses.create({ model: 'gpt-4o-mini', previous_response_id: first.id, input: 'and Bergen?' });
    expect(second.previous_response_id).toBe(first.id);
    expect(sent(ctx.mock)).toContain('news about Oslo');
  });
});

describe('stored responses: TTL and Redis', () => {
  it('forgets a response after the TTL', async () => {
    const { client } = await setup(mockProvider('openai'), { responseStoreTtlMs: 150 });
    const res = await client.responses.create({ model: 'gpt-4o-mini', input: 'short lived' });
    expect((await client.responses.retrieve(res.id)).id).toBe(res.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(client.responses.retrieve(res.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const late = await client.responses.create({ model: 'gpt-4o-mini', previous_response_id: res.id, input: 'x' }).catch((e) => e);
    expect(late).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('answers while the store is down: a failed write is counted, a read that needs it is a 503', async () => {
    // Nothing listens on port 1: the fast-failing client refuses every command at once.
    const store = new RedisResponseStore('redis://127.0.0.1:1');
    closers.push(() => store.close());
    const { client, gateway } = await setup(mockProvider('anthropic'), { responseStore: store });
    const res = await client.responses.create({ model: 'gpt-4o-mini', input: 'still answered' });
    expect(res.output_text).toBe('Echo: still answered');
    await vi.waitFor(async () => expect(await (await fetch(`${gateway.url}/metrics`)).text()).toMatch(/tollgate_gateway_response_store_write_failures 1/), { timeout: 2_000 });
    const later = await client.responses.create({ model: 'gpt-4o-mini', previous_response_id: res.id, input: 'x' }).catch((e) => e);
    expect(later).toBeInstanceOf(OpenAI.InternalServerError);
    expect(later.status).toBe(503);
    expect(later.code).toBe('response_store_unavailable');
  });

  describe('on Redis, shared by two gateways', () => {
    let redis: TestRedis;
    beforeAll(async () => {
      redis = await startRedisServer();
      closers.push(() => redis.close());
    });

    it('continues on one gateway a response stored by another', async () => {
      const store = async (): Promise<RedisResponseStore> => {
        const s = new RedisResponseStore(redis.url);
        closers.push(() => s.close());
        // The client fails fast: a write before the connection is up would be lost (and counted).
        await s.ready();
        return s;
      };
      const a = await setup(mockProvider('anthropic'), { responseStore: await store() });
      const b = await setup(mockProvider('anthropic'), { responseStore: await store() });
      const first = await a.client.responses.create({ model: 'gpt-4o-mini', input: 'said on gateway a' });
      const got = await vi.waitFor(() => b.client.responses.retrieve(first.id), { timeout: 2_000 });
      expect(got.output_text).toBe('Echo: said on gateway a');
      await b.client.responses.create({ model: 'gpt-4o-mini', previous_response_id: first.id, input: 'asked on b' });
      expect(sent(b.mock)).toContain('Echo: said on gateway a');
      await expect(b.other.responses.retrieve(first.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    });
  });
});
