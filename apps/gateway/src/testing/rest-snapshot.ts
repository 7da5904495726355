import { createHash } from 'node:crypto';
import {
  apiRestDefaults,
  upstreamDefaults,
  type ApiId,
  type CorsPolicy,
  type LifecycleState,
  type PlanLimits,
  type SnapshotData,
  type SnapshotRestApi,
  type SnapshotUpstream,
  type TrafficPolicy,
} from '@tollgate/domain';
import { testKeys, testSnapshot, type TestSnapshotOptions } from './test-snapshot';

/** Keys of the REST test snapshot: `testKeys` (approved, pending, unsubscribed) plus an app of another team. */
export const restKeys = { ...testKeys, otherTeam: 'tg_test_key_otherteam_001' };
export const restIds = {
  service: 'svc_pets0000000',
  plan: 'plan_pets000000',
  subscription: 'sub_pets0000000',
  app: 'app_approved000000000',
  team: 'team_consumer00',
  otherApp: 'app_other00000000000',
} as const;

export type TestUpstream = Partial<SnapshotUpstream> & { name: string; nodes: SnapshotUpstream['nodes'] };
export type TestApi = Partial<SnapshotRestApi> & { path: string };

export interface RestSnapshotOptions {
  upstreams: TestUpstream[];
  apis: TestApi[];
  traffic?: Partial<TrafficPolicy>;
  hosts?: string[];
  cors?: CorsPolicy | null;
  keyLocations?: { header: string | null; query: string | null };
  lifecycle?: LifecycleState;
  deprecatedAt?: number;
  sunsetAt?: number;
  planLimits?: PlanLimits;
  /** Fields to redact when body capture is on; unset, capture is off. */
  capture?: string[];
  slug?: string;
  /** Options of the AI part (its provider, prompt APIs). */
  ai?: Partial<TestSnapshotOptions>;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export function upstreamOf(u: TestUpstream): SnapshotUpstream {
  return { ...upstreamDefaults(), ...u };
}

export function apiOf(a: TestApi, i: number): SnapshotRestApi {
  return {
    id: `api_test${String(i).padStart(8, '0')}` as ApiId,
    serviceId: restIds.service,
    name: `api ${i}`,
    methods: ['GET'],
    ...apiRestDefaults(),
    ...a,
  };
}

/**
 * The AI test snapshot plus one REST service, `pets` (team `publishers`), as the portal would compile it: the
 * approved app subscribed to it on plan `pets-basic`, the pending app with a pending subscription, the
 * unsubscribed app and another team's app with none.
 */
export function restSnapshot(o: RestSnapshotOptions): SnapshotData {
  const data = testSnapshot({ providerUrl: 'http://127.0.0.1:9/v1', ...o.ai });
  data.apps.push({ id: restIds.otherApp, teamId: 'team_othersss00', name: 'other team app' });
  data.keys.push({ id: 'key_other000000', appId: restIds.otherApp, hash: sha(restKeys.otherTeam), prefix: restKeys.otherTeam.slice(0, 12), expiresAt: null });
  data.services.push({
    id: restIds.service,
    teamId: 'team_publisher0',
    teamSlug: 'publishers',
    slug: o.slug ?? 'pets',
    name: 'Pets',
    kind: 'rest',
    lifecycle: o.lifecycle ?? 'published',
    deprecatedAt: o.deprecatedAt ?? null,
    sunsetAt: o.sunsetAt ?? null,
    ...(o.capture ? { capture: { redact: o.capture } } : {}),
  });
  data.plans.push({ id: restIds.plan, serviceId: restIds.service, name: 'pets-basic', limits: o.planLimits ?? {} });
  data.subscriptions.push(
    { id: restIds.subscription, appId: restIds.app, serviceId: restIds.service, planId: restIds.plan, state: 'approved' },
    { id: 'sub_petspending', appId: 'app_pending000000000', serviceId: restIds.service, planId: restIds.plan, state: 'pending' },
  );
  const upstreams = o.upstreams.map(upstreamOf);
  data.restServices = [
    {
      serviceId: restIds.service,
      hosts: o.hosts ?? [],
      upstreams,
      traffic: { split: [{ upstream: upstreams[0]!.name, weight: 100 }], pin: null, mirror: null, ...o.traffic },
      cors: o.cors ?? null,
      keyLocations: o.keyLocations ?? { header: null, query: null },
    },
  ];
  data.restApis = o.apis.map(apiOf);
  return data;
}
