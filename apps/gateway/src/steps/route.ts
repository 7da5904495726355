import type { SnapshotModelRoute, SnapshotService } from '@tollgate/domain';
import type { GatewayConfig } from '../snapshot/gateway-config';

export interface ModelCandidate {
  route: SnapshotModelRoute;
  service: SnapshotService;
}

/**
 * The route step for AI calls: the services that expose `model`, from the snapshot's index. Draft services
 * are not served; retired ones stay so that a caller subscribed only to them gets a 410, not a misleading 404.
 * A name with no route of its own may be `<provider name>/<provider model>`, offered by services that allow
 * direct models for the providers they route to.
 */
export function routesForModel(config: GatewayConfig, model: string): ModelCandidate[] {
  const found: ModelCandidate[] = [];
  for (const route of config.modelRoutesByName.get(model) ?? []) {
    const service = config.services.get(route.serviceId);
    if (service && service.lifecycle !== 'draft') found.push({ route, service });
  }
  return found.length > 0 ? found : directRoutes(config, model);
}

function directRoutes(config: GatewayConfig, model: string): ModelCandidate[] {
  const slash = model.indexOf('/');
  if (slash <= 0 || slash === model.length - 1) return [];
  const provider = config.providersByName.get(model.slice(0, slash));
  if (!provider) return [];
  const found: ModelCandidate[] = [];
  for (const [serviceId, providers] of config.directProvidersByService) {
    const service = config.services.get(serviceId);
    if (!service || service.lifecycle === 'draft' || !providers.has(provider.id)) continue;
    found.push({ service, route: { serviceId, name: model, targets: [{ providerId: provider.id, model: model.slice(slash + 1) }] } });
  }
  return found;
}
