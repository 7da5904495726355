import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalFixture, type PortalFixture } from '../testing/portal-fixture';
import { contentSecurityPolicy } from './site';

/** The portal serving a web build (real files in a temp folder) beside its API. */
let dir: string;
let f: PortalFixture;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tollgate-web-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Tollgate</title><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(path.join(dir, 'assets/index-abc123.js'), 'console.log("app")');
  f = await createPortalFixture({ settings: { webDir: dir } });
});
afterAll(async () => {
  await f.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) => f.app.request(url, { headers });

describe('the web app beside the API', () => {
  it('serves index.html at / with a Content-Security-Policy, revalidated on every load', async () => {
    const res = await get('/', { accept: 'text/html' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(contentSecurityPolicy);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toContain('<title>Tollgate</title>');
    const again = await get('/', { accept: 'text/html', 'if-none-match': res.headers.get('etag')! });
    expect(again.status).toBe(304);
  });

  it('answers every app address a browser asks for with the app (SPA fallback)', async () => {
    for (const url of ['/apps/app_123', '/services/svc_1?tab=docs', '/admin/providers']) {
      const res = await get(url, { accept: 'text/html,application/xhtml+xml' });
      expect(res.status, url).toBe(200);
      expect(await res.text()).toContain('<title>Tollgate</title>');
    }
  });

  it('serves hashed assets for a year, immutable; a missing asset is a 404, not the app', async () => {
    const res = await get('/assets/index-abc123.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await get('/assets/index-old999.js', { accept: 'text/html' })).status).toBe(404);
  });

  it('leaves the API its own: unknown API routes stay JSON 404s, and POST / is no page', async () => {
    const res = await get('/api/nothing-here', { accept: 'text/html' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await f.app.request('/', { method: 'POST' })).status).toBe(404);
  });
});

describe('without a build', () => {
  it('says how to build the web app, to a browser; API clients still get JSON', async () => {
    const bare = await createPortalFixture({ settings: { webDir: path.join(dir, 'missing') } });
    try {
      const page = await bare.app.request('/', { headers: { accept: 'text/html' } });
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('npm run build:web');
      expect((await bare.app.request('/')).status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
