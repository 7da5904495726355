import type { ApiRestSettings, ServiceRestSettings } from '@tollgate/db';
import type { ServiceKind } from '@tollgate/domain';

/**
 * What the manifests are built from: one service as its live release serves it (never the working copy: the
 * mesh must route what the gateway serves), and the JWT issuers of the apps subscribed to it. The builders
 * are pure functions of this and the options, so the tests check them without a database.
 */
export interface MeshService {
  slug: string;
  kind: ServiceKind;
  rest: ServiceRestSettings | null;
  apis: Array<{ name: string; methods: string[]; path: string; rest: ApiRestSettings | null }>;
  jwt: Array<{ issuer: string; jwksUrl: string | null; keys: Array<Record<string, unknown>> | null; audiences: string[] }>;
  /** Upstream name → the header of its sealed credential: named in a note, never written (it is a secret). */
  upstreamCredentials?: Record<string, string>;
}

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace: string; labels: Record<string, string> }; spec: Record<string, unknown> };

export interface MeshManifests {
  target: 'istio' | 'gateway-api';
  mode: 'authorizer' | 'proxy';
  /** Objects for `kubectl apply`, in the order they are best applied (policies before the routes they guard). */
  items: K8sObject[];
  /** Not an object: the entry to merge into Istio's mesh config (IstioOperator `spec.meshConfig`, or the `istio` ConfigMap). */
  meshConfig: { extensionProviders: Array<Record<string, unknown>> } | null;
  /** What the objects could not say, so the operator knows what the mesh does differently from the gateway. */
  notes: string[];
}

/** A Kubernetes object name from parts: lowercase, hyphens, at most 253 characters. */
export const objectName = (...parts: string[]) =>
  parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 253);

export const labelsFor = (slug: string) => ({ 'app.kubernetes.io/managed-by': 'tollgate', 'tollgate/service': slug });

/** Envoy durations: whole seconds as `30s`, anything finer as milliseconds. */
export const duration = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** An upstream node as the mesh names it: a host and a port (the URL's, or the scheme's default). */
export interface MeshDestination {
  host: string;
  port: number;
  tls: boolean;
  /** The node URL's path, which the gateway prefixes to every call; the mesh objects cannot. */
  basePath: string;
}

export function destinationOf(url: string): MeshDestination {
  const u = new URL(url);
  const tls = u.protocol === 'https:';
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : tls ? 443 : 80, tls, basePath: u.pathname.replace(/\/+$/, '') };
}

type Upstream = ServiceRestSettings['upstreams'][number];

/** The split the gateway serves: with none set, every call goes to `default` (as the snapshot compile says). */
export function servedSplit(rest: ServiceRestSettings): Array<{ upstream: Upstream; weight: number }> {
  const split = rest.traffic.split.length ? rest.traffic.split : [{ upstream: 'default', weight: 1 }];
  return split.flatMap((s) => {
    const upstream = rest.upstreams.find((u) => u.name === s.upstream);
    return upstream && s.weight > 0 ? [{ upstream, weight: s.weight }] : [];
  });
}

/**
 * Every node of every upstream in the split, with its share of calls (split weight × node weight), as whole
 * percentages that add up to 100 (largest remainders get the rounding), which both Istio and Gateway API take.
 */
export function weightedDestinations(rest: ServiceRestSettings, notes: string[]): Array<MeshDestination & { upstream: string; weight: number }> {
  const shares = servedSplit(rest).flatMap(({ upstream, weight }, _i, all) => {
    const total = all.reduce((sum, s) => sum + s.weight, 0);
    const nodes = upstream.nodes.filter((n) => n.weight > 0);
    const nodeTotal = nodes.reduce((sum, n) => sum + n.weight, 0);
    return nodes.map((n) => ({ ...destinationOf(n.url), upstream: upstream.name, exact: (100 * weight * n.weight) / (total * nodeTotal) }));
  });
  // Two nodes on one host:port are one destination for the mesh (it balances the Service's endpoints itself).
  const merged: typeof shares = [];
  for (const s of shares) {
    const same = merged.find((m) => m.host === s.host && m.port === s.port);
    if (same) same.exact += s.exact;
    else merged.push({ ...s });
  }
  const floors = merged.map((m) => Math.floor(m.exact));
  let left = 100 - floors.reduce((a, b) => a + b, 0);
  const byRemainder = merged.map((m, i) => ({ i, r: m.exact - floors[i]! })).sort((a, b) => b.r - a.r);
  for (const { i } of byRemainder) if (left-- > 0) floors[i]! += 1;
  const result = merged.map(({ exact: _exact, ...m }, i) => ({ ...m, weight: floors[i]! }));
  for (const m of result) {
    if (m.weight === 0) notes.push(`${m.upstream} (${m.host}) gets less than 0.5% of calls, which rounds to 0 in whole-percent weights: the mesh sends it none.`);
    if (m.basePath) notes.push(`Upstream ${m.upstream} has the base path ${m.basePath}, which the gateway prefixes to each call; the mesh routes do not (rewrite the upstream or the path yourself).`);
  }
  return result;
}

/** The route timeout: the longest total bound of the split's upstreams, or none when any of them has none. */
export function routeTimeoutMs(rest: ServiceRestSettings): number | null {
  const totals = servedSplit(rest).map((s) => s.upstream.timeouts.totalMs);
  return totals.length && totals.every((t) => t > 0) ? Math.max(...totals) : null;
}
