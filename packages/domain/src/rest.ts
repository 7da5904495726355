import type { ApiId, AppId, CredentialId, ServiceId } from './ids';
import type { RateLimits } from './snapshot';

/**
 * The REST side of the config snapshot (ADR 0018): how the gateway proxies a `kind: "rest"` service. Compiled
 * from the service's live release, like its APIs; the gateway builds its route table, balancers and health
 * checkers from it once per revision and never reads the database.
 */

/** One upstream node: an origin (`http(s)://host:port`, optionally with a base path) and its share of calls. */
export interface UpstreamNode {
  url: string;
  /** Relative share for the weighted balancer (default 1); 0 keeps the node out of rotation. */
  weight: number;
}

export type BalancerPolicy =
  | { type: 'round-robin' }
  /** Power of two choices: of two random healthy nodes, the one with fewer calls in flight. */
  | { type: 'least-requests' }
  /** Consistent hash (a ring with virtual nodes) on a request header, a cookie or the client IP. */
  | { type: 'hash'; on: 'header' | 'cookie' | 'ip'; name?: string };

/** Active checks: a GET of `path` on every node every `intervalMs`, off the request path. */
export interface ActiveHealthCheck {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive passes that bring a failed node back, and consecutive failures that take it out. */
  healthyThreshold: number;
  unhealthyThreshold: number;
}

/**
 * Passive outlier detection from real calls: so many consecutive 5xx answers or connection failures eject the
 * node for `baseEjectionMs × times ejected` (capped by `maxEjectionMs`); never more than `maxEjectedPercent`
 * of the nodes at once, and never the last one.
 */
export interface OutlierDetection {
  consecutive5xx: number;
  consecutiveConnectFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  maxEjectedPercent: number;
}

export interface UpstreamTimeouts {
  connectMs: number;
  /** From the request sent to the answer's status line and headers. */
  firstByteMs: number;
  /** The whole call, body both ways included. 0 = no total bound (long downloads, server-sent events). */
  totalMs: number;
}

/**
 * Retries go to another node, on a connection failure, or on 502/503/504 for idempotent methods (or every
 * method when the API says so). The budget caps retries at `budgetPercent` of the calls in the last 10 s (and
 * at least `minPerSecond` per second), so retries cannot multiply an outage.
 */
export interface RetryPolicy {
  attempts: number;
  budgetPercent: number;
  minPerSecond: number;
}

export interface SnapshotUpstream {
  name: string;
  nodes: UpstreamNode[];
  balancer: BalancerPolicy;
  healthCheck: ActiveHealthCheck | null;
  outlier: OutlierDetection;
  timeouts: UpstreamTimeouts;
  retries: RetryPolicy;
  /** A static header the gateway adds for this upstream (an upstream API key); decrypted, never logged. */
  credential: { header: string; value: string } | null;
  /** The `Host` header to send; default the node's own host (set it to route through an ingress by name). */
  hostHeader: string | null;
}

/**
 * How calls are spread over a service's upstreams. `split` weights pick the upstream per call (90/10 canary);
 * a pin (header or cookie whose value is an upstream name) sends a caller to one upstream; the mirror copies
 * `percent` of calls to a shadow upstream and discards its answer.
 */
export interface TrafficPolicy {
  split: Array<{ upstream: string; weight: number }>;
  pin: { header?: string; cookie?: string } | null;
  mirror: { upstream: string; percent: number } | null;
}

/** CORS per service. Origins are exact (`https://app.example.com`) or a subdomain wildcard (`https://*.example.com`). */
export interface CorsPolicy {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAgeSeconds: number;
}

/** Where the gateway looks for an API key besides `Authorization: Bearer` and `x-api-key`. */
export interface KeyLocations {
  header: string | null;
  query: string | null;
}

export interface SnapshotRestService {
  serviceId: ServiceId;
  /** Hosts that reach the service without its slug: exact (`api.example.com`) or `*.example.org`. */
  hosts: string[];
  upstreams: SnapshotUpstream[];
  traffic: TrafficPolicy;
  cors: CorsPolicy | null;
  keyLocations: KeyLocations;
}

export interface HeaderRules {
  set: Record<string, string>;
  add: Record<string, string>;
  remove: string[];
}

