import type { ServiceId, SnapshotModelRoute, SnapshotService } from '@tollgate/domain';
import type { GatewayConfig } from '../snapshot/gateway-config';

export interface ModelCandidate {
  route: SnapshotModelRoute;
  service: SnapshotService;
}

/** The services offering one model name, in the snapshot's order, and each one's place in that order. */
export interface ModelCandidates {
  list: readonly ModelCandidate[];
  positionOf: ReadonlyMap<ServiceId, number>;
}

const none: ModelCandidates = { list: [], positionOf: new Map() };

/**
 * Per snapshot, per name, made on the name's first call: a name that 200 services offer (many teams wrap the
 * same model) cost each call 200 objects and 200 lookups before (`npm run bench:scale`, ADR 0030). Keyed by the
 * config object, so a new revision starts afresh and an old one is collected with it.
 */
const candidatesByConfig = new WeakMap<GatewayConfig, Map<string, ModelCandidates>>();

/**
 * The route step for AI calls: the services that expose `model`, from the snapshot's index. Draft services
 * are not served; retired ones stay so that a caller subscribed only to them gets a 410, not a misleading 404.
 * A name with no route of its own may be `<provider name>/<provider model>`, offered by services that allow
 * direct models for the providers they route to.
 */
export function routesForModel(config: GatewayConfig, model: string): ModelCandidates {
  let byName = candidatesByConfig.get(config);
  if (!byName) candidatesByConfig.set(config, (byName = new Map()));
  const known = byName.get(model);
  if (known) return known;
  const list: ModelCandidate[] = [];
  for (const route of config.modelRoutesByName.get(model) ?? []) {
    const service = config.services.get(route.serviceId);
    if (service && service.lifecycle !== 'draft') list.push({ route, service });
  }
  // Only names the snapshot routes are kept: callers choose the rest, and must not grow the cache.
  if (list.length === 0) return indexed(directRoutes(config, model));
  const found = indexed(list);
  byName.set(model, found);
  return found;
}

function indexed(list: ModelCandidate[]): ModelCandidates {
  if (list.length === 0) return none;
  return { list, positionOf: new Map(list.map((c, i) => [c.service.id, i])) };
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
