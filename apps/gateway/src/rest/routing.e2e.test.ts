import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import type { PromptSpecJson, SnapshotData } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';
import { restKeys, restSnapshot, type RestSnapshotOptions } from '../testing/rest-snapshot';
import { startRestUpstream, type RestUpstreamServer } from '../testing/rest-upstream';

/** Routing through a real gateway on loopback to a real upstream: host, slug, templates and the refusals. */
let node: RestUpstreamServer;
let provider: MockOpenAi;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  node = await startRestUpstream('a');
  provider = await startMockOpenAi({ apiKey: 'sk-up' });
  closers.push(node.close, provider.close);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const prompt: PromptSpecJson = {
  messages: [{ role: 'user', content: 'Say {{text}}' }],
  variables: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  model: 'gpt-4o-mini',
};

function snapshot(o: Partial<RestSnapshotOptions> = {}): SnapshotData {
  return restSnapshot({
    upstreams: [{ name: 'default', nodes: [{ url: node.url, weight: 1 }] }],
    hosts: ['pets.example.com', '*.pets.example.org'],
    apis: [
      { path: '/pets', methods: ['GET', 'POST'], name: 'list' },
      { path: '/pets/{id}', methods: ['GET', 'DELETE'], name: 'one' },
      { path: '/pets/{id}', methods: ['GET'], headers: { 'x-version': '2' }, name: 'one v2' },
      { path: '/static', pathType: 'prefix', name: 'static' },
    ],
    ai: { providerUrl: provider.url, providerKey: 'sk-up', prompts: [{ path: '/say', spec: prompt }] },
    ...o,
  });
}

async function gatewayWith(o: Partial<RestSnapshotOptions> = {}) {
  const gateway = await startTestGateway(snapshot(o));
  closers.push(gateway.close);
  const call = async (path: string, init: { method?: string; headers?: Record<string, string>; body?: string; key?: string | null } = {}) => {
    const key = init.key === undefined ? restKeys.approved : init.key;
    const res = await request(`${gateway.url}${path}`, {
      method: (init.method ?? 'GET') as 'GET',
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...init.headers },
      body: init.body,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
  };
  return { gateway, call };
}

describe('REST routing', () => {
  it('reaches a service by slug with the path as called after it, and by host (port stripped) with the whole path', async () => {
    const { call } = await gatewayWith();
    const bySlug = await call('/pets/pets/7?q=a%20b');
    expect(bySlug.status).toBe(200);
    expect(bySlug.json()).toMatchObject({ url: '/pets/7?q=a%20b' });
    const byHost = await call('/pets/7', { headers: { host: 'pets.example.com:8080' } });
    expect(byHost.json()).toMatchObject({ url: '/pets/7' });
    const byWildcard = await call('/static/app.js', { headers: { host: 'eu.west.pets.example.org' } });
    expect(byWildcard.json()).toMatchObject({ url: '/static/app.js' });
  });

  it('picks the most specific API: the header-matched variant, else the plain template, else the prefix', async () => {
    const { call, gateway } = await gatewayWith();
    await call('/pets/pets/7', { headers: { 'x-version': '2' } });
    await call('/pets/pets/7');
    await call('/pets/static/css/site.css');
    const routes = (await gateway.flushed()).map((r) => [r.api, r.route]);
    expect(routes).toEqual([
      ['rest:api_test00000002', '/pets/{id}'],
      ['rest:api_test00000001', '/pets/{id}'],
      ['rest:api_test00000003', '/static'],
    ]);
  });

  it('answers 404 naming the service for a path no API serves, and 405 with Allow for another method, before asking for a key', async () => {
    const { call } = await gatewayWith();
    const missing = await call('/pets/cats/1', { key: null });
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'route_not_found', message: "Service 'Pets' has no API at GET /cats/1.", requestId: expect.stringMatching(/^req_/) } });
    const wrongMethod = await call('/pets/pets/1', { method: 'PUT', key: null });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('DELETE, GET');
    expect(wrongMethod.json().error).toMatchObject({ code: 'method_not_allowed', message: expect.stringContaining("Service 'Pets'") });
    expect(node.requests.filter((r) => r.url.startsWith('/cats'))).toHaveLength(0);
  });

  it('does not serve a draft service (404 unknown_url), answers 410 for a retired one, and marks a deprecated one', async () => {
    const draft = await gatewayWith({ lifecycle: 'draft' });
    expect((await draft.call('/pets/pets')).json().error.code).toBe('unknown_url');
    const retired = await gatewayWith({ lifecycle: 'retired' });
    const gone = await retired.call('/pets/pets');
    expect(gone.status).toBe(410);
    expect(gone.json().error).toMatchObject({ code: 'service_retired', message: expect.stringContaining("'Pets'") });
    const sunset = Date.UTC(2030, 0, 1);
    const deprecated = await gatewayWith({ lifecycle: 'deprecated', deprecatedAt: Date.UTC(2026, 0, 1), sunsetAt: sunset });
    const ok = await deprecated.call('/pets/pets');
    expect(ok.status).toBe(200);
    expect(ok.headers.deprecation).toBe(`@${Date.UTC(2026, 0, 1) / 1_000}`);
    expect(ok.headers.sunset).toBe(new Date(sunset).toUTCString());
    const refused = await deprecated.call('/pets/nothing');
    expect(refused.status).toBe(404);
    expect(refused.headers.deprecation).toBeDefined();
  });

  it("keeps the gateway's own paths and prompt APIs working on every host", async () => {
    const { call } = await gatewayWith({ hosts: ['*.localhost', 'pets.example.com'], slug: 'llm-rest' });
    expect((await call('/healthz', { headers: { host: 'pets.example.com' } })).json()).toEqual({ status: 'ok' });
    const models = await call('/v1/models', { headers: { host: 'pets.example.com' } });
    expect(models.json().data.map((m: { id: string }) => m.id)).toContain('gpt-4o-mini');
    const said = await call('/llm/say', { method: 'POST', headers: { host: 'pets.example.com', 'content-type': 'application/json' }, body: JSON.stringify({ variables: { text: 'hi' } }) });
    expect(said.status).toBe(200);
    expect(said.json().output).toContain('Say hi');
    const metrics = await call('/metrics', { headers: { host: 'pets.example.com' }, key: null });
    expect(metrics.text).toContain('tollgate_gateway_requests_total');
  });

  it('answers HEAD from an API that takes GET, without a body', async () => {
    const { call } = await gatewayWith();
    const head = await call('/pets/pets/7', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(node.requests.at(-1)).toMatchObject({ method: 'HEAD', url: '/pets/7' });
  });

  it('needs a key for an API that exists, in the REST error shape', async () => {
    const { call } = await gatewayWith();
    const res = await call('/pets/pets', { key: null });
    expect(res.status).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'invalid_api_key', requestId: expect.any(String) });
  });
});
