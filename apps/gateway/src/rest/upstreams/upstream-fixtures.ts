import { upstreamDefaults, type ServiceId, type SnapshotRestService, type SnapshotUpstream, type TrafficPolicy } from '@tollgate/domain';
import type { RequestFacts } from './contract';

/** Test builders for the upstream machinery: snapshot pieces with the portal's defaults, request facts, a seeded PRNG. */

export const serviceId = 'svc_upstreams' as ServiceId;

export function upstream(name: string, nodes: Array<string | [string, number]>, overrides: Partial<SnapshotUpstream> = {}): SnapshotUpstream {
  return {
    name,
    nodes: nodes.map((node) => (typeof node === 'string' ? { url: node, weight: 1 } : { url: node[0], weight: node[1] })),
    ...upstreamDefaults(),
    ...overrides,
  };
}

export function service(upstreams: SnapshotUpstream[], traffic: Partial<TrafficPolicy> = {}, id: ServiceId = serviceId): SnapshotRestService {
  return {
    serviceId: id,
    hosts: [],
    upstreams,
    traffic: { split: [], pin: null, mirror: null, ...traffic },
    cors: null,
    keyLocations: { header: null, query: null },
  };
}

export function facts(parts: { headers?: Record<string, string>; cookies?: Record<string, string>; ip?: string } = {}): RequestFacts {
  return {
    header: (name) => parts.headers?.[name.toLowerCase()],
    cookie: (name) => parts.cookies?.[name],
    clientIp: parts.ip ?? '',
  };
}

export const noFacts = facts();
export const none: ReadonlySet<string> = new Set();

/** mulberry32: tiny, seedable, good enough to make distribution tests repeatable. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  };
}
