import OpenAI, { AzureOpenAI } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockOpenAi } from './mock-server';
import type { MockOpenAi, MockOpenAiOptions } from './mock-server';

let mock: MockOpenAi | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});
const start = async (o: MockOpenAiOptions) => (mock = await startMockOpenAi(o));
const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'hello there world' },
];

async function rejection(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

describe('Azure OpenAI layout, driven by the official AzureOpenAI client', () => {
  const azure = (m: MockOpenAi, o: { apiKey?: string; deployment?: string; apiVersion?: string } = {}) =>
    new AzureOpenAI({ endpoint: m.url, apiKey: o.apiKey ?? 'az-key', apiVersion: o.apiVersion ?? '2024-10-21', deployment: o.deployment, maxRetries: 0 });

  it('serves chat under the deployment with api-version and api-key, answering as the deployed model', async () => {
    const m = await start({ azureDeployments: { prod: 'gpt-4o-mini-2024-07-18' }, authHeader: 'api-key', apiKey: 'az-key' });
    const c = await azure(m).chat.completions.create({ model: 'prod', messages });
    expect(c.model).toBe('gpt-4o-mini-2024-07-18');
    expect(c.choices[0]?.message.content).toBe('Echo: hello there world');
    const sent = m.requests.at(-1)!;
    expect(sent.path).toBe('/openai/deployments/prod/chat/completions');
    expect(sent.query).toBe('?api-version=2024-10-21');
    expect(sent.headers['api-key']).toBe('az-key');
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('opens streams with an empty-model prompt filter chunk, as Azure does', async () => {
    const m = await start({ azureDeployments: { prod: 'gpt-4o-mini' }, authHeader: 'api-key', apiKey: 'az-key' });
    const stream = await azure(m, { deployment: 'prod' }).chat.completions.create({ model: 'ignored', messages, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]).toMatchObject({ model: '', choices: [] });
    expect(chunks[0]).toHaveProperty('prompt_filter_results');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: hello there world');
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(4);
  });

  it('refuses a wrong key, an unknown deployment and a missing api-version as Azure does', async () => {
    const m = await start({ azureDeployments: { prod: 'gpt-4o-mini' }, authHeader: 'api-key', apiKey: 'az-key' });
    expect((await rejection(azure(m, { apiKey: 'wrong' }).chat.completions.create({ model: 'prod', messages }))).status).toBe(401);
    const missing = await rejection(azure(m).chat.completions.create({ model: 'nope', messages }));
    expect(missing.status).toBe(404);
    expect(missing.code).toBe('DeploymentNotFound');
    const res = await fetch(`${m.url}/openai/deployments/prod/chat/completions`, {
      method: 'POST',
      headers: { 'api-key': 'az-key', 'content-type': 'application/json' },
      body: JSON.stringify({ messages }),
    });
    expect(res.status).toBe(404);
  });
});

describe('path prefix, keyless mode and refused parameters', () => {
  it('serves under another prefix (Groq: /openai/v1)', async () => {
    const m = await start({ pathPrefix: '/openai/v1' });
    expect(m.url).toMatch(/\/openai\/v1$/);
    const c = await new OpenAI({ apiKey: 'sk-mock', baseURL: m.url, maxRetries: 0 }).chat.completions.create({ model: 'llama-3.3-70b-versatile', messages });
    expect(c.model).toBe('llama-3.3-70b-versatile');
    expect(m.requests.at(-1)!.path).toBe('/openai/v1/chat/completions');
  });

  it('accepts any or no key when apiKey is null (Ollama)', async () => {
    const m = await start({ apiKey: null });
    const res = await fetch(`${m.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'llama3.2', messages }) });
    expect(res.status).toBe(200);
  });

  it('answers 400 naming a refused parameter, whatever its value, and accepts the request without it', async () => {
    const m = await start({ rejectParams: ['stream_options', 'logprobs'] });
    const client = new OpenAI({ apiKey: 'sk-mock', baseURL: m.url, maxRetries: 0 });
    const err = await rejection(client.chat.completions.create({ model: 'gpt-4o-mini', messages, logprobs: false }));
    expect(err.status).toBe(400);
    expect(err.param).toBe('logprobs');
    expect(err.message).toMatch(/logprobs/);
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 })).resolves.toBeTruthy();
  });
});

describe('usage styles', () => {
  it("deepseek: cache hit/miss fields from a prefix cache, reasoning_content for a thinking model", async () => {
    const m = await start({ usageStyle: 'deepseek' });
    const client = new OpenAI({ apiKey: 'sk-mock', baseURL: m.url, maxRetries: 0 });
    const first = await client.chat.completions.create({ model: 'deepseek-chat', messages });
    expect(first.usage).toMatchObject({ prompt_tokens: 12, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 12 });
    expect(first.usage).not.toHaveProperty('prompt_tokens_details');
    // Same system prompt, new question: the system message (3 words + 3) is a cache hit.
    const second = await client.chat.completions.create({ model: 'deepseek-chat', messages: [messages[0]!, { role: 'user', content: 'and again' }] });
    expect(second.usage).toMatchObject({ prompt_tokens: 11, prompt_cache_hit_tokens: 6, prompt_cache_miss_tokens: 5 });
    const thinking = await client.chat.completions.create({ model: 'deepseek-reasoner', messages });
    expect(thinking.choices[0]?.message).toHaveProperty('reasoning_content', 'Thinking it over.');
    expect(thinking.usage).toMatchObject({ completion_tokens: 9, completion_tokens_details: { reasoning_tokens: 5 } });
  });

  it('final-chunk (Mistral): usage on the last chunk of every stream, unasked', async () => {
    const m = await start({ usageStyle: 'final-chunk' });
    const stream = await new OpenAI({ apiKey: 'sk-mock', baseURL: m.url, maxRetries: 0 }).chat.completions.create({ model: 'mistral-small-latest', messages, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: 'stop' }], usage: { prompt_tokens: 12, completion_tokens: 4 } });
    expect(chunks.filter((c) => c.usage)).toHaveLength(1);
  });

  it('x_groq: usage in x_groq.usage on the finish chunk', async () => {
    const m = await start({ usageStyle: 'x_groq' });
    const stream = await new OpenAI({ apiKey: 'sk-mock', baseURL: m.url, maxRetries: 0 }).chat.completions.create({ model: 'llama-3.1-8b-instant', messages, stream: true });
    const chunks: Array<Record<string, unknown>> = [];
    for await (const chunk of stream) chunks.push(chunk as unknown as Record<string, unknown>);
    expect(chunks.at(-1)).toMatchObject({ x_groq: { usage: { prompt_tokens: 12, completion_tokens: 4 } } });
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  it('xai: reasoning beside completion_tokens, counted in the total', async () => {
    const m = await start({ usageStyle: 'xai' });
    const c = await new OpenAI({ apiKey: 'sk-mock', baseURL: m.url, maxRetries: 0 }).chat.completions.create({ model: 'grok-3-mini', messages });
    expect(c.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 4, total_tokens: 21, completion_tokens_details: { reasoning_tokens: 5 } });
  });
});
