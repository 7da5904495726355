import { Hono } from 'hono';
import type { PortalContext, PortalEnv, PortalSettings } from '../context';
import { requireSignedIn } from '../access/policy';

/** What the web app needs to know of the platform around the portal: where developers call the gateway. */
export const platformView = (settings: PortalSettings) => ({
  /** null when the portal was not told (a portal on its own without TOLLGATE_PUBLIC_GATEWAY_URL). */
  gatewayUrl: settings.publicGatewayUrl?.() ?? null,
});

export function platformRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  // Signed in only: the address is no secret, but nothing about the installation is told to strangers.
  app.get('/platform', (c) => {
    requireSignedIn(c.get('actor'));
    return c.json(platformView(ctx.settings));
  });
  return app;
}
