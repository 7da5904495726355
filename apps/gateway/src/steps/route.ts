import type { SnapshotModelRoute, SnapshotService } from '@tollgate/domain';
import type { GatewayConfig } from '../snapshot/gateway-config';

export interface ModelCandidate {
  route: SnapshotModelRoute;
  service: SnapshotService;
}

/**
 * The route step for AI calls: the services that expose `model`, from the snapshot's index. Draft services
 * are not served; retired ones stay so that a caller subscribed only to them gets a 410, not a misleading 404.
 */
export function routesForModel(config: GatewayConfig, model: string): ModelCandidate[] {
  const found: ModelCandidate[] = [];
  for (const route of config.modelRoutesByName.get(model) ?? []) {
    const service = config.services.get(route.serviceId);
    if (service && service.lifecycle !== 'draft') found.push({ route, service });
  }
  return found;
}
