import { afterAll, describe, expect, it } from 'vitest';
import { createPortalFixture } from '../testing/portal-fixture';
import { parsePortalConfig } from '../config';

describe('GET /api/platform', () => {
  it('tells a signed-in user the gateway address the portal was given, and strangers nothing', async () => {
    const f = await createPortalFixture({ settings: { publicGatewayUrl: () => 'https://gw.example.test' } });
    afterAll(() => f.close());
    const dev = await f.createUser({ email: 'dev@platform.test' });
    const ok = await f.api('GET', '/api/platform', { cookie: dev.cookie });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ gatewayUrl: 'https://gw.example.test' });
    const anonymous = await f.api('GET', '/api/platform');
    expect(anonymous.status).toBe(401);
    expect(JSON.stringify(anonymous.body)).not.toContain('gw.example.test');
  });

  it('answers null when no address is known, rather than guessing one', async () => {
    const f = await createPortalFixture();
    afterAll(() => f.close());
    expect((await f.api('GET', '/api/platform', { cookie: f.admin.cookie, expect: 200 })).body).toEqual({ gatewayUrl: null });
  });
});

describe('TOLLGATE_PUBLIC_GATEWAY_URL', () => {
  it('takes an http(s) URL without its trailing slash; empty is unset; anything else is refused', () => {
    expect(parsePortalConfig({}).publicGatewayUrl).toBeUndefined();
    expect(parsePortalConfig({ TOLLGATE_PUBLIC_GATEWAY_URL: '' }).publicGatewayUrl).toBeUndefined();
    expect(parsePortalConfig({ TOLLGATE_PUBLIC_GATEWAY_URL: 'https://api.example.com/' }).publicGatewayUrl).toBe('https://api.example.com');
    for (const bad of ['api.example.com', 'ftp://api.example.com']) {
      expect(() => parsePortalConfig({ TOLLGATE_PUBLIC_GATEWAY_URL: bad }), bad).toThrow(/TOLLGATE_PUBLIC_GATEWAY_URL/);
    }
  });
});
