import type {
  AppId,
  PlanId,
  ProviderId,
  ServiceId,
  SnapshotApp,
  SnapshotData,
  SnapshotKey,
  SnapshotModelRoute,
  SnapshotPlan,
  SnapshotPrompt,
  SnapshotProvider,
  SnapshotService,
  SnapshotSubscription,
  SnapshotWorkloadCredential,
} from '@tollgate/domain';
import { compilePrompt, type CompiledPrompt } from '@tollgate/prompts';
import { buildJwtIndex, type JwtIndex } from '../identity/jwt-index';
import { compileRestRoutes, type RestRouteTable } from '../rest/route-table';

/** A prompt API ready to serve: its validators compiled once per snapshot, off the request path. */
export interface ServedPrompt {
  prompt: SnapshotPrompt;
  service: SnapshotService;
  compiled: CompiledPrompt;
}

/** A snapshot indexed for constant-time lookups on the request path. Built once per revision, never mutated. */
export interface GatewayConfig {
  readonly revision: number;
  readonly keysByHash: ReadonlyMap<string, SnapshotKey>;
  readonly apps: ReadonlyMap<AppId, SnapshotApp>;
  readonly services: ReadonlyMap<ServiceId, SnapshotService>;
  readonly plans: ReadonlyMap<PlanId, SnapshotPlan>;
  readonly subscriptionsByApp: ReadonlyMap<AppId, ReadonlyMap<ServiceId, SnapshotSubscription>>;
  readonly providers: ReadonlyMap<ProviderId, SnapshotProvider>;
  /** Public model name → the services exposing it (several teams may publish the same name). */
  readonly modelRoutesByName: ReadonlyMap<string, readonly SnapshotModelRoute[]>;
  /** Service → the models it exposes, for `/v1/models`. */
  readonly modelRoutesByService: ReadonlyMap<ServiceId, readonly SnapshotModelRoute[]>;
  readonly providersByName: ReadonlyMap<string, SnapshotProvider>;
  /** Services offering direct `<provider>/<model>` names → the providers their routes use. */
  readonly directProvidersByService: ReadonlyMap<ServiceId, ReadonlySet<ProviderId>>;
  /** `/<service slug><prompt path>` → the prompt API served there. */
  readonly promptsByPath: ReadonlyMap<string, ServedPrompt>;
  /** REST services by host and slug, each with its APIs compiled into a segment trie. */
  readonly rest: RestRouteTable;
  /** Apps' JWT credentials by issuer; building it starts fetching any JWKS the process does not hold yet. */
  readonly jwt: JwtIndex;
  /** Apps' workload credentials by SPIFFE ID (ADR 0033); changed by deltas, so a layered map after one. */
  readonly workloads: ReadonlyMap<string, SnapshotWorkloadCredential>;
}

const byId = <T extends { id: string }>(rows: readonly T[]) => new Map(rows.map((r) => [r.id, r] as const));

export function indexSnapshot(data: SnapshotData): GatewayConfig {
  const subscriptionsByApp = new Map<AppId, Map<ServiceId, SnapshotSubscription>>();
  for (const sub of data.subscriptions) {
    let forApp = subscriptionsByApp.get(sub.appId);
    if (!forApp) subscriptionsByApp.set(sub.appId, (forApp = new Map()));
    forApp.set(sub.serviceId, sub);
  }
  const modelRoutesByName = groupBy(data.modelRoutes, (r) => r.name);
  const modelRoutesByService = groupBy(data.modelRoutes, (r) => r.serviceId);
  const directProvidersByService = new Map<ServiceId, Set<ProviderId>>();
  for (const service of data.services) {
    if (!service.directModels) continue;
    const used = new Set((modelRoutesByService.get(service.id) ?? []).flatMap((r) => r.targets.map((t) => t.providerId)));
    directProvidersByService.set(service.id, used);
  }
  return {
    revision: data.revision,
    keysByHash: new Map(data.keys.map((k) => [k.hash, k])),
    apps: byId(data.apps) as Map<AppId, SnapshotApp>,
    services: byId(data.services) as Map<ServiceId, SnapshotService>,
    plans: byId(data.plans) as Map<PlanId, SnapshotPlan>,
    subscriptionsByApp,
    providers: byId(data.providers) as Map<ProviderId, SnapshotProvider>,
    modelRoutesByName,
    modelRoutesByService,
    providersByName: new Map(data.providers.map((p) => [p.name, p])),
    directProvidersByService,
    promptsByPath: indexPrompts(data),
    rest: compileRestRoutes(data),
    jwt: buildJwtIndex(data.jwtCredentials ?? []),
    workloads: new Map((data.workloadCredentials ?? []).map((w) => [w.spiffeId, w])),
  };
}

function indexPrompts(data: SnapshotData): Map<string, ServedPrompt> {
  const services = byId(data.services) as Map<ServiceId, SnapshotService>;
  const served = new Map<string, ServedPrompt>();
  for (const prompt of data.prompts ?? []) {
    const service = services.get(prompt.serviceId);
    if (!service) continue;
    try {
      served.set(`/${service.slug}${prompt.path}`, { prompt, service, compiled: compilePrompt(prompt.spec) });
    } catch {
      // The portal checks every spec before storing it; one that still fails to compile is not served.
    }
  }
  return served;
}

function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const list = groups.get(key(row));
    if (list) list.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}
