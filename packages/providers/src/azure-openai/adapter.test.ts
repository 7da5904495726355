import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAi } from '../openai/mock-server';
import type { MockOpenAi } from '../openai/mock-server';
import { chatCall, exchange, sseChunks, target } from '../openai-compatible/test-helpers';
import { AZURE_DEFAULT_API_VERSION, azureChatUrl, azureOpenAiAdapter } from './adapter';

const messages = [{ role: 'user', content: 'hello azure' }];
let mock: MockOpenAi;
beforeAll(async () => {
  mock = await startMockOpenAi({ azureDeployments: { 'my-deployment': 'gpt-4o-mini-2024-07-18' }, authHeader: 'api-key', apiKey: 'az-key' });
});
afterAll(() => mock.close());
const azure = (extra: Parameters<typeof target>[2] = {}) => target(mock.url, 'my-deployment', { apiKey: 'az-key', ...extra });

describe('azure-openai request building', () => {
  it('addresses the deployment with the api-version setting and sends the key as api-key', () => {
    const req = azureOpenAiAdapter.buildChatRequest(chatCall({ model: 'gpt-4o-mini', messages }), target('https://myres.openai.azure.com', 'prod east', { apiKey: 'k', settings: { apiVersion: '2025-04-01-preview' } }));
    expect(req.url).toBe('https://myres.openai.azure.com/openai/deployments/prod%20east/chat/completions?api-version=2025-04-01-preview');
    expect(req.headers['api-key']).toBe('k');
    expect(req.headers).not.toHaveProperty('authorization');
  });

  it('uses the named default api-version, tolerates an endpoint pasted with /openai, and knows the v1 API', () => {
    expect(AZURE_DEFAULT_API_VERSION).toBe('2024-10-21');
    expect(azureChatUrl(target('https://r.openai.azure.com/openai', 'd'))).toBe('https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21');
    expect(azureChatUrl(target('https://r.openai.azure.com', 'd', { settings: { apiVersion: 'v1' } }))).toBe('https://r.openai.azure.com/openai/v1/chat/completions');
  });

  it('drops nothing: every OpenAI parameter and unknown ones travel as they came', () => {
    const request = { model: 'my-deployment', messages, logprobs: true, n: 2, seed: 3, data_sources: [{ type: 'azure_search' }] };
    const raw = JSON.stringify(request);
    expect(azureOpenAiAdapter.buildChatRequest(chatCall(request, raw), azure()).body).toBe(raw);
  });
});

describe('azure-openai against the Azure-layout mock', () => {
  it('answers a call with the deployed model name and OpenAI usage', async () => {
    const ex = await exchange(azureOpenAiAdapter, azure({ settings: { apiVersion: '2024-10-21' } }), chatCall({ model: 'gpt-4o-mini', messages }));
    expect(ex.status).toBe(200);
    expect(ex.model).toBe('gpt-4o-mini-2024-07-18');
    expect(ex.usage).toEqual({ inputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 3, reasoningTokens: 0 });
    expect(mock.requests.at(-1)!.query).toBe('?api-version=2024-10-21');
  });

  it('streams: asks for usage, hides the usage chunk, keeps the prompt filter chunk, and reads the real model name', async () => {
    const ex = await exchange(azureOpenAiAdapter, azure(), chatCall({ model: 'gpt-4o-mini', messages, stream: true }));
    expect((mock.requests.at(-1)!.body as { stream_options: unknown }).stream_options).toEqual({ include_usage: true });
    const chunks = sseChunks(ex.sse!);
    expect(chunks[0]).toHaveProperty('prompt_filter_results');
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(ex.model).toBe('gpt-4o-mini-2024-07-18');
    expect(ex.usage?.outputTokens).toBe(3);
    expect(ex.completed).toBe(true);
  });

  it("passes Azure's own error through in OpenAI's shape", async () => {
    const ex = await exchange(azureOpenAiAdapter, target(mock.url, 'missing', { apiKey: 'az-key' }), chatCall({ model: 'x', messages }));
    expect(ex.status).toBe(404);
    expect(ex.error).toMatchObject({ status: 404, body: { error: { code: 'DeploymentNotFound', type: 'invalid_request_error' } } });
  });
});
