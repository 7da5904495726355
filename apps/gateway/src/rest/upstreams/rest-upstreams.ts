import type { BalancerPolicy, ServiceId, SnapshotRestService, SnapshotUpstream } from '@tollgate/domain';
import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import type { MirrorOutcome, NodeLease, NodeOutcome, RequestFacts, RestUpstreams, RestUpstreamStats } from './contract';
import { ConsistentHash, HashRing } from './hash-ring';
import { HealthCheckers, healthTarget, type HealthTarget } from './health-check';
import { LeastRequests } from './least-requests';
import { recordOutcome } from './outlier';
import { RetryBudget } from './retry-budget';
import { SmoothRoundRobin } from './smooth-round-robin';
import { TrafficRouter } from './traffic';
import { AvailabilityEpoch, NodeState, UpstreamPool, structureKey, type Balancer } from './upstream-pool';

export type UpstreamsLogger = Pick<Logger, 'info' | 'warn'>;

export interface RestUpstreamsOptions {
  /** For health checks only (calls go through the handler's own dispatcher). Default: a small private Agent. */
  dispatcher?: Dispatcher;
  /** Monotonic milliseconds; default `performance.now()` so a wall-clock jump cannot end an ejection early. */
  now?: () => number;
  random?: () => number;
  logger?: UpstreamsLogger;
}

/** A node as diagnostics (and tests) see it. */
export interface NodeView {
  url: string;
  weight: number;
  inFlight: number;
  healthy: boolean;
  ejectedUntil: number | null;
  timesEjected: number;
  consecutive5xx: number;
  consecutiveConnectFailures: number;
}

const silentLogger: UpstreamsLogger = { info() {}, warn() {} } as unknown as UpstreamsLogger;

export function createRestUpstreams(options: RestUpstreamsOptions = {}): RestUpstreamsRuntime {
  return new RestUpstreamsRuntime(options);
}

type Settle = (pool: UpstreamPool, index: number, outcome: NodeOutcome) => void;

class Lease implements NodeLease {
  readonly node: string;
  #ended = false;

  constructor(
    readonly pool: UpstreamPool,
    readonly index: number,
    readonly settle: Settle,
  ) {
    this.node = pool.nodes[index]!.url;
  }

  done(outcome: NodeOutcome): void {
    // A second `done` (an error path and a finally both ending the lease) must not drive in-flight negative.
    if (this.#ended) return;
    this.#ended = true;
    this.pool.nodes[this.index]!.inFlight--;
    this.settle(this.pool, this.index, outcome);
  }
}

interface InstalledPool {
  pool: UpstreamPool;
  structure: string;
}

export class RestUpstreamsRuntime implements RestUpstreams {
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #logger: UpstreamsLogger;
  readonly #ownDispatcher: Agent | null;
  readonly #epoch = new AvailabilityEpoch();
  readonly #traffic: TrafficRouter;
  readonly #checkers: HealthCheckers;
  /** By `serviceId \0 upstream name`. */
  #pools = new Map<string, InstalledPool>();
  /** By node identity (`serviceId \0 upstream \0 url`): what survives from one snapshot to the next. */
  #nodes = new Map<string, NodeState>();
  /** The fast path of `lease`: the upstream object of a snapshot → its pool, without building a key. */
  #byConfig = new WeakMap<SnapshotUpstream, UpstreamPool>();
  #closed = false;
  readonly #stats: RestUpstreamStats = { mirrored: 0, mirrorFailed: 0, mirrorDropped: 0, retriesRefusedByBudget: 0, ejections: 0 };

