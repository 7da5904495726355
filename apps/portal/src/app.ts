import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { requestIdFrom } from '@tollgate/domain';
import { MemoryLimiter } from '@tollgate/limiter';
import type { PortalContext, PortalDeps, PortalEnv } from './context';
import { createChangeCommitter } from './changes/commit-change';
import { ApiError, payloadTooLarge, renderApiError } from './http/errors';
import { loadActor, sessionCookieName } from './auth/sessions';
import { authRoutes } from './auth/routes';
import { mountResourceRoutes } from './routes';
import { internalRoutes } from './snapshot/internal-routes';
import { sameOriginWrites } from './http/same-origin';
import { defaultWebDir, webSite } from './web/site';

/** The portal app; `close()` stops what it owns (the sign-in limiter's sweep timer). */
export function createPortalApp(deps: PortalDeps) {
  const loginLimiter = new MemoryLimiter();
  const ctx: PortalContext = {
    ...deps,
    commitChange: createChangeCommitter(deps.db, (changes) => deps.publisher.configChanged(changes), deps.changeListeners, deps.transactionalChangeListeners),
    loginLimiter,
  };
  const app = new Hono<PortalEnv>();

  app.use('*', async (c, next) => {
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    c.set('logger', deps.logger);
    c.header('x-request-id', requestId);
    // A request on a connection kept alive from before SIGTERM: refused, and the connection closes with it.
    if (c.env?.draining) throw new ApiError(503, 'portal_stopping', 'The portal is stopping; send the request again.');
    const token = getCookie(c, sessionCookieName);
    c.set('actor', token ? ((await loadActor(deps.db, token)) ?? undefined) : undefined);
    await next();
  });

  const { maxBodyBytes } = deps.settings;
  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw payloadTooLarge(maxBodyBytes);
    },
  });
  // Counts the bytes as they arrive, so a chunked body without content-length is cut off too. The internal
  // channel sets its own, larger limit after checking the gateway's token (see internal-routes.ts).
  app.use('/api/*', (c, next) => (c.req.path.startsWith('/api/internal/') ? next() : limitBody(c, next)));
  app.use('/api/*', sameOriginWrites);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.route('/api/auth', authRoutes(ctx));
  app.route('/api/internal', internalRoutes(ctx));
  mountResourceRoutes(app, ctx);
  // The web app: after every API route, so `/api/...` never reaches it.
  app.use('*', webSite(deps.settings.webDir ?? defaultWebDir));

  app.notFound((c) => renderApiError(new ApiError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}`), c));
  app.onError((err, c) => renderApiError(err, c));
  return Object.assign(app, { close: () => loginLimiter.close() });
}
