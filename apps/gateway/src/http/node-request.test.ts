import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const headers = { authorization: `Bearer ${testKeys.approved}`, 'content-type': 'application/json' };
const big = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(2_000) }] });

beforeAll(async () => {
  gateway = await startTestGateway(testSnapshot({ providerUrl: 'http://127.0.0.1:9/v1' }), { maxBodyBytes: 1_000 });
});
afterAll(() => gateway.close());

describe('request body limit', () => {
  it('refuses a declared oversized body with 413 over a real socket', async () => {
    const res = await request(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers, body: big });
    expect(res.statusCode).toBe(413);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
  });

  it('refuses a chunked body with no content-length once it passes the limit', async () => {
    const chunks = Readable.from(Array.from({ length: 10 }, () => Buffer.from('x'.repeat(300))));
    const res = await request(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers, body: chunks });
    expect(res.statusCode).toBe(413);
    await res.body.dump();
  });

  it('applies the same limit without a Node request (app.request in tests and other runtimes)', async () => {
    const res = await gateway.app.request('/v1/chat/completions', { method: 'POST', headers, body: big });
    expect(res.status).toBe(413);
  });

  it('still reads a body under the limit on both paths (it reaches the provider step)', async () => {
    const small = JSON.stringify({ model: 'gpt-4o-mini', messages: [] });
    const viaSocket = await request(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers, body: small });
    const viaApp = await gateway.app.request('/v1/chat/completions', { method: 'POST', headers, body: small });
    // Port 9 (discard) refuses connections: the call got past parsing, auth and limits to the upstream.
    expect(viaSocket.statusCode).toBe(502);
    expect(viaApp.status).toBe(502);
    await viaSocket.body.dump();
  });
});
