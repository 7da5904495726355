import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startTestGateway } from '../testing/gateway-harness';
import { restKeys, restSnapshot } from '../testing/rest-snapshot';
import { startRestUpstream, type RestUpstreamServer } from '../testing/rest-upstream';

/**
 * CORS as a browser enforces it: Debian's Chromium loads a page from one loopback origin and calls the
 * gateway on another with `fetch` and an API key header, so the browser sends a preflight first.
 */
let browser: Browser;
let node: RestUpstreamServer;
const closers: Array<() => Promise<void>> = [];

async function pageServer(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title><p>app</p>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  node = await startRestUpstream('a');
  closers.push(node.close, () => browser.close());
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** What the page saw of a cross-origin fetch: the status, a body field and an exposed header, or the rejection. */
type Seen = { ok: true; status: number; code: string | null; requestId: string | null } | { ok: false; error: string };

async function fetchFrom(origin: string, url: string, key: string): Promise<Seen> {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/`);
    return await page.evaluate(
      async ({ url, key }) => {
        try {
          const res = await fetch(url, { headers: { 'x-api-key': key } });
          const body = (await res.json()) as { error?: { code?: string } } | null;
          return { ok: true as const, status: res.status, code: body?.error?.code ?? null, requestId: res.headers.get('x-request-id') };
        } catch (err) {
          return { ok: false as const, error: String(err) };
        }
      },
      { url, key },
    );
  } finally {
    await page.close();
  }
}

describe('CORS in a browser', () => {
  it('lets an allowed origin call with a key (preflight answered by the gateway), read errors too, and blocks another origin', async () => {
    const allowed = await pageServer();
    const other = await pageServer();
    const gateway = await startTestGateway(
      restSnapshot({
        upstreams: [{ name: 'default', nodes: [{ url: node.url, weight: 1 }] }],
        apis: [{ path: '/items' }],
        cors: { allowOrigins: [allowed.origin], allowMethods: ['GET'], allowHeaders: ['x-api-key'], exposeHeaders: ['x-request-id'], allowCredentials: false, maxAgeSeconds: 0 },
      }),
    );
    closers.push(gateway.close);
    node.requests.length = 0;

    const ok = await fetchFrom(allowed.origin, `${gateway.url}/pets/items`, restKeys.approved);
    expect(ok).toEqual({ ok: true, status: 200, code: null, requestId: expect.stringMatching(/^req_/) });
    const refused = await fetchFrom(allowed.origin, `${gateway.url}/pets/items`, restKeys.otherTeam);
    expect(refused).toMatchObject({ ok: true, status: 403, code: 'not_subscribed' });
    const blocked = await fetchFrom(other.origin, `${gateway.url}/pets/items`, restKeys.approved);
    expect(blocked).toMatchObject({ ok: false, error: expect.stringContaining('Failed to fetch') });

    // The upstream saw the one allowed call: no preflight, nothing from the other origin or the refused key.
    expect(node.requests.map((r) => r.method)).toEqual(['GET']);
    expect(node.requests[0]!.headers.origin).toBe(allowed.origin);
  });
});
