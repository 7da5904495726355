import type { Hono } from 'hono';
import type { PortalContext, PortalEnv } from './context';
import { analyticsRoutes } from './analytics/routes';
import { appRoutes } from './apps/routes';
import { auditRoutes } from './audit/routes';
import { callRecordRoutes } from './call-records/routes';
import { invitationRoutes } from './invitations/routes';
import { planRoutes } from './plans/routes';
import { platformRoutes } from './platform/routes';
import { promptRoutes } from './prompts/routes';
import { promptVersionRoutes } from './prompts/version-routes';
import { promptTestRunRoutes } from './prompts/test-run';
import { providerRoutes } from './providers/routes';
import { releaseRoutes } from './releases/routes';
import { restRoutes } from './rest/routes';
import { meshRoutes } from './mesh/routes';
import { lifecycleRoutes } from './services/lifecycle';
import { modelRouteRoutes } from './services/models';
import { notificationRoutes } from './notifications/routes';
import { apiRoutes } from './services/apis';
import { openapiRoutes } from './services/openapi';
import { serviceRoutes } from './services/routes';
import { decisionRoutes } from './subscriptions/decisions';
import { planChangeRoutes } from './subscriptions/plan-change';
import { subscriptionRoutes } from './subscriptions/routes';
import { teamRoutes } from './teams/routes';
import { userRoutes } from './users/routes';
import { webhookRoutes } from './webhooks/routes';

/**
 * The portal's resource API under /api. Each module declares its full paths (`/teams/:teamId/apps`), so a
 * route is found by grepping for its path, and `security.test.ts` checks every one of them from `app.routes`.
 */
export function mountResourceRoutes(app: Hono<PortalEnv>, ctx: PortalContext): void {
  for (const routes of [
    userRoutes,
    teamRoutes,
    invitationRoutes,
    providerRoutes,
    serviceRoutes,
    apiRoutes,
    openapiRoutes,
    meshRoutes,
    restRoutes,
    modelRouteRoutes,
    promptRoutes,
    promptVersionRoutes,
    promptTestRunRoutes,
    lifecycleRoutes,
    releaseRoutes,
    planRoutes,
    appRoutes,
    subscriptionRoutes,
    decisionRoutes,
    planChangeRoutes,
    callRecordRoutes,
    analyticsRoutes,
    auditRoutes,
    webhookRoutes,
    notificationRoutes,
    platformRoutes,
  ]) {
    app.route('/api', routes(ctx));
  }
}
