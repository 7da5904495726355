import { isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import { appCredentials } from '@tollgate/db';
import type { LifecycleState, ReleaseId, ServiceId, ServiceKind, SnapshotJwtCredential, SnapshotRestApi, SnapshotRestService, TrafficPolicy } from '@tollgate/domain';
import type { Reader } from '../changes/tx';
import type { ReleaseConfig } from '../releases/config';
import type { SecretBox } from '../secrets/secret-box';
import { defaultApiRest } from './api-settings';
import { defaultUpstream } from './service-schemas';
import { credentialKey, openCredentials } from './upstream-credentials';

interface ServiceForRest {
  id: ServiceId;
  kind: ServiceKind;
  lifecycle: LifecycleState;
  liveReleaseId: ReleaseId | null;
}

/** Deprecated and retired services stay in: the gateway announces the sunset, or answers 410, by name. */
const servedLifecycles: readonly LifecycleState[] = ['published', 'deprecated', 'retired'];

/** With no split set, every call goes to `default` (ADR 0018); the gateway is told so, not left to guess. */
function servedTraffic(traffic: TrafficPolicy, upstreams: readonly { name: string }[]): TrafficPolicy {
  if (traffic.split.length || !upstreams.some((u) => u.name === defaultUpstream)) return traffic;
  return { ...traffic, split: [{ upstream: defaultUpstream, weight: 1 }] };
}

/**
 * The REST part of the snapshot: each served REST service's proxy settings and APIs from its live release
 * (never the working copy), upstream credentials opened and attached by upstream name, and every app's
 * unrevoked JWT credentials. Runs inside the snapshot's read transaction.
 */
export async function compileRest(
  tx: Reader,
  secrets: SecretBox,
  serviceRows: readonly ServiceForRest[],
  live: ReadonlyMap<ReleaseId, { config: ReleaseConfig }>,
  logger?: Pick<Logger, 'error'>,
): Promise<{ restServices: SnapshotRestService[]; restApis: SnapshotRestApi[]; jwtCredentials: SnapshotJwtCredential[] }> {
  const served = serviceRows.flatMap((s) => {
    const release = s.kind === 'rest' && s.liveReleaseId && servedLifecycles.includes(s.lifecycle) ? live.get(s.liveReleaseId) : undefined;
    return release?.config.rest ? [{ serviceId: s.id, config: release.config, rest: release.config.rest }] : [];
  });
  const credentials = await openCredentials(tx, secrets, served.map((s) => s.serviceId), logger);
  const restServices = served.map(({ serviceId, rest }): SnapshotRestService => ({
    serviceId,
    hosts: rest.hosts,
    upstreams: rest.upstreams.map((u) => ({ ...u, credential: credentials.get(credentialKey(serviceId, u.name)) ?? null })),
    traffic: servedTraffic(rest.traffic, rest.upstreams),
    cors: rest.cors,
    keyLocations: rest.keyLocations,
  }));
  const restApis = served.flatMap(({ serviceId, config }) =>
    config.apis.map((a): SnapshotRestApi => ({ id: a.id, serviceId, name: a.name, methods: a.methods, path: a.path, ...(a.rest ?? defaultApiRest()) })),
  );
  const jwtRows = await tx.select().from(appCredentials).where(isNull(appCredentials.revokedAt));
  const jwtCredentials = jwtRows.map((c): SnapshotJwtCredential => ({
    id: c.id,
    appId: c.appId,
    issuer: c.issuer,
    jwksUrl: c.jwksUrl,
    keys: c.keys,
    audiences: c.audiences,
    subjectClaim: c.subjectClaim,
    subject: c.subject,
    algorithms: c.algorithms,
  }));
  return { restServices, restApis, jwtCredentials };
}
