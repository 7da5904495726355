import type { ServiceId, SnapshotRestService, SnapshotUpstream } from '@tollgate/domain';

/**
 * What the REST forward step asks of the upstream machinery (balancers, health, outlier detection, retry
 * budget, traffic split and mirroring; ADR 0018). One instance per gateway process; `install` is called with
 * every new snapshot and keeps node state (health, ejections, in-flight counts) for upstreams whose identity
 * (service, name and node URLs) did not change.
 */
export interface RestUpstreams {
  install(services: readonly SnapshotRestService[]): void;
  /** The upstream a call goes to: a pin (header or cookie naming an upstream) wins, else the weighted split. */
  pickUpstream(rest: SnapshotRestService, request: RequestFacts): SnapshotUpstream;
  /**
   * A node of `upstream` for one attempt, by its balancer, skipping unhealthy or ejected nodes and those in
   * `exclude` (already tried by this call); null when none is left. The lease must be ended exactly once.
   */
  lease(serviceId: ServiceId, upstream: SnapshotUpstream, request: RequestFacts, exclude: ReadonlySet<string>): NodeLease | null;
  /** Whether this call may make another attempt now: false once retries exceed the upstream's budget. */
  retryAllowed(serviceId: ServiceId, upstream: SnapshotUpstream): boolean;
  /** The upstream to copy this call to, when the service mirrors and this call falls in its percentage. */
  mirrorTarget(rest: SnapshotRestService): SnapshotUpstream | null;
  /**
   * The handler sends the mirrored copy itself and reports how it went: `sent` when the copy got an answer
   * (any status), `failed` when it could not be delivered, `dropped` when it was never sent (e.g. too many in flight).
   */
  countMirror(outcome: MirrorOutcome): void;
  /** Counters for /metrics: mirrored calls sent, failed and dropped; retries refused by the budget; ejections. */
  stats(): RestUpstreamStats;
  /** Stops the active health checks. */
  close(): void;
}

/** What a balancer may look at: hash keys come from a header, a cookie or the client address. */
export interface RequestFacts {
  header(name: string): string | undefined;
  cookie(name: string): string | undefined;
  clientIp: string;
}

export interface NodeLease {
  /** The node's URL as configured (`http://10.0.0.5:8080` or with a base path). */
  readonly node: string;
  /** Ends the attempt: counts in-flight and feeds passive outlier detection. */
  done(outcome: NodeOutcome): void;
}

export type NodeOutcome =
  | { kind: 'response'; status: number }
  /** Refused, reset or unreachable before any answer: counts towards `consecutiveConnectFailures`. */
  | { kind: 'connect-failure' }
  /** No answer within the timeout: counts as a 5xx for outlier detection. */
  | { kind: 'timeout' }
  /** The client left: says nothing about the node. */
  | { kind: 'aborted' };

export type MirrorOutcome = 'sent' | 'failed' | 'dropped';

export interface RestUpstreamStats {
  mirrored: number;
  mirrorFailed: number;
  mirrorDropped: number;
  retriesRefusedByBudget: number;
  ejections: number;
}
