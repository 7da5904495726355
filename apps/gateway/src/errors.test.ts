import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import type { PromptSpecJson } from '@tollgate/domain';
import { startTestGateway } from './testing/gateway-harness';
import { testKeys, testSnapshot } from './testing/test-snapshot';

/**
 * Every error the gateway answers carries a request id in `x-request-id` (and in the body where its shape has
 * one), whatever the path: the unified API, prompt APIs, and URLs it does not serve at all.
 */
const spec: PromptSpecJson = {
  messages: [{ role: 'user', content: 'Say {{text}}' }],
  variables: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  model: 'gpt-4o-mini',
};
const maxBodyBytes = 2_000;
const auth = { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' };
const big = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(maxBodyBytes) }] });

type Shape = 'openai' | 'anthropic' | 'rest';
const cases: Array<[name: string, method: string, path: string, headers: Record<string, string>, body: string | undefined, status: number, shape: Shape]> = [
  ['an unknown URL outside /v1', 'GET', '/nope', {}, undefined, 404, 'rest'],
  ['an unknown two-segment URL', 'GET', '/some/thing', {}, undefined, 404, 'rest'],
  ['a GET on a prompt API path', 'GET', '/llm/say', auth, undefined, 404, 'rest'],
  ['an unknown prompt API', 'POST', '/llm/nope', auth, '{}', 404, 'rest'],
  ['an unknown /v1 URL', 'POST', '/v1/nope', auth, '{}', 404, 'openai'],
  ['GET /v1 itself', 'GET', '/v1', {}, undefined, 404, 'openai'],
  ['a missing key on /v1', 'POST', '/v1/chat/completions', { 'content-type': 'application/json' }, '{}', 401, 'openai'],
  ['a missing key on a prompt API', 'POST', '/llm/say', { 'content-type': 'application/json' }, '{}', 401, 'rest'],
  ['a body that is not JSON', 'POST', '/v1/chat/completions', auth, '{nope', 400, 'openai'],
  ['an oversized chat body', 'POST', '/v1/chat/completions', auth, big, 413, 'openai'],
  ['an oversized Messages body', 'POST', '/v1/messages', auth, big, 413, 'anthropic'],
  ['an oversized prompt API body', 'POST', '/llm/say', auth, JSON.stringify({ variables: { text: 'x'.repeat(maxBodyBytes) } }), 413, 'rest'],
  ['bad prompt variables', 'POST', '/llm/say', auth, JSON.stringify({ variables: {} }), 400, 'rest'],
  ['an unknown model', 'GET', '/v1/models/nope', auth, undefined, 404, 'openai'],
];

let upstream: MockOpenAi;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const client = new Agent();

beforeAll(async () => {
  upstream = await startMockOpenAi();
  gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url, prompts: [{ path: '/say', spec }] }), { maxBodyBytes });
});
afterAll(async () => {
  await client.close();
  await gateway.close();
  await upstream.close();
});

describe('request ids on every gateway error', () => {
  it.each(cases)('%s: %s %s', async (_name, method, path, headers, body, status, shape) => {
    const send = (extra: Record<string, string> = {}) => request(`${gateway.url}${path}`, { method: method as 'GET', headers: { ...headers, ...extra }, body, dispatcher: client });
    const res = await send();
    const json = (await res.body.json()) as { error: Record<string, unknown>; type?: string };
    expect(res.statusCode).toBe(status);
    const requestId = res.headers['x-request-id'];
    expect(requestId).toMatch(/^req_[A-Za-z0-9_-]{8,}$/);
    if (shape === 'rest') expect(json.error).toEqual({ code: expect.any(String), message: expect.any(String), requestId });
    if (shape === 'openai') expect(Object.keys(json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    if (shape === 'anthropic') expect(json).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });

    // A caller's own valid request id is the one it gets back.
    const echoed = await send({ 'x-request-id': 'caller-chosen-1' });
    const again = (await echoed.body.json()) as { error: { requestId?: string } };
    expect(echoed.headers['x-request-id']).toBe('caller-chosen-1');
    if (shape === 'rest') expect(again.error.requestId).toBe('caller-chosen-1');
  });
});
