import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

let upstream: MockOpenAi;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const client = (key = testKeys.approved) => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-mock' });
  const data = testSnapshot({ providerUrl: upstream.url });
  data.modelRoutes.push({ serviceId: 'svc_llm00000000', name: 'text-embedding-3-small', targets: [{ providerId: 'prv_primary0000', model: 'text-embedding-3-small' }] });
  gateway = await startTestGateway(data);
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('GET /v1/models', () => {
  it('lists the models of services the caller holds an approved subscription to', async () => {
    const page = await client().models.list();
    expect(page.data.map((m) => m.id)).toEqual(['gpt-4o-mini', 'text-embedding-3-small']);
    expect(page.data[0]).toMatchObject({ object: 'model', owned_by: 'publishers' });
  });

  it('lists nothing for an app whose subscription is pending, and retrieves single models by id', async () => {
    expect((await client(testKeys.pending).models.list()).data).toEqual([]);
    expect((await client().models.retrieve('gpt-4o-mini')).id).toBe('gpt-4o-mini');
    await expect(client().models.retrieve('gpt-9')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client(testKeys.pending).models.retrieve('gpt-4o-mini')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('POST /v1/embeddings', () => {
  it('embeds through the provider and meters the input tokens and cost', async () => {
    const { data, response } = await client().embeddings.create({ model: 'text-embedding-3-small', input: ['toll gate', 'api gateway '.repeat(200)] }).withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0]!.embedding.length).toBeGreaterThan(0);
    const record = (await gateway.flushed()).find((r) => r.requestId === response.headers.get('x-request-id'));
    expect(record).toMatchObject({ status: 200, model: 'text-embedding-3-small', outputTokens: 0 });
    expect(record!.inputTokens).toBe(data.usage.prompt_tokens);
    // text-embedding-3-small costs $0.02 per million tokens: ~400 tokens is 8 micro-USD.
    expect(record!.costMicroUsd).toBe(Math.round(data.usage.prompt_tokens * 0.02));
    expect(upstream.requests.at(-1)!.path).toBe('/v1/embeddings');
  });

  it('answers bad input with 400 naming the field, and the same subscription rules as chat', async () => {
    const bad = await client().embeddings.create({ model: 'text-embedding-3-small', input: [] as string[] }).catch((e) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad.param).toBe('input');
    const pending = await client(testKeys.pending).embeddings.create({ model: 'text-embedding-3-small', input: 'x' }).catch((e) => e);
    expect(pending).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });
});
