import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

const goodKey = 'sk-good-0123456789abcdefghijklmnop';
const badKey = 'sk-bad-zyxwvutsrqponmlkjihgfedcba';

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('POST /api/providers/:id/test', () => {
  let f: PortalFixture;
  let upstream: MockOpenAi;
  let user: TestUser;
  const seen: string[] = [];
  const provider = async (body: Record<string, unknown>) =>
    (await f.api('POST', '/api/providers', { cookie: f.admin.cookie, body: { type: 'openai', baseUrl: upstream.url, ...body }, expect: 201 })).body.provider.id as string;
  const test = async (id: string, body?: unknown, cookie = f.admin.cookie) => {
    const res = await f.api('POST', `/api/providers/${id}/test`, { cookie, body });
    seen.push(JSON.stringify(res.body));
    return res;
  };

  beforeAll(async () => {
    f = await createPortalFixture();
    upstream = await startMockOpenAi({ apiKey: goodKey });
    user = await f.createUser();
  });
  afterAll(async () => {
    // Neither key ever comes back, not even inside the provider's own message.
    for (const body of seen) {
      expect(body).not.toContain(goodKey);
      expect(body).not.toContain(badKey);
    }
    await upstream.close();
    await f.close();
  });

  it('lists the models with the key, as the gateway would authenticate, and reports the latency', async () => {
    const id = await provider({ name: 'good', apiKey: goodKey });
    const before = upstream.requests.length;
    const res = await test(id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, status: 200, latencyMs: expect.any(Number), message: expect.stringMatching(/^Connected: the provider lists \d+ models\.$/) });
    expect(res.body.keys).toEqual([expect.objectContaining({ weight: 1, ok: true, status: 200 })]);
    const calls = upstream.requests.slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(calls[0]!.headers.authorization).toBe(`Bearer ${goodKey}`);
  });

  it('answers ok:false with the provider’s message for a wrong key, without the key', async () => {
    const id = await provider({ name: 'bad', apiKey: badKey });
    const res = await test(id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false, status: 401, message: expect.stringMatching(/^The provider answered 401: Incorrect API key provided/) });
  });

  it('tests every key of a pool and answers with the one that fails', async () => {
    const id = await provider({ name: 'pool', apiKeys: [{ key: goodKey, weight: 3 }, { key: badKey, weight: 1 }] });
    const res = await test(id);
    expect(res.body).toMatchObject({ ok: false, status: 401 });
    expect(res.body.keys).toEqual([expect.objectContaining({ weight: 3, ok: true }), expect.objectContaining({ weight: 1, ok: false, status: 401 })]);
  });

  it('makes a one-token completion when a model is named', async () => {
    const id = await provider({ name: 'chat', apiKey: goodKey });
    const before = upstream.requests.length;
    const res = await test(id, { model: 'gpt-4o-mini' });
    expect(res.body).toMatchObject({ ok: true, status: 200, message: 'Connected: gpt-4o-mini answered.' });
    const [call] = upstream.requests.slice(before);
    expect(call).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(call!.body).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 1 });
    expect((await test(id, { model: '' })).status).toBe(400);
    expect((await test(id, { modle: 'x' })).status).toBe(400);
  });

  it('says an unreachable URL could not be reached, with no status', async () => {
    const port = await closedPort();
    const id = await provider({ name: 'nowhere', baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: goodKey });
    const res = await test(id);
    expect(res.body).toMatchObject({ ok: false, status: null, message: `Could not reach http://127.0.0.1:${port}: ECONNREFUSED.` });
  });

  it('asks for a model to test a Bedrock provider, which has no listing here', async () => {
    const id = await provider({ name: 'aws', type: 'bedrock', baseUrl: upstream.url, apiKey: 'AKIDEXAMPLE:secretexample', settings: { region: 'us-east-1' } });
    const res = await test(id);
    expect(res.body).toMatchObject({ ok: false, status: null, message: expect.stringMatching(/name a model/) });
  });

  it('shows admins each pool key by weight and last four characters only; others see no keys', async () => {
    const id = await provider({ name: 'masked', apiKeys: [{ key: goodKey, weight: 3 }, { key: 'sk-short', weight: 1 }] });
    const res = await f.api('GET', `/api/providers/${id}`, { cookie: f.admin.cookie });
    seen.push(JSON.stringify(res.body));
    expect(res.body.provider.keys).toEqual([{ weight: 3, hint: '••••mnop' }, { weight: 1, hint: '••••' }]);
    // A team owner may see the provider (to route to it), never its keys.
    const owner = await f.createUser();
    await f.createTeam({ slug: 'masked-owners', ownerUserId: owner.id });
    const asOwner = await f.api('GET', `/api/providers/${id}`, { cookie: owner.cookie, expect: 200 });
    expect(asOwner.body.provider.keys).toBeUndefined();
    // A user who may use no service on it does not see it at all.
    expect((await f.api('GET', `/api/providers/${id}`, { cookie: user.cookie })).status).toBe(404);
  });

  it('is for platform admins only: a user gets 403 and no call is made; an unknown id is 404', async () => {
    const id = await provider({ name: 'guarded', apiKey: goodKey });
    const before = upstream.requests.length;
    const res = await test(id, undefined, user.cookie);
    expect(res.status).toBe(403);
    expect(res.body.ok).toBeUndefined();
    expect(upstream.requests.length).toBe(before);
    expect((await test('prv_nonexistent')).status).toBe(404);
  });
});
