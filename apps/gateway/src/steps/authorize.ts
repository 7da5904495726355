import {
  subscriptionRefusals,
  type SnapshotApp,
  type SnapshotModelRoute,
  type SnapshotPlan,
  type SnapshotService,
  type SnapshotSubscription,
} from '@tollgate/domain';
import type { GatewayConfig } from '../snapshot/gateway-config';
import { GatewayError } from '../errors';

export interface AuthorizedModel {
  route: SnapshotModelRoute;
  service: SnapshotService;
  subscription: SnapshotSubscription;
  plan: SnapshotPlan;
}

/**
 * The route step for AI calls: the published services that expose `model`. Draft services are not served;
 * retired ones stay visible here so the caller gets a 410 rather than a misleading 404.
 */
export function routesForModel(config: GatewayConfig, model: string): Array<{ route: SnapshotModelRoute; service: SnapshotService }> {
  const found: Array<{ route: SnapshotModelRoute; service: SnapshotService }> = [];
  for (const route of config.modelRoutesByName.get(model) ?? []) {
    const service = config.services.get(route.serviceId);
    if (service && service.lifecycle !== 'draft') found.push({ route, service });
  }
  return found;
}

/**
 * The authorize step: the app needs an approved subscription to a service that offers the model. Every
 * refusal names the reason and the next step (DESIGN §6: never a bare "Forbidden").
 */
export function authorizeModel(config: GatewayConfig, app: SnapshotApp, model: string): AuthorizedModel {
  const candidates = routesForModel(config, model);
  if (candidates.length === 0) {
    throw new GatewayError(404, 'invalid_request_error', 'model_not_found', `The model '${model}' does not exist or no published service offers it.`, 'model');
  }
  const subscriptions = config.subscriptionsByApp.get(app.id);
  let refused: { sub: SnapshotSubscription; service: SnapshotService } | null = null;
  for (const { route, service } of candidates) {
    const sub = subscriptions?.get(service.id);
    if (!sub) continue;
    if (sub.state === 'approved') {
      if (service.lifecycle === 'retired') {
        throw new GatewayError(410, 'invalid_request_error', 'service_retired', `The service '${service.name}' offering '${model}' has been retired and no longer answers calls.`);
      }
      const plan = config.plans.get(sub.planId);
      if (!plan) continue;
      return { route, service, subscription: sub, plan };
    }
    refused ??= { sub, service };
  }
  if (refused) {
    const { sub, service } = refused;
    const state = sub.state as Exclude<typeof sub.state, 'approved'>;
    throw new GatewayError(
      403,
      'permission_error',
      `subscription_${state}`,
      `App '${app.name}' cannot call '${model}': its subscription to service '${service.name}' is ${subscriptionRefusals[state].state}. ${subscriptionRefusals[state].next}`,
    );
  }
  const names = candidates.map((c) => `'${c.service.name}'`).join(', ');
  throw new GatewayError(
    403,
    'permission_error',
    'not_subscribed',
    `App '${app.name}' is not subscribed to a service offering '${model}'. Subscribe to ${names} in the portal.`,
  );
}
