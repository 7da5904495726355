import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import type { PromptSpecJson } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';
import { testSnapshot } from '../testing/test-snapshot';
import { publicPem, signingKey, signToken, startJwksServer, type JwksServer, type SigningKey } from '../testing/jwks-server';
import { audience, issuer, jwtFixture, unsignedToken, waitForFetch, type JwtFixture } from '../testing/jwt-fixture';
import { sharedJwks } from './jwks-cache';

/**
 * Every way a token is refused, through a real gateway: each a 401 whose code and message say which check
 * failed, in the error shape of the surface called. No provider is reached, so none is running.
 */
const summarize: PromptSpecJson = { messages: [{ role: 'user', content: '{{text}}' }], variables: { type: 'object', properties: { text: { type: 'string' } } }, model: 'gpt-4o-mini' };
const downIssuer = 'https://down.example.com';

let fx: JwtFixture;
let down: JwksServer;
let forger: SigningKey;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;

beforeAll(async () => {
  fx = await jwtFixture();
  forger = await signingKey('RS256');
  down = await startJwksServer([]);
  down.failWith(503);
  const data = testSnapshot({ providerUrl: 'http://127.0.0.1:9/v1', prompts: [{ path: '/summarize', spec: summarize }] });
  gateway = await startTestGateway(fx.withCredentials(data, [fx.credential({ id: 'crd_down00000000', appId: 'app_approved000000000', issuer: downIssuer, jwksUrl: down.url })]));
  await waitForFetch(() => sharedJwks.get(fx.idp.url));
});
afterAll(async () => {
  await gateway.close();
  await fx.idp.close();
  await down.close();
});

type OpenAiError = { error: { message: string; type: string; param: null; code: string } };
async function refusal(token: string): Promise<{ status: number; code: string; message: string; wwwAuthenticate: string | null }> {
  const res = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as OpenAiError;
  expect(body.error.type).toBe('invalid_request_error');
  return { status: res.status, code: body.error.code, message: body.error.message, wwwAuthenticate: res.headers.get('www-authenticate') };
}
const now = () => Math.floor(Date.now() / 1_000);

