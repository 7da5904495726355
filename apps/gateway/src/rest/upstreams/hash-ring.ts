import type { BalancerPolicy } from '@tollgate/domain';
import type { RequestFacts } from './contract';
import type { SmoothRoundRobin } from './smooth-round-robin';
import type { Balancer, UpstreamPool } from './upstream-pool';

/** Points per unit of weight: ketama's 160 keeps each node's share within a few percent of its weight. */
const POINTS_PER_WEIGHT = 160;
/** Bounds memory and build time for upstreams with large weights (two 4-byte arrays per point). */
const MAX_POINTS = 16_384;

/**
 * 32-bit FNV-1a with murmur3's finaliser: FNV alone leaves the high bits of short, similar strings (`url#1`,
 * `url#2`) clustered, which would bunch a node's ring points together.
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A consistent-hash ring. A node's points are derived from its own URL and replica number only, so adding or
 * removing a node moves only the keys that land on that node's points; everything else stays where it was.
 */
export class HashRing {
  readonly points: Uint32Array;
  readonly owners: Uint32Array;

  constructor(nodes: ReadonlyArray<{ url: string; weight: number }>) {
    const totalWeight = nodes.reduce((sum, node) => sum + node.weight, 0);
    const scale = Math.min(POINTS_PER_WEIGHT, totalWeight > 0 ? MAX_POINTS / totalWeight : 0);
    const entries: Array<{ point: number; owner: number; url: string }> = [];
    nodes.forEach((node, owner) => {
      const count = Math.max(1, Math.round(node.weight * scale));
      for (let replica = 0; replica < count; replica++) entries.push({ point: hash32(`${node.url}#${replica}`), owner, url: node.url });
    });
    // Equal points are ordered by URL so that every gateway builds the same ring from the same nodes.
    entries.sort((a, b) => a.point - b.point || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    this.points = Uint32Array.from(entries, (e) => e.point);
    this.owners = Uint32Array.from(entries, (e) => e.owner);
  }

  /** The first usable owner clockwise from `hash` (O(log n) to land, then a short walk past unusable nodes). */
  lookup(hash: number, pool: UpstreamPool, exclude: ReadonlySet<string>): number {
    const points = this.points;
    const length = points.length;
    if (length === 0) return -1;
    let lo = 0;
    let hi = length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    if (pool.allUsable(exclude)) return this.owners[lo === length ? 0 : lo]!;
    for (let step = 0; step < length; step++) {
      const owner = this.owners[(lo + step) % length]!;
      if (pool.usable(owner, exclude)) return owner;
    }
    return -1;
  }
}

type HashPolicy = Extract<BalancerPolicy, { type: 'hash' }>;

/** Sticky balancing on a header, a cookie or the client address; calls without the key go round robin. */
export class ConsistentHash implements Balancer {
  readonly #ring: HashRing;
  readonly #fallback: SmoothRoundRobin;
  readonly #policy: HashPolicy;

  constructor(ring: HashRing, fallback: SmoothRoundRobin, policy: HashPolicy) {
    this.#ring = ring;
    this.#fallback = fallback;
    this.#policy = policy;
  }

  pick(pool: UpstreamPool, request: RequestFacts, exclude: ReadonlySet<string>): number {
    const key = hashKey(this.#policy, request);
    if (key === undefined || key === '') return this.#fallback.pick(pool, request, exclude);
    if (pool.availableCount === 0) return -1;
    return this.#ring.lookup(hash32(key), pool, exclude);
  }
}

function hashKey(policy: HashPolicy, request: RequestFacts): string | undefined {
  if (policy.on === 'ip') return request.clientIp;
  if (!policy.name) return undefined;
  return policy.on === 'header' ? request.header(policy.name) : request.cookie(policy.name);
}