  constructor(options: RestUpstreamsOptions) {
    this.#now = options.now ?? (() => performance.now());
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger ?? silentLogger;
    // Probes get their own pool so they neither queue behind nor crowd out real calls to a busy node.
    this.#ownDispatcher = options.dispatcher ? null : new Agent({ connections: 2, keepAliveTimeout: 30_000 });
    this.#traffic = new TrafficRouter(this.#random);
    this.#checkers = new HealthCheckers({
      dispatcher: options.dispatcher ?? this.#ownDispatcher!,
      random: this.#random,
      onChange: (node, healthy, target) => this.#healthChanged(node, healthy, target),
    });
  }

  install(services: readonly SnapshotRestService[]): void {
    const pools = new Map<string, InstalledPool>();
    const nodes = new Map<string, NodeState>();
    const checks = new Map<string, { node: NodeState; target: HealthTarget }>();
    for (const service of services) {
      for (const upstream of service.upstreams) {
        const key = `${service.serviceId}\u0000${upstream.name}`;
        if (pools.has(key)) continue;
        const structure = structureKey(upstream);
        const previous = this.#pools.get(key);
        let pool: UpstreamPool;
        if (previous && previous.structure === structure) {
          pool = previous.pool;
          pool.config = upstream;
        } else {
          pool = this.#buildPool(service.serviceId, upstream, key, previous?.pool.budget ?? new RetryBudget());
        }
        pools.set(key, { pool, structure });
        this.#byConfig.set(upstream, pool);
        for (const node of pool.nodes) {
          nodes.set(node.identity, node);
          if (upstream.healthCheck) checks.set(node.identity, { node, target: healthTarget(node.url, upstream, upstream.healthCheck) });
        }
      }
    }
    for (const node of nodes.values()) {
      // A node whose checks were switched off would otherwise stay down for ever.
      if (!checks.has(node.identity) && (!node.healthy || node.checkFailures > 0)) {
        node.healthy = true;
        node.checkFailures = 0;
        node.checkPasses = 0;
        this.#epoch.bump();
      }
    }
    this.#pools = pools;
    this.#nodes = nodes;
    if (this.#closed) return;
    this.#checkers.sync(checks);
  }

  pickUpstream(rest: SnapshotRestService, request: RequestFacts): SnapshotUpstream {
    return this.#traffic.pickUpstream(rest, request);
  }

  lease(serviceId: ServiceId, upstream: SnapshotUpstream, request: RequestFacts, exclude: ReadonlySet<string>): NodeLease | null {
    const pool = this.#resolve(serviceId, upstream);
    if (pool.nodes.length === 0) return null;
    const now = this.#now();
    pool.refresh(now);
    if (pool.availableCount === 0) return null;
    const index = pool.balancer.pick(pool, request, exclude);
    if (index < 0) return null;
    // Only first attempts are "calls" for the budget: counting retries too would let retries grow their own budget.
    if (exclude.size === 0) pool.budget.recordCall(now);
    pool.nodes[index]!.inFlight++;
    return new Lease(pool, index, this.#settle);
  }

  retryAllowed(serviceId: ServiceId, upstream: SnapshotUpstream): boolean {
    const pool = this.#resolve(serviceId, upstream);
    if (pool.budget.tryRetry(this.#now(), upstream.retries)) return true;
    this.#stats.retriesRefusedByBudget++;
    return false;
  }

  mirrorTarget(rest: SnapshotRestService): SnapshotUpstream | null {
    return this.#traffic.mirrorTarget(rest);
  }

  countMirror(outcome: MirrorOutcome): void {
    if (outcome === 'sent') this.#stats.mirrored++;
    else if (outcome === 'failed') this.#stats.mirrorFailed++;
    else this.#stats.mirrorDropped++;
  }

  stats(): RestUpstreamStats {
    return { ...this.#stats };
  }

  /** Node states of an installed upstream, for diagnostics; undefined when the upstream is not installed. */
  inspect(serviceId: ServiceId, upstreamName: string): NodeView[] | undefined {
    const installed = this.#pools.get(`${serviceId}\u0000${upstreamName}`);
    if (!installed) return undefined;
    const now = this.#now();
    return installed.pool.nodes.map((node, i) => ({
      url: node.url,
      weight: installed.pool.weights[i]!,
      inFlight: node.inFlight,
      healthy: node.healthy,
      ejectedUntil: node.ejectedUntil > now ? node.ejectedUntil : null,
      timesEjected: node.timesEjected,
      consecutive5xx: node.consecutive5xx,
      consecutiveConnectFailures: node.consecutiveConnectFailures,
    }));
  }

  /** How many nodes are being probed (diagnostics and tests). */
  get activeHealthChecks(): number {
    return this.#checkers.size;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#checkers.close();
    // destroy, not close: a probe stuck on a hanging node must not hold shutdown for its timeout.
    this.#ownDispatcher?.destroy().catch(() => {});
  }

  readonly #settle: Settle = (pool, index, outcome) => {
    const ejection = recordOutcome(pool, index, outcome, this.#now());
    if (!ejection) return;
    this.#stats.ejections++;
    this.#logger.warn(
      { serviceId: pool.serviceId, upstream: pool.config.name, node: ejection.node.url, reason: ejection.reason, ejectedMs: ejection.durationMs, timesEjected: ejection.node.timesEjected },
      'upstream node ejected',
    );
  };

  #healthChanged(node: NodeState, healthy: boolean, target: HealthTarget): void {
    this.#epoch.bump();
    const [serviceId, upstream] = node.identity.split('\u0000');
    const fields = { serviceId, upstream, node: node.url, check: target.url };
    if (healthy) this.#logger.info(fields, 'upstream node healthy again');
    else this.#logger.warn(fields, 'upstream node failed its health checks');
  }

  /**
   * The pool for an upstream object. Installed snapshots hit the WeakMap; an object from elsewhere (a snapshot
   * not installed yet, a test) is matched by name and structure, or gets a pool of its own, without health
   * checks, that shares node state with the installed nodes of the same identity.
   */
  #resolve(serviceId: ServiceId, upstream: SnapshotUpstream): UpstreamPool {
    let pool = this.#byConfig.get(upstream);
    if (pool) return pool;
    const key = `${serviceId}\u0000${upstream.name}`;
    const installed = this.#pools.get(key);
    pool = installed && installed.structure === structureKey(upstream) ? installed.pool : this.#buildPool(serviceId, upstream, key, installed?.pool.budget ?? new RetryBudget());
    this.#byConfig.set(upstream, pool);
    return pool;
  }

  #buildPool(serviceId: ServiceId, upstream: SnapshotUpstream, key: string, budget: RetryBudget): UpstreamPool {
    const nodes: NodeState[] = [];
    const weights: number[] = [];
    const seen = new Set<string>();
    for (const { url, weight } of upstream.nodes) {
      // Weight 0 is out of rotation: no share, no probes. A repeated URL would only skew the weights.
      if (!(weight > 0) || seen.has(url)) continue;
      seen.add(url);
      const identity = `${key}\u0000${url}`;
      nodes.push(this.#nodes.get(identity) ?? new NodeState(identity, url));
      weights.push(weight);
    }
    const pool = new UpstreamPool(serviceId, upstream, nodes, weights, budget, this.#epoch, this.#random);
    pool.balancer = createBalancer(upstream.balancer, nodes, weights);
    return pool;
  }
}

function createBalancer(policy: BalancerPolicy, nodes: readonly NodeState[], weights: readonly number[]): Balancer {
  switch (policy.type) {
    case 'least-requests':
      return new LeastRequests();
    case 'hash':
      return new ConsistentHash(new HashRing(nodes.map((node, i) => ({ url: node.url, weight: weights[i]! }))), new SmoothRoundRobin(weights), policy);
    default:
      return new SmoothRoundRobin(weights);
  }
}
