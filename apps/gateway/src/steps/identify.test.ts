import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

// Identification happens before the body is read, so these requests never reach a provider.
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const expiredKey = 'tg_test_key_expired_00001';

beforeAll(async () => {
  const data = testSnapshot({ providerUrl: 'http://127.0.0.1:9/v1' });
  data.keys.push({ id: 'key_expired000', appId: 'app_approved000000000', hash: createHash('sha256').update(expiredKey).digest('hex'), prefix: 'tg_test_key_', expiresAt: Date.now() - 1 });
  gateway = await startTestGateway(data);
});
afterAll(() => gateway.close());

const call = (headers: Record<string, string>) =>
  gateway.app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"model":"nope","messages":[]}' });

describe('identify', () => {
  it('accepts the key as a Bearer token or as x-api-key (the Anthropic SDK header)', async () => {
    // Past identify, the unknown model is the next refusal: 404, not 401.
    expect((await call({ authorization: `Bearer ${testKeys.approved}` })).status).toBe(404);
    expect((await call({ 'x-api-key': testKeys.approved })).status).toBe(404);
  });

  it.each([
    [{}, /Missing API key/],
    [{ authorization: 'Basic dXNlcjpwdw==' }, /Missing API key/],
    [{ authorization: 'Bearer tg_unknown' }, /unknown or was revoked/],
    [{ authorization: `Bearer ${expiredKey}` }, /has expired/],
  ])('refuses %o with 401 and says why', async (headers, message) => {
    const res = await call(headers as Record<string, string>);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_api_key');
    expect(body.error.message).toMatch(message);
  });
});
