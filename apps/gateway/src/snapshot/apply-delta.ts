import type { AppId, ServiceId, SnapshotDelta, SnapshotSubscription } from '@tollgate/domain';
import type { GatewayConfig } from './gateway-config';
import { LayeredMap } from './layered-map';

/**
 * The config at `delta.to`, made from `config` (at `delta.from`) without rebuilding its big maps (ADR 0032):
 * keys, apps, the changed apps' subscriptions and workload credentials go into the layered maps' overlays;
 * every other index is shared. A new object, so requests holding `config` keep seeing one revision. Throws on a delta that does not
 * start at `config`'s revision: the caller installs the full snapshot instead.
 */
export function applyDelta(config: GatewayConfig, delta: SnapshotDelta): GatewayConfig {
  if (delta.from !== config.revision) throw new Error(`delta from revision ${delta.from} cannot apply to revision ${config.revision}`);
  // The changed apps' subscription maps, rebuilt whole: they hold one entry per service the app subscribes to.
  const changed = new Map<AppId, Map<ServiceId, SnapshotSubscription>>();
  const forApp = (appId: AppId) => {
    let map = changed.get(appId);
    if (!map) changed.set(appId, (map = new Map(config.subscriptionsByApp.get(appId) ?? [])));
    return map;
  };
  for (const { appId, serviceId } of delta.subscriptions.remove) forApp(appId).delete(serviceId);
  for (const sub of delta.subscriptions.put) forApp(sub.appId).set(sub.serviceId, sub);
  // As indexSnapshot does, an app without subscriptions has no entry.
  const emptied = [...changed].flatMap(([appId, map]) => (map.size ? [] : [appId]));
  return {
    ...config,
    revision: delta.to,
    keysByHash: LayeredMap.withChanges(
      config.keysByHash,
      delta.keys.put.map((k) => [k.hash, k] as const),
      delta.keys.remove,
    ),
    apps: LayeredMap.withChanges(
      config.apps,
      delta.apps.put.map((a) => [a.id, a] as const),
      delta.apps.remove,
    ),
    subscriptionsByApp: LayeredMap.withChanges<AppId, ReadonlyMap<ServiceId, SnapshotSubscription>>(
      config.subscriptionsByApp,
      [...changed].filter(([, map]) => map.size > 0),
      emptied,
    ),
    // Absent from an older portal's delta: nothing of them changed that it could say.
    workloads: delta.workloadCredentials
      ? LayeredMap.withChanges(
          config.workloads,
          delta.workloadCredentials.put.map((w) => [w.spiffeId, w] as const),
          delta.workloadCredentials.remove,
        )
      : config.workloads,
  };
}
