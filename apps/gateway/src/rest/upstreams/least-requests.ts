import type { RequestFacts } from './contract';
import type { Balancer, UpstreamPool } from './upstream-pool';

/**
 * Power of two choices: draw two distinct usable nodes at random and take the one with fewer calls in flight
 * (per unit of weight, so a weight-2 node carries twice the load before it loses). Two samples avoid the herd
 * that "globally least loaded" causes when every gateway sees the same idle node, at O(1) per pick.
 */
export class LeastRequests implements Balancer {
  pick(pool: UpstreamPool, _request: RequestFacts, exclude: ReadonlySet<string>): number {
    const random = pool.random;
    if (pool.allUsable(exclude)) {
      const n = pool.nodes.length;
      if (n <= 1) return n - 1;
      const a = Math.floor(random() * n);
      let b = Math.floor(random() * (n - 1));
      if (b >= a) b++;
      return lighter(pool, a, b);
    }
    // Degraded or retrying: sample among the usable ones only, gathered into the pool's reusable buffer.
    const candidates = pool.scratch;
    let m = 0;
    for (let i = 0; i < pool.nodes.length; i++) if (pool.usable(i, exclude)) candidates[m++] = i;
    if (m <= 1) return m === 1 ? candidates[0]! : -1;
    const a = Math.floor(random() * m);
    let b = Math.floor(random() * (m - 1));
    if (b >= a) b++;
    return lighter(pool, candidates[a]!, candidates[b]!);
  }
}

function lighter(pool: UpstreamPool, a: number, b: number): number {
  const loadA = (pool.nodes[a]!.inFlight + 1) / pool.weights[a]!;
  const loadB = (pool.nodes[b]!.inFlight + 1) / pool.weights[b]!;
  // A tie keeps the first draw, which is itself random.
  return loadB < loadA ? b : a;
}
