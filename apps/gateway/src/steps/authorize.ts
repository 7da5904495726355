import {
  subscriptionRefusals,
  type ServiceId,
  type SnapshotApp,
  type SnapshotModelRoute,
  type SnapshotPlan,
  type SnapshotService,
  type SnapshotSubscription,
} from '@tollgate/domain';
import type { GatewayConfig } from '../snapshot/gateway-config';
import { GatewayError } from '../errors';
import { routesForModel, type ModelCandidate, type ModelCandidates } from './route';

export interface AuthorizedModel {
  route: SnapshotModelRoute;
  service: SnapshotService;
  subscription: SnapshotSubscription;
  plan: SnapshotPlan;
}

/**
 * The authorize step: the app needs an approved subscription to a live service that offers the model. When
 * several services offer it, a live approved one wins over a retired one; every refusal names the reason and
 * the next step (DESIGN §6: never a bare "Forbidden").
 */
export function authorizeModel(config: GatewayConfig, app: SnapshotApp, model: string): AuthorizedModel {
  const candidates = routesForModel(config, model);
  if (candidates.list.length === 0) {
    throw new GatewayError(404, 'invalid_request_error', 'model_not_found', `The model '${model}' does not exist or no published service offers it.`, 'model');
  }
  const subscriptions = config.subscriptionsByApp.get(app.id);
  let retired: SnapshotService | null = null;
  let refused: { sub: SnapshotSubscription; service: SnapshotService } | null = null;
  for (const { route, service, sub } of subscribedCandidates(candidates, subscriptions)) {
    if (sub.state !== 'approved') {
      refused ??= { sub, service };
      continue;
    }
    const plan = config.plans.get(sub.planId);
    if (service.lifecycle === 'retired') retired ??= service;
    else if (plan) return { route, service, subscription: sub, plan };
  }
  if (retired) {
    throw new GatewayError(410, 'invalid_request_error', 'service_retired', `The service '${retired.name}' offering '${model}' has been retired and no longer answers calls.`);
  }
  if (refused) throw refusal(app, model, refused.sub, refused.service);
  throw notSubscribed(app, model, candidates.list);
}

/**
 * The candidates the app has a subscription to, in the candidates' order (which decides between two services
 * offering the name). From whichever side is shorter: an app holds a few subscriptions, a popular name may have
 * hundreds of services.
 */
function subscribedCandidates(
  candidates: ModelCandidates,
  subscriptions: ReadonlyMap<ServiceId, SnapshotSubscription> | undefined,
): Array<ModelCandidate & { sub: SnapshotSubscription }> {
  if (!subscriptions) return [];
  const found: Array<ModelCandidate & { sub: SnapshotSubscription; at: number }> = [];
  if (subscriptions.size < candidates.list.length) {
    for (const [serviceId, sub] of subscriptions) {
      const at = candidates.positionOf.get(serviceId);
      if (at !== undefined) found.push({ ...candidates.list[at]!, sub, at });
    }
    return found.length > 1 ? found.sort((a, b) => a.at - b.at) : found;
  }
  candidates.list.forEach((candidate, at) => {
    const sub = subscriptions.get(candidate.service.id);
    if (sub) found.push({ ...candidate, sub, at });
  });
  return found;
}

/**
 * The authorize step for an API of one service (a prompt API): the same rules as for a model, by service.
 * `what` names the API in messages.
 */
export function authorizeService(config: GatewayConfig, app: SnapshotApp, service: SnapshotService, what: string): { subscription: SnapshotSubscription; plan: SnapshotPlan } {
  const sub = config.subscriptionsByApp.get(app.id)?.get(service.id);
  const plan = sub && config.plans.get(sub.planId);
  if (!sub || !plan) {
    throw new GatewayError(403, 'permission_error', 'not_subscribed', `App '${app.name}' is not subscribed to service '${service.name}', which offers '${what}'. Subscribe to it in the portal.`);
  }
  if (sub.state !== 'approved') throw refusal(app, what, sub, service);
  if (service.lifecycle === 'retired') {
    throw new GatewayError(410, 'invalid_request_error', 'service_retired', `The service '${service.name}' offering '${what}' has been retired and no longer answers calls.`);
  }
  return { subscription: sub, plan };
}

function refusal(app: SnapshotApp, model: string, sub: SnapshotSubscription, service: SnapshotService): GatewayError {
  const words = subscriptionRefusals[sub.state as Exclude<typeof sub.state, 'approved'>];
  return new GatewayError(
    403,
    'permission_error',
    `subscription_${sub.state}`,
    `App '${app.name}' cannot call '${model}': its subscription to service '${service.name}' is ${words.state}. ${words.next}`,
  );
}

function notSubscribed(app: SnapshotApp, model: string, candidates: readonly ModelCandidate[]): GatewayError {
  const names = candidates.map((c) => `'${c.service.name}'`).join(', ');
  return new GatewayError(403, 'permission_error', 'not_subscribed', `App '${app.name}' is not subscribed to a service offering '${model}'. Subscribe to ${names} in the portal.`);
}
