import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import type { PromptSpecJson } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';
import { signingKey, signToken, startJwksServer, type JwksServer, type SigningKey } from '../testing/jwks-server';
import { audience, jwtFixture, waitForFetch, type JwtFixture } from '../testing/jwt-fixture';
import { sharedJwks } from './jwks-cache';

/**
 * JWT credentials through a real gateway: the official OpenAI SDK with a token as its API key, a prompt API
 * with plain fetch, the mock OpenAI provider behind, and an identity provider's JWKS endpoint on loopback.
 */
const summarize: PromptSpecJson = {
  messages: [{ role: 'user', content: 'Summarize: {{text}}' }],
  variables: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  model: 'gpt-4o-mini',
};

let upstream: MockOpenAi;
let fx: JwtFixture;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const sdk = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
  fx = await jwtFixture();
  gateway = await startTestGateway(fx.withCredentials(testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-up', prompts: [{ path: '/summarize', spec: summarize }] })));
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await fx.idp.close();
});

describe('JWT credentials', () => {
  it('fetches the issuer keys when the snapshot is installed, before any call', async () => {
    await waitForFetch(() => sharedJwks.get(fx.idp.url));
    expect(fx.idp.requests).toBe(1);
    expect(sharedJwks.get(fx.idp.url)!.keyCount).toBe(3);
  });

  it('lets the OpenAI SDK call chat completions and list models with a JWT as its API key', async () => {
    const client = sdk(await fx.token());
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi with a token' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('Echo: hi with a token');
    // The provider gets the gateway's key, never the caller's token.
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-up');
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');
    const record = (await gateway.flushed()).find((r) => r.requestId === response.headers.get('x-request-id'));
    expect(record).toMatchObject({ status: 200, appId: 'app_approved000000000', keyId: null, keyPrefix: 'jwt:crd_approved0000' });
  });

  it.each(['ec', 'ed'] as const)('accepts %s-signed tokens (ES256, EdDSA) from the same JWKS', async (which) => {
    const models = await sdk(await fx.token(fx.keys[which])).models.list();
    expect(models.data.length).toBeGreaterThan(0);
  });

  it('accepts a token within the 30 s clock tolerance after its exp', async () => {
    const exp = Math.floor(Date.now() / 1_000) - 10;
    const models = await sdk(await fx.token(fx.keys.rsa, {}, { expiresIn: exp })).models.list();
    expect(models.data.length).toBeGreaterThan(0);
  });

  it('identifies prompt API callers by JWT', async () => {
    const res = await fetch(`${gateway.url}/llm/summarize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await fx.token(fx.keys.ed)}` },
      body: JSON.stringify({ variables: { text: 'tokens everywhere' } }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: string }).output).toContain('tokens everywhere');
    const record = (await gateway.flushed()).find((r) => r.requestId === res.headers.get('x-request-id'));
    expect(record).toMatchObject({ appId: 'app_approved000000000', keyId: null, keyPrefix: 'jwt:crd_approved0000' });
  });

  it('tells apps sharing an issuer apart by subject: the pending app is identified, then refused as pending', async () => {
    const token = await fx.token(fx.keys.rsa, { sub: 'svc-pending' });
    const refused = await sdk(token).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((refused as Error).message).toMatch(/is pending approval/);
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ status: 403, appId: 'app_pending000000000', keyPrefix: 'jwt:crd_pending00000' });
  });

  it('verifies inline keys, with the subject taken from the registered claim', async () => {
    const token = await signToken(fx.inlineKey, { iss: 'https://inline.example.com', aud: ['x', 'inline-audience'], client_id: 'inline-client' });
    const models = await sdk(token).models.list();
    expect(models.data.length).toBeGreaterThan(0);
    const record = (await gateway.flushed()).at(-1)!;
    expect(record.keyPrefix).toBe('jwt:crd_inline000000');
  });

  it('accepts a JWT from x-api-key too (the Anthropic SDK header)', async () => {
    const res = await fetch(`${gateway.url}/v1/models`, { headers: { 'x-api-key': await fx.token() } });
    expect(res.status).toBe(200);
  });
});

