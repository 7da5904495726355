import type { ServiceId, SnapshotUpstream } from '@tollgate/domain';
import type { RequestFacts } from './contract';
import type { RetryBudget } from './retry-budget';

/**
 * What the gateway knows about one node of one upstream. It outlives snapshots: `install` hands the same object
 * to the rebuilt pool while the node's identity (service, upstream name, URL) is unchanged, so health, ejections
 * and in-flight counts survive a config revision.
 */
export class NodeState {
  inFlight = 0;
  /** By active health checks; a node without checks stays healthy. */
  healthy = true;
  checkPasses = 0;
  checkFailures = 0;
  consecutive5xx = 0;
  consecutiveConnectFailures = 0;
  /** Monotonic ms until which the node is ejected; it returns by itself when the clock passes it. */
  ejectedUntil = 0;
  /** Drives the growing ejection time; decays while the node behaves. */
  timesEjected = 0;

  constructor(
    readonly identity: string,
    readonly url: string,
  ) {}
}

/**
 * Bumped whenever any node's health or ejection changes. Pools compare it with the value they last saw, so a
 * health flip costs one O(n) refresh per pool on its next lease and nothing on the leases after it.
 */
export class AvailabilityEpoch {
  value = 0;
  bump(): void {
    this.value++;
  }
}

export interface Balancer {
  /** The index of the chosen node in `pool.nodes`, or -1 when no node may be used. */
  pick(pool: UpstreamPool, request: RequestFacts, exclude: ReadonlySet<string>): number;
}

/**
 * One upstream of one service as the balancers see it: its nodes in rotation (weight > 0) and a cached view of
 * which of them may take calls, refreshed lazily (on an epoch change, or when the next ejection expires).
 */
export class UpstreamPool {
  readonly nodes: readonly NodeState[];
  readonly weights: readonly number[];
  /** Reused by balancers that must gather candidates, so a degraded pool does not allocate per lease. */
  readonly scratch: Int32Array;
  readonly available: Uint8Array;
  availableCount = 0;
  ejectedCount = 0;
  balancer!: Balancer;
  #seenEpoch = -1;
  #nextChangeAt = Number.POSITIVE_INFINITY;

  constructor(
    readonly serviceId: ServiceId,
    /** The upstream as configured; swapped for an equal one from a newer snapshot without a rebuild. */
    public config: SnapshotUpstream,
    nodes: readonly NodeState[],
    weights: readonly number[],
    readonly budget: RetryBudget,
    readonly epoch: AvailabilityEpoch,
    readonly random: () => number,
  ) {
    this.nodes = nodes;
    this.weights = weights;
    this.scratch = new Int32Array(nodes.length);
    this.available = new Uint8Array(nodes.length);
  }

  refresh(now: number): void {
    if (this.#seenEpoch === this.epoch.value && now < this.#nextChangeAt) return;
    this.#seenEpoch = this.epoch.value;
    let next = Number.POSITIVE_INFINITY;
    let available = 0;
    let ejected = 0;
    for (let i = 0; i < this.nodes.length; i++) {
      const node = this.nodes[i]!;
      const isEjected = node.ejectedUntil > now;
      if (isEjected) {
        ejected++;
        if (node.ejectedUntil < next) next = node.ejectedUntil;
      }
      const ok = node.healthy && !isEjected;
      this.available[i] = ok ? 1 : 0;
      if (ok) available++;
    }
    this.availableCount = available;
    this.ejectedCount = ejected;
    this.#nextChangeAt = next;
  }

  /** Valid after `refresh(now)`. */
  usable(index: number, exclude: ReadonlySet<string>): boolean {
    return this.available[index] === 1 && (exclude.size === 0 || !exclude.has(this.nodes[index]!.url));
  }

  /** The fast path of every balancer: nothing is down and nothing is excluded. */
  allUsable(exclude: ReadonlySet<string>): boolean {
    return exclude.size === 0 && this.availableCount === this.nodes.length;
  }
}

/** What makes two upstream configs need the same balancer: the nodes, their weights and the policy. */
export function structureKey(upstream: SnapshotUpstream): string {
  let key = JSON.stringify(upstream.balancer);
  for (const node of upstream.nodes) key += `\n${node.weight} ${node.url}`;
  return key;
}
