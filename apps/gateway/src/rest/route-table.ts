import type { SnapshotData, SnapshotRestService, SnapshotService } from '@tollgate/domain';
import { ApiTrie } from './api-trie';

/** A REST service as the gateway serves it: its catalogue entry, its proxy settings and its compiled APIs. */
export interface RestServiceRoute {
  service: SnapshotService;
  /** Null for a retired service whose proxy settings were not compiled: it only ever answers 410. */
  rest: SnapshotRestService | null;
  apis: ApiTrie;
}

/** The REST side of a snapshot, compiled once per revision (ADR 0018, 0019). */
export interface RestRouteTable {
  readonly bySlug: ReadonlyMap<string, RestServiceRoute>;
  readonly byHost: ReadonlyMap<string, RestServiceRoute>;
  /** `*.example.org` hosts as `.example.org` suffixes, longest first so the most specific wins. */
  readonly wildcardHosts: ReadonlyArray<{ suffix: string; route: RestServiceRoute }>;
  /** What RestUpstreams is installed with. */
  readonly services: readonly SnapshotRestService[];
}

/**
 * First path segments that always belong to the gateway itself, whatever the Host: the unified AI API, the
 * portal's channel, probes and the scrape. A REST API under one of them is reachable by slug only.
 */
export const reservedSegments: ReadonlySet<string> = new Set(['v1', 'internal', 'healthz', 'readyz', 'metrics']);

export function compileRestRoutes(data: SnapshotData): RestRouteTable {
  const restById = new Map((data.restServices ?? []).map((r) => [r.serviceId, r] as const));
  const apisByService = new Map<string, SnapshotData['restApis']>();
  for (const api of data.restApis ?? []) {
    const list = apisByService.get(api.serviceId);
    if (list) list.push(api);
    else apisByService.set(api.serviceId, [api]);
  }
  const bySlug = new Map<string, RestServiceRoute>();
  const byHost = new Map<string, RestServiceRoute>();
  const wildcardHosts: Array<{ suffix: string; route: RestServiceRoute }> = [];
  const services: SnapshotRestService[] = [];
  for (const service of data.services) {
    // Drafts are not served at all: their slug answers like any unknown URL.
    if (service.kind !== 'rest' || service.lifecycle === 'draft') continue;
    const rest = restById.get(service.id) ?? null;
    if (!rest && service.lifecycle !== 'retired') continue;
    const route: RestServiceRoute = { service, rest, apis: new ApiTrie(apisByService.get(service.id) ?? []) };
    if (!reservedSegments.has(service.slug)) bySlug.set(service.slug, route);
    if (!rest) continue;
    services.push(rest);
    for (const host of rest.hosts) {
      const name = host.trim().toLowerCase();
      if (name.startsWith('*.')) wildcardHosts.push({ suffix: name.slice(1), route });
      else if (name) byHost.set(name, route);
    }
  }
  wildcardHosts.sort((a, b) => b.suffix.length - a.suffix.length);
  return { bySlug, byHost, wildcardHosts, services };
}

/** The Host header's name without its port, lower-cased (`[::1]:8080` → `[::1]`). */
export function hostName(header: string | undefined): string {
  if (!header) return '';
  const host = header.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/** The service a request is for, and the API path within it (raw, after the slug); null when it is not REST. */
export interface LocatedService {
  route: RestServiceRoute;
  apiPath: string;
  byHost: boolean;
}

/**
 * Host routing first (exact name, then the longest `*.suffix`, which takes one label or more), then
 * `/<slug>/…`. The gateway's reserved first segments never go to a REST service.
 */
export function locateService(table: RestRouteTable, host: string | undefined, rawPath: string): LocatedService | null {
  const slash = rawPath.indexOf('/', 1);
  const first = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
  if (reservedSegments.has(first)) return null;
  if (table.byHost.size > 0 || table.wildcardHosts.length > 0) {
    const name = hostName(host);
    let route = table.byHost.get(name);
    if (!route) {
      for (const wildcard of table.wildcardHosts) {
        if (name.length > wildcard.suffix.length && name.endsWith(wildcard.suffix)) {
          route = wildcard.route;
          break;
        }
      }
    }
    if (route) return { route, apiPath: rawPath || '/', byHost: true };
  }
  const route = table.bySlug.get(first);
  if (!route) return null;
  return { route, apiPath: slash < 0 ? '/' : rawPath.slice(slash), byHost: false };
}

/** The raw path and query of a request URL (`c.req.path` is decoded; the upstream must get what was sent). */
export function rawPathAndQuery(url: string): { path: string; query: string } {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return { path: '/', query: '' };
  const q = url.indexOf('?', start);
  const hash = url.indexOf('#', start);
  const end = hash < 0 ? url.length : hash;
  return q < 0 || q > end ? { path: url.slice(start, end), query: '' } : { path: url.slice(start, q), query: url.slice(q + 1, end) };
}
