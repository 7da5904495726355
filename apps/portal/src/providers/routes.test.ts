import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, first, providers } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import { createPortalFixture, type ApiOptions, type PortalFixture, type TestUser } from '../testing/portal-fixture';
import { openCredentials } from './credentials';
import { compileSnapshot } from '../snapshot/compile';

const firstKey = 'sk-first-0123456789abcdefghijklmnop';
const secondKey = 'sk-second-zyxwvutsrqponmlkjihgfedcba';

describe('providers API', () => {
  let f: PortalFixture;
  let user: TestUser;
  // Every response body this file sees, to prove no key ever leaves through the API.
  const seen: string[] = [];
  const api = async (method: string, path: string, options?: ApiOptions) => {
    const res = await f.api(method, path, options);
    seen.push(JSON.stringify(res.body));
    return res;
  };
  const create = (body: Record<string, unknown>) => api('POST', '/api/providers', { cookie: f.admin.cookie, body });

  beforeAll(async () => {
    f = await createPortalFixture();
    user = await f.createUser();
    // A team owner, who builds model routes, sees every provider (visible-providers.test.ts has the other roles).
    await f.createTeam({ slug: 'route-builders', ownerUserId: user.id });
  });
  afterAll(() => {
    for (const body of seen) {
      expect(body).not.toContain(firstKey);
      expect(body).not.toContain(secondKey);
    }
    f.close();
  });

  it('stores the key sealed and answers without it', async () => {
    const revision = await f.revision();
    const res = await create({
      name: 'Local LM',
      type: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:1234/v1/',
      apiKey: firstKey,
      priceOverrides: { 'llama-3.1-8b': { input_cost_per_token: 0.0000001, output_cost_per_token: 0 } },
    });
    expect(res.status).toBe(201);
    expect(res.body.provider).toMatchObject({ name: 'Local LM', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1234/v1', hasApiKey: true });
    expect(res.body.provider.apiKey).toBeUndefined();
    expect(res.body.provider.credentials).toBeUndefined();

    const row = (await first(f.db.select().from(providers).where(eq(providers.id, res.body.provider.id))))!;
    expect(row.credentials).not.toContain(firstKey);
    expect(row.credentials.startsWith('v1.')).toBe(true);
    expect(openCredentials(f.secrets, row.credentials)).toEqual({ keys: [{ key: firstKey, weight: 1 }] });
    expect(await f.revision()).toBe(revision + 1);

    const event = (await first(f.db.select().from(auditEvents).where(eq(auditEvents.targetId, row.id))))!;
    expect(event.action).toBe('provider.create');
    expect(JSON.stringify(event.summary)).not.toContain(firstKey);

    // The gateway's snapshot carries the decrypted key: that is where it is meant to go.
    await f.publisher.settled();
    expect(f.publisher.current().providers).toEqual([expect.objectContaining({ id: row.id, apiKey: firstKey, baseUrl: 'http://127.0.0.1:1234/v1' })]);
  });

  it('validates the body, naming the field', async () => {
    const base = { name: 'P', type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'k' };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...base, baseUrl: 'ftp://example.test' }, /^baseUrl:/],
      [{ ...base, baseUrl: 'not a url' }, /^baseUrl:/],
      [{ ...base, baseUrl: 'https://user:pw@example.test/v1' }, /^baseUrl: put credentials in apiKey/],
      // Bedrock has no adapter yet: a type without one is refused.
      [{ ...base, type: 'vertex-ai' }, /^type:/],
      [{ ...base, settings: { 'api-version': 'x' } }, /^settings\.api-version:/],
      [{ ...base, settings: { apiVersion: 5 } }, /^settings\.apiVersion:/],
      [{ ...base, type: 'bedrock', apiKey: 'AKID:SECRET' }, /^settings\.region:/],
      [{ ...base, type: 'bedrock', apiKey: 'just-a-key', settings: { region: 'us-east-1' } }, /^apiKey:/],
      [{ ...base, apiKey: '' }, /^apiKey:/],
      [{ ...base, name: '' }, /^name:/],
      [{ ...base, priceOverrides: { m: { input_cost_per_token: -1, output_cost_per_token: 0 } } }, /^priceOverrides\.m\.input_cost_per_token:/],
      [{ ...base, priceOverrides: { m: { input_cost_per_token: 1 } } }, /^priceOverrides\.m\.output_cost_per_token:/],
      [{ ...base, priceOverrides: { m: { input_cost_per_token: 1, output_cost_per_token: 1, input_cost: 2 } } }, /^priceOverrides\.m\.input_cost: unknown field/],
    ];
    for (const [body, message] of cases) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    const text = await api('POST', '/api/providers', { cookie: f.admin.cookie, body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect((await create({ ...base, name: 'Local LM' })).status).toBe(409);
  });

  it('shows providers to team owners, connection details to admins only', async () => {
    const list = await api('GET', '/api/providers', { cookie: user.cookie });
    expect(list.status).toBe(200);
    expect(list.body.providers).toEqual([{ id: expect.any(String), name: 'Local LM', type: 'openai-compatible', createdAt: expect.any(Number) }]);
    const one = await api('GET', `/api/providers/${list.body.providers[0].id}`, { cookie: f.admin.cookie });
    expect(one.body.provider).toMatchObject({ baseUrl: 'http://127.0.0.1:1234/v1', hasApiKey: true, settings: {} });
    expect((await api('GET', '/api/providers/prv_missing123', { cookie: user.cookie })).status).toBe(404);
    expect((await api('GET', '/api/providers/nonsense', { cookie: user.cookie })).status).toBe(404);
    expect((await api('GET', '/api/providers')).status).toBe(401);
  });

  it('stores non-secret settings and hands them to the gateway in the snapshot', async () => {
    const res = await create({ name: 'Azure EU', type: 'azure-openai', baseUrl: 'https://eu.openai.azure.com', apiKey: firstKey, settings: { apiVersion: '2024-10-21' } });
    expect(res.status).toBe(201);
    expect(res.body.provider.settings).toEqual({ apiVersion: '2024-10-21' });
    const compiled = (await compileSnapshot(f.db, f.secrets)).providers.find((p) => p.id === res.body.provider.id);
    expect(compiled).toMatchObject({ type: 'azure-openai', settings: { apiVersion: '2024-10-21' }, apiKey: firstKey });
    expect((await api('DELETE', `/api/providers/${res.body.provider.id}`, { cookie: f.admin.cookie })).status).toBe(204);
  });

  it('takes a key pool, seals it whole, and still opens credentials sealed before pools existed', async () => {
    const pool = [{ key: 'sk-pool-a', weight: 3 }, { key: 'sk-pool-b' }];
    const res = await create({ name: 'Pooled', type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKeys: pool });
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.body)).not.toContain('sk-pool');
    const compiled = (await compileSnapshot(f.db, f.secrets)).providers.find((p) => p.id === res.body.provider.id)!;
    expect(compiled.keyPool).toEqual([{ key: 'sk-pool-a', weight: 3 }, { key: 'sk-pool-b', weight: 1 }]);
    expect(compiled.apiKey).toBe('sk-pool-a');
    const both = await create({ name: 'Both', type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'k', apiKeys: pool });
    expect(both.status).toBe(400);
    const neither = await create({ name: 'Neither', type: 'openai', baseUrl: 'https://api.openai.com/v1' });
    expect(neither.status).toBe(400);
    // A credentials blob from before pools ({apiKey}) opens as a pool of one.
    await f.db.update(providers).set({ credentials: f.secrets.seal(JSON.stringify({ apiKey: 'sk-legacy' })) }).where(eq(providers.id, res.body.provider.id));
    expect(openCredentials(f.secrets, (await first(f.db.select().from(providers).where(eq(providers.id, res.body.provider.id))))!.credentials)).toEqual({ keys: [{ key: 'sk-legacy', weight: 1 }] });
    expect((await api('DELETE', `/api/providers/${res.body.provider.id}`, { cookie: f.admin.cookie })).status).toBe(204);
  });

  it('updates a provider and re-seals a new key', async () => {
    const id = (await create({ name: 'OpenAI', type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: firstKey })).body.provider.id;
    const before = (await first(f.db.select().from(providers).where(eq(providers.id, id))))!.credentials;
    const revision = await f.revision();
    const res = await api('PATCH', `/api/providers/${id}`, { cookie: f.admin.cookie, body: { apiKey: secondKey, name: 'OpenAI prod' } });
    expect(res.status).toBe(200);
    expect(res.body.provider).toMatchObject({ name: 'OpenAI prod', baseUrl: 'https://api.openai.com/v1' });
    const after = (await first(f.db.select().from(providers).where(eq(providers.id, id))))!.credentials;
    expect(after).not.toBe(before);
    expect(openCredentials(f.secrets, after).keys).toEqual([{ key: secondKey, weight: 1 }]);
    expect(await f.revision()).toBe(revision + 1);
    const event = (await first(f.db.select().from(auditEvents).where(eq(auditEvents.action, 'provider.update'))))!;
    expect(event.summary).toEqual({ name: 'OpenAI prod', apiKeyReplaced: true });

    expect((await api('PATCH', `/api/providers/${id}`, { cookie: f.admin.cookie, body: {} })).status).toBe(400);
    expect((await api('PATCH', `/api/providers/${id}`, { cookie: f.admin.cookie, body: { name: 'Local LM' } })).status).toBe(409);
    expect((await api('PATCH', `/api/providers/${id}`, { cookie: user.cookie, body: { name: 'Mine' } })).status).toBe(403);
    expect((await api('PATCH', `/api/providers/${newId('provider')}`, { cookie: f.admin.cookie, body: { name: 'X' } })).status).toBe(404);
  });

  it('refuses to delete a provider a model route targets', async () => {
    const providerId = (await create({ name: 'Doomed', type: 'openai', baseUrl: 'https://example.test/v1', apiKey: 'k-doomed' })).body.provider.id;
    const team = await f.createTeam({ slug: 'ai-team' });
    const service = await api('POST', `/api/teams/${team.id}/services`, { cookie: f.admin.cookie, body: { name: 'LLM', slug: 'llm', kind: 'ai' }, expect: 201 });
    const route = await api('POST', `/api/services/${service.body.service.id}/models`, {
      cookie: f.admin.cookie,
      body: { name: 'small', targets: [{ providerId, model: 'gpt-4o-mini' }] },
      expect: 201,
    });
    expect((await api('DELETE', `/api/providers/${providerId}`, { cookie: user.cookie })).status).toBe(403);
    const refused = await api('DELETE', `/api/providers/${providerId}`, { cookie: f.admin.cookie });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('llm/small');

    await api('DELETE', `/api/services/${service.body.service.id}/models/${route.body.model.id}`, { cookie: f.admin.cookie, expect: 200 });
    const revision = await f.revision();
    expect((await api('DELETE', `/api/providers/${providerId}`, { cookie: f.admin.cookie })).status).toBe(204);
    expect(await f.revision()).toBe(revision + 1);
    expect((await api('GET', `/api/providers/${providerId}`, { cookie: f.admin.cookie })).status).toBe(404);
  });
});