describe('JWT refusals', () => {
  it('expired: says when', async () => {
    const exp = now() - 120;
    const r = await refusal(await fx.token(fx.keys.rsa, {}, { expiresIn: exp }));
    expect(r).toMatchObject({ status: 401, code: 'token_expired', wwwAuthenticate: 'Bearer error="invalid_token"' });
    expect(r.message).toBe(`Token expired at ${new Date(exp * 1_000).toISOString()} (clock tolerance 30 s); get a new one from "${issuer}".`);
  });

  it('not yet valid: says from when', async () => {
    const nbf = now() + 120;
    const r = await refusal(await fx.token(fx.keys.ec, {}, { notBefore: nbf }));
    expect(r).toMatchObject({ status: 401, code: 'token_not_yet_valid', message: `Token is not valid before ${new Date(nbf * 1_000).toISOString()} (clock tolerance 30 s).` });
  });

  it('bad signature: a known kid, signed by another key', async () => {
    const r = await refusal(await fx.token(forger, {}, { kid: fx.keys.rsa.kid }));
    expect(r).toMatchObject({ status: 401, code: 'invalid_signature', message: `Bad token signature: it does not verify with the signing keys of issuer "${issuer}".` });
  });

  it('bad signature: a tampered payload', async () => {
    const [head, , sig] = (await fx.token()).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: issuer, aud: audience, sub: 'svc-approved', exp: now() + 3_600 })).toString('base64url');
    const r = await refusal(`${head}.${forged}.${sig}`);
    expect(r).toMatchObject({ status: 401, code: 'invalid_signature' });
  });

  it('unknown issuer', async () => {
    const r = await refusal(await fx.token(fx.keys.rsa, { iss: 'https://evil.example.com' }));
    expect(r).toMatchObject({ status: 401, code: 'unknown_issuer', message: 'Unknown token issuer "https://evil.example.com": no app has registered a JWT credential for it.' });
  });

  it('issuer compared exactly (no trailing-slash leniency)', async () => {
    const r = await refusal(await fx.token(fx.keys.rsa, { iss: issuer.replace(/\/$/, '') }));
    expect(r).toMatchObject({ status: 401, code: 'unknown_issuer' });
  });

  it('wrong audience', async () => {
    const r = await refusal(await fx.token(fx.keys.rsa, { aud: 'https://someone-else.example.com' }));
    expect(r).toMatchObject({ status: 401, code: 'invalid_audience', message: `Wrong token audience "https://someone-else.example.com": it is not one registered for issuer "${issuer}".` });
  });

  it('no audience at all', async () => {
    const r = await refusal(await fx.token(fx.keys.rsa, { aud: undefined }));
    expect(r).toMatchObject({ status: 401, code: 'invalid_audience', message: expect.stringContaining('no "aud" claim') });
  });

  it('subject not registered', async () => {
    const r = await refusal(await fx.token(fx.keys.ed, { sub: 'svc-stranger' }));
    expect(r).toMatchObject({ status: 401, code: 'unknown_subject', message: `Token subject not registered: "sub" = "svc-stranger" matches no app's JWT credential for issuer "${issuer}" and this audience.` });
  });

  it('unsupported algorithm: alg none', async () => {
    const r = await refusal(unsignedToken({ iss: issuer, aud: audience, sub: 'svc-approved', exp: now() + 60 }));
    expect(r).toMatchObject({ status: 401, code: 'unsupported_algorithm', message: 'Unsupported token algorithm "none": the gateway accepts RS256, ES256 and EdDSA only.' });
  });

  it('unsupported algorithm: HS256 signed with the issuer public key as the secret', async () => {
    const secret = new TextEncoder().encode(await publicPem(fx.keys.rsa));
    const token = await new SignJWT({ iss: issuer, aud: audience, sub: 'svc-approved' }).setProtectedHeader({ alg: 'HS256', kid: fx.keys.rsa.kid }).setExpirationTime('5m').sign(secret);
    const r = await refusal(token);
    expect(r).toMatchObject({ status: 401, code: 'unsupported_algorithm', message: 'Unsupported token algorithm "HS256": the gateway accepts RS256, ES256 and EdDSA only.' });
  });

  it('unsupported algorithm: one the issuer’s credential does not allow', async () => {
    const token = await signToken(forger, { iss: 'https://inline.example.com', aud: 'inline-audience', client_id: 'inline-client' });
    const r = await refusal(token);
    expect(r).toMatchObject({ status: 401, code: 'unsupported_algorithm', message: 'Unsupported token algorithm RS256 for issuer "https://inline.example.com": allowed ES256.' });
  });

  it('malformed token: payload not JSON', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: fx.keys.rsa.kid })).toString('base64url');
    const r = await refusal(`${header}.${Buffer.from('not json').toString('base64url')}.c2ln`);
    expect(r).toMatchObject({ status: 401, code: 'invalid_token', message: expect.stringMatching(/^Malformed token: /) });
  });

  it('malformed token: no exp (tokens must expire)', async () => {
    const r = await refusal(await fx.token(fx.keys.rsa, {}, { expiresIn: null }));
    expect(r).toMatchObject({ status: 401, code: 'invalid_token', message: 'Malformed token: it has no "exp" claim; the gateway accepts only tokens that expire.' });
  });

  it('malformed token: no issuer', async () => {
    const r = await refusal(await fx.token(fx.keys.rsa, { iss: undefined }));
    expect(r).toMatchObject({ status: 401, code: 'invalid_token', message: 'Malformed token: it has no "iss" (issuer) claim.' });
  });

  it('unknown kid, after the refresh it caused', async () => {
    const before = fx.idp.requests;
    const r = await refusal(await fx.token(forger, {}, { kid: 'never-published' }));
    expect(r).toMatchObject({ status: 401, code: 'unknown_key', message: `Unknown token key id "never-published": issuer "${issuer}" has no RS256 signing key that fits it.` });
    expect(fx.idp.requests).toBe(before + 1);
  });

  it('JWKS unavailable: the issuer keys were never fetched', async () => {
    const token = await signToken(forger, { iss: downIssuer, aud: audience, sub: 'svc-approved' });
    const r = await refusal(token);
    expect(r).toMatchObject({ status: 401, code: 'jwks_unavailable', message: `The signing keys of issuer "${downIssuer}" could not be fetched yet, so the token cannot be checked; retry shortly.` });
    expect(sharedJwks.get(down.url)!.stats.unavailable).toBeGreaterThanOrEqual(1);
  });
});

describe('JWT refusals in each surface’s error shape', () => {
  it('Anthropic’s on /v1/messages', async () => {
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': await fx.token(fx.keys.rsa, { aud: 'elsewhere' }), 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message: `Wrong token audience "elsewhere": it is not one registered for issuer "${issuer}".` } });
  });

  it('the REST shape on a prompt API', async () => {
    const res = await fetch(`${gateway.url}/llm/summarize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await fx.token(fx.keys.rsa, { iss: 'https://evil.example.com' })}` },
      body: JSON.stringify({ variables: { text: 'x' } }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'unknown_issuer', message: 'Unknown token issuer "https://evil.example.com": no app has registered a JWT credential for it.', requestId: res.headers.get('x-request-id') } });
  });
});