/**
 * One API of a REST service as the gateway matches it. `path` is the API's path: a template (`/pets/{id}`)
 * matched segment by segment, or, with `pathType: "prefix"`, everything below it. `headers` and `query`
 * must all match (exact values) for the API to apply; the most specific API wins.
 */
export interface SnapshotRestApi {
  id: ApiId;
  serviceId: ServiceId;
  name: string;
  methods: string[];
  path: string;
  pathType: 'exact' | 'prefix';
  headers: Record<string, string>;
  query: Record<string, string>;
  /**
   * The upstream path: `stripPrefix` drops the API's literal prefix; `template` builds the path from the
   * matched parameters (`/v2/animals/{id}`); null sends the path as called (after the slug).
   */
  rewrite: { stripPrefix: true } | { template: string } | null;
  requestHeaders: HeaderRules;
  responseHeaders: HeaderRules;
  /** Query parameters added to the upstream call. */
  addQuery: Record<string, string>;
  /** Per-API request limits, counted per subscription, on top of the plan's. */
  limits: RateLimits | null;
  /** Retry non-idempotent methods too (the API is known to be safe to repeat). */
  retryAll: boolean;
  /** Accept WebSocket upgrades on this API (after the same checks as any call). */
  websocket: boolean;
}

/**
 * A JWT credential of an app: tokens from `issuer`, valid for one of `audiences`, whose `subjectClaim` equals
 * `subject`, identify the app. Keys come from `jwksUrl` (fetched off the request path and cached) or inline.
 */
export interface SnapshotJwtCredential {
  id: CredentialId;
  appId: AppId;
  issuer: string;
  jwksUrl: string | null;
  /** Inline public keys, as a JWKS `keys` array. */
  keys: Array<Record<string, unknown>> | null;
  audiences: string[];
  subjectClaim: string;
  subject: string;
  /** The allowed algorithms (an allow-list of RS256, ES256, EdDSA; never `none`). */
  algorithms: Array<'RS256' | 'ES256' | 'EdDSA'>;
}

/**
 * A workload credential of an app (ADR 0033): a caller whose mTLS identity the mesh forwards in
 * `x-forwarded-client-cert` with this SPIFFE ID, from a trusted proxy, is the app. An active SPIFFE ID names one app.
 */
export interface SnapshotWorkloadCredential {
  id: CredentialId;
  appId: AppId;
  /** `spiffe://<trust domain>/<path>`, as the portal validated it. */
  spiffeId: string;
}

/** Defaults the portal fills in where the publisher set nothing, so the gateway never guesses. */
export const restDefaults = {
  balancer: { type: 'round-robin' } as BalancerPolicy,
  outlier: { consecutive5xx: 5, consecutiveConnectFailures: 3, baseEjectionMs: 10_000, maxEjectionMs: 300_000, maxEjectedPercent: 50 } satisfies OutlierDetection,
  timeouts: { connectMs: 5_000, firstByteMs: 30_000, totalMs: 0 } satisfies UpstreamTimeouts,
  retries: { attempts: 1, budgetPercent: 20, minPerSecond: 3 } satisfies RetryPolicy,
  healthCheck: { intervalMs: 10_000, timeoutMs: 2_000, healthyThreshold: 2, unhealthyThreshold: 3 },
} as const;

/** An upstream's settings (all but its name and nodes) where the publisher set none. */
export const upstreamDefaults = (): Omit<SnapshotUpstream, 'name' | 'nodes'> => ({
  balancer: restDefaults.balancer,
  healthCheck: null,
  outlier: { ...restDefaults.outlier },
  timeouts: { ...restDefaults.timeouts },
  retries: { ...restDefaults.retries },
  credential: null,
  hostHeader: null,
});

/** An API's REST settings where the publisher set none: matched exactly, forwarded as called. */
export const apiRestDefaults = (): Omit<SnapshotRestApi, 'id' | 'serviceId' | 'name' | 'methods' | 'path'> => ({
  pathType: 'exact',
  headers: {},
  query: {},
  rewrite: null,
  requestHeaders: { set: {}, add: {}, remove: [] },
  responseHeaders: { set: {}, add: {}, remove: [] },
  addQuery: {},
  limits: null,
  retryAll: false,
  websocket: false,
});
