import { afterEach, describe, expect, it } from 'vitest';
import { startTestPlatform } from './testing/test-platform';

/** The web app's code samples name the gateway from GET /api/platform: this process's own, unless told otherwise. */
describe('the gateway address the portal tells its users', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(() => close?.());

  it('is the all-in-one’s own gateway, on the port it got, when TOLLGATE_PUBLIC_GATEWAY_URL is unset', async () => {
    const t = await startTestPlatform();
    close = t.close;
    expect(await t.admin.must('GET', '/api/platform')).toEqual({ gatewayUrl: t.platform.gatewayUrl });
    expect(t.platform.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('is the configured address when TOLLGATE_PUBLIC_GATEWAY_URL is set (behind a proxy the listen address is not what users reach)', async () => {
    const t = await startTestPlatform({ TOLLGATE_PUBLIC_GATEWAY_URL: 'https://api.example.com/' });
    close = t.close;
    expect(await t.admin.must('GET', '/api/platform')).toEqual({ gatewayUrl: 'https://api.example.com' });
  });
});
