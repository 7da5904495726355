import type { Browser } from 'playwright-core';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { createConsumer, publishAiService, startTestPlatform } from '../../apps/all-in-one/src/testing/test-platform';
import { launchChromium } from './browser';

/**
 * What a browser test starts: the all-in-one platform on free ports (its portal serving the built web app),
 * a mock OpenAI provider, and Debian's Chromium. `close()` stops all three.
 */
export async function startWebPlatform() {
  const upstream: MockOpenAi = await startMockOpenAi({ apiKey: 'sk-up' });
  const t = await startTestPlatform();
  const browser: Browser = await launchChromium();
  const admin = { email: t.platform.portal.firstAdmin!.email, password: t.platform.portal.firstAdmin!.password };
  return {
    ...t,
    upstream,
    browser,
    admin,
    /** The portal API as the admin (a signed-in PortalClient), for setup the test does not click through. */
    api: t.admin,
    portalUrl: t.platform.portalUrl,
    gatewayUrl: t.platform.gatewayUrl,
    publishAiService: (o: Omit<Parameters<typeof publishAiService>[1], 'upstreamUrl' | 'upstreamKey'>) => publishAiService(t.admin, { upstreamUrl: upstream.url, upstreamKey: 'sk-up', ...o }),
    createConsumer: (slug?: string) => createConsumer(t.admin, slug),
    async close() {
      await browser.close();
      await t.close();
      await upstream.close();
    },
  };
}

export type WebPlatform = Awaited<ReturnType<typeof startWebPlatform>>;
