import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '@tollgate/gateway/config';
import { parsePortalConfig } from '@tollgate/portal';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { createConsumer, publishAiService, startTestPlatform } from './testing/test-platform';

/**
 * Issue 16, item 8: a client whose headers or body stall is answered 408 after TOLLGATE_REQUEST_TIMEOUT_MS
 * (30 s by default), on the portal and on the gateway: Node's own defaults held such a client 78 s or 318 s.
 */
let t: Awaited<ReturnType<typeof startTestPlatform>>;
let upstream: MockOpenAi;
let secret: string;
beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
  t = await startTestPlatform({ TOLLGATE_REQUEST_TIMEOUT_MS: '1000' });
  // A subscribed key: the gateway reads a chat body only once the caller is known.
  const published = await publishAiService(t.admin, { upstreamUrl: upstream.url, upstreamKey: 'sk-up', approval: 'auto' });
  const consumer = await createConsumer(t.admin);
  await consumer.dev.must('POST', `/api/apps/${consumer.app.id}/subscriptions`, { planId: published.plan.id });
  secret = consumer.secret;
});
afterAll(async () => {
  await t?.close();
  await upstream?.close();
});

/** Sends `bytes` and waits until the server closes the connection; what came back, and after how long. */
async function stall(url: string, bytes: string): Promise<{ text: string; ms: number }> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  const t0 = Date.now();
  socket.write(bytes);
  await new Promise((r) => socket.once('close', r));
  return { text, ms: Date.now() - t0 };
}

const stalledHeaders = 'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthoriz';
const stalledBody = (path: string, authorization = '') =>
  `POST ${path} HTTP/1.1\r\nhost: x\r\n${authorization}content-type: application/json\r\ncontent-length: 200\r\n\r\n{"model":`;

describe('slow clients', () => {
  it('defaults to 30 s on both, and the setting is checked', () => {
    expect(parseGatewayConfig({}).TOLLGATE_REQUEST_TIMEOUT_MS).toBe(30_000);
    expect(parsePortalConfig({}).requestTimeoutMs).toBe(30_000);
    expect(() => parsePortalConfig({ TOLLGATE_REQUEST_TIMEOUT_MS: '10' })).toThrow(/TOLLGATE_REQUEST_TIMEOUT_MS/);
    expect(() => parseGatewayConfig({ TOLLGATE_REQUEST_TIMEOUT_MS: 'soon' })).toThrow(/TOLLGATE_REQUEST_TIMEOUT_MS/);
  });

  for (const [surface, pick, body] of [
    ['gateway', () => t.platform.gatewayUrl, () => stalledBody('/v1/chat/completions', `authorization: Bearer ${secret}\r\n`)],
    ['portal', () => t.platform.portalUrl, () => stalledBody('/api/auth/login')],
  ] as const) {
    it(`the ${surface} answers 408 to stalled headers and to a stalled body at the configured timeout`, async () => {
      const [headers, stalled] = await Promise.all([stall(pick(), stalledHeaders), stall(pick(), body())]);
      for (const { text, ms } of [headers, stalled]) {
        expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
        expect(ms).toBeGreaterThanOrEqual(950);
        expect(ms).toBeLessThan(1_600);
      }
      // The server is fine afterwards.
      expect((await fetch(`${pick()}/healthz`)).status).toBe(200);
    });
  }

  it('the portal refuses a request that arrives while it drains, in its own error shape', async () => {
    const res = await t.platform.portal.app.fetch(new Request(`${t.platform.portalUrl}/api/platform`), { draining: true });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('portal_stopping');
  });
});
