import type { SnapshotRestService, SnapshotUpstream } from '@tollgate/domain';
import { restDefaults } from '@tollgate/domain';
import type { RequestFacts } from './contract';

interface CompiledTraffic {
  byName: Map<string, SnapshotUpstream>;
  split: SnapshotUpstream[];
  /** Running totals of the split weights, for one draw per call. */
  cumulative: Float64Array;
  total: number;
  fallback: SnapshotUpstream;
  pinHeader: string | undefined;
  pinCookie: string | undefined;
  mirror: { upstream: SnapshotUpstream; percent: number } | null;
}

/**
 * A service without upstreams cannot be configured through the portal, but a snapshot is data from elsewhere:
 * answer with an upstream that has no nodes, so `lease` returns null and the caller gets the 503 that names the
 * service instead of a crash.
 */
const NO_UPSTREAM: SnapshotUpstream = Object.freeze({
  name: '',
  nodes: [],
  balancer: restDefaults.balancer,
  healthCheck: null,
  outlier: restDefaults.outlier,
  timeouts: restDefaults.timeouts,
  retries: restDefaults.retries,
  credential: null,
  hostHeader: null,
});

/**
 * Traffic split, pin and mirror of a service, compiled once per snapshot object. Keyed by the object itself
 * (a WeakMap), so a call still holding an older snapshot gets that snapshot's policy and nothing leaks.
 */
export class TrafficRouter {
  readonly #compiled = new WeakMap<SnapshotRestService, CompiledTraffic>();

  constructor(readonly random: () => number) {}

  pickUpstream(rest: SnapshotRestService, request: RequestFacts): SnapshotUpstream {
    const traffic = this.#compile(rest);
    if (traffic.pinHeader !== undefined) {
      const pinned = pinOf(traffic, request.header(traffic.pinHeader));
      if (pinned) return pinned;
    }
    if (traffic.pinCookie !== undefined) {
      const pinned = pinOf(traffic, request.cookie(traffic.pinCookie));
      if (pinned) return pinned;
    }
    if (traffic.total <= 0) return traffic.fallback;
    const draw = this.random() * traffic.total;
    const cumulative = traffic.cumulative;
    for (let i = 0; i < cumulative.length; i++) if (draw < cumulative[i]!) return traffic.split[i]!;
    return traffic.split[traffic.split.length - 1]!;
  }

  mirrorTarget(rest: SnapshotRestService): SnapshotUpstream | null {
    const mirror = this.#compile(rest).mirror;
    if (mirror === null) return null;
    return this.random() * 100 < mirror.percent ? mirror.upstream : null;
  }

  #compile(rest: SnapshotRestService): CompiledTraffic {
    let compiled = this.#compiled.get(rest);
    if (!compiled) this.#compiled.set(rest, (compiled = compileTraffic(rest)));
    return compiled;
  }
}

function pinOf(traffic: CompiledTraffic, value: string | undefined): SnapshotUpstream | undefined {
  return value === undefined ? undefined : traffic.byName.get(value.trim());
}

export function compileTraffic(rest: SnapshotRestService): CompiledTraffic {
  const byName = new Map<string, SnapshotUpstream>();
  for (const upstream of rest.upstreams) if (!byName.has(upstream.name)) byName.set(upstream.name, upstream);
  const split: SnapshotUpstream[] = [];
  const totals: number[] = [];
  let total = 0;
  for (const entry of rest.traffic.split) {
    const upstream = byName.get(entry.upstream);
    // Unknown names and non-positive weights take no share; the others keep their proportions.
    if (!upstream || !(entry.weight > 0)) continue;
    total += entry.weight;
    split.push(upstream);
    totals.push(total);
  }
  const fallback = byName.get('default') ?? rest.upstreams[0] ?? NO_UPSTREAM;
  const mirrorConfig = rest.traffic.mirror;
  const mirrorUpstream = mirrorConfig ? byName.get(mirrorConfig.upstream) : undefined;
  return {
    byName,
    split,
    cumulative: Float64Array.from(totals),
    total,
    fallback,
    pinHeader: rest.traffic.pin?.header || undefined,
    pinCookie: rest.traffic.pin?.cookie || undefined,
    mirror: mirrorUpstream && mirrorConfig!.percent > 0 ? { upstream: mirrorUpstream, percent: mirrorConfig!.percent } : null,
  };
}