describe('JWKS key rotation', () => {
  let idp: JwksServer;
  let original: SigningKey;
  let rotating: Awaited<ReturnType<typeof startTestGateway>>;
  const rotatingIssuer = 'https://rotating.example.com';
  const call = async (token: string) => {
    const res = await fetch(`${rotating.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  };

  beforeAll(async () => {
    original = await signingKey('RS256', 'old');
    idp = await startJwksServer([original]);
    const data = testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-up' });
    data.jwtCredentials.push(fx.credential({ id: 'crd_rotating0000', appId: 'app_approved000000000', issuer: rotatingIssuer, jwksUrl: idp.url }));
    rotating = await startTestGateway(data);
    await waitForFetch(() => sharedJwks.get(idp.url));
  });
  afterAll(async () => {
    await rotating.close();
    await idp.close();
  });

  it('accepts a rotated-in key after the refresh its kid causes; the removed key stops working', async () => {
    const claims = { iss: rotatingIssuer, aud: audience, sub: 'svc-approved' };
    expect((await call(await signToken(original, claims))).status).toBe(200);
    const next = await signingKey('ES256', 'next');
    idp.setKeys([next]);
    expect(idp.requests).toBe(1);
    expect((await call(await signToken(next, claims))).status).toBe(200);
    expect(idp.requests).toBe(2);
    const removed = await call(await signToken(original, claims));
    expect(removed.status).toBe(401);
    expect(removed.body.error).toMatchObject({ code: 'unknown_key', message: expect.stringContaining('"old"') });
  });

  it('fetches the JWKS at most once for 50 tokens with made-up kids', async () => {
    const hammer = await startJwksServer([await signingKey('RS256', 'real')]);
    const data = testSnapshot({ revision: 2, providerUrl: upstream.url, providerKey: 'sk-up' });
    data.jwtCredentials.push(fx.credential({ id: 'crd_hammered000', appId: 'app_approved000000000', issuer: 'https://hammered.example.com', jwksUrl: hammer.url }));
    rotating.snapshots.install(data);
    await waitForFetch(() => sharedJwks.get(hammer.url));
    const before = hammer.requests;
    const forger = await signingKey('RS256');
    const claims = { iss: 'https://hammered.example.com', aud: audience, sub: 'svc-approved' };
    const answers = await Promise.all(Array.from({ length: 50 }, async (_, i) => call(await signToken(forger, claims, { kid: `made-up-${i}-${Math.random()}` }))));
    expect(answers.every((a) => a.status === 401 && a.body.error?.code === 'unknown_key')).toBe(true);
    expect(hammer.requests - before).toBeLessThanOrEqual(1);
    // One token caused the refresh; the others joined it or were inside its cool-down.
    expect(sharedJwks.get(hammer.url)!.stats.requestRefreshes).toBe(1);
    await hammer.close();
  });
});

describe('per-key limits count per credential', () => {
  it('gives a JWT credential its own count, apart from the same app’s API key', async () => {
    const limited = await startTestGateway(fx.withCredentials(testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-up', planLimits: { perKey: { requestsPerMinute: 2 } } })));
    try {
      const chat = (apiKey: string) =>
        new OpenAI({ apiKey, baseURL: `${limited.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count me' }] });
      const token = await fx.token();
      await chat(token);
      await chat(await fx.token(fx.keys.ec));
      const refused = await chat(token).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(OpenAI.APIError);
      expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
      expect((refused as InstanceType<typeof OpenAI.APIError>).message).toMatch(/per JWT credential: 2 requests per minute/);
      // The app's API key is another credential: its own two calls still pass.
      await chat(testKeys.approved);
      await chat(testKeys.approved);
    } finally {
      await limited.close();
    }
  });
});
