import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { newId } from '@tollgate/domain';
import type { PortalContext, PortalDeps, PortalEnv } from './context';
import { createChangeCommitter } from './changes/commit-change';
import { ApiError, renderApiError } from './http/errors';
import { loadActor, sessionCookieName } from './auth/sessions';
import { authRoutes } from './auth/routes';
import { mountResourceRoutes } from './routes';
import { internalRoutes } from './snapshot/internal-routes';

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

export function createPortalApp(deps: PortalDeps) {
  const ctx: PortalContext = {
    ...deps,
    commitChange: createChangeCommitter(deps.db, () => deps.publisher.configChanged()),
  };
  const app = new Hono<PortalEnv>();

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && requestIdPattern.test(incoming) ? incoming : newId('request');
    c.set('requestId', requestId);
    c.set('logger', deps.logger);
    c.header('x-request-id', requestId);
    const token = getCookie(c, sessionCookieName);
    c.set('actor', token ? (loadActor(deps.db, token) ?? undefined) : undefined);
    await next();
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.route('/api/auth', authRoutes(ctx));
  app.route('/api/internal', internalRoutes(ctx));
  mountResourceRoutes(app, ctx);

  app.notFound((c) => renderApiError(new ApiError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}`), c));
  app.onError((err, c) => renderApiError(err, c));
  return app;
}
