import type { MeshService } from './model';

/**
 * An API's path as mesh matches say it. The gateway matches segment by segment (ADR 0018): a literal segment,
 * a `{param}` (one segment), or with `pathType: "prefix"` everything below. Literal paths become exact (or
 * prefix) matches; a path with parameters becomes an RE2 regular expression (Envoy's safe_regex matches the
 * whole path, so none is needed, but the anchors make it plain to a reader).
 */
export type PathMatch = { type: 'exact' | 'prefix' | 'regex'; value: string };

export interface ApiMatch {
  name: string;
  methods: string[];
  paths: PathMatch[];
  headers: Record<string, string>;
  query: Record<string, string>;
  /** The whole path's replacement or the prefix's (`/`), when the API's rewrite can be said in the mesh. */
  rewrite: { type: 'full' | 'prefix'; value: string } | null;
  requestHeaders: { set: Record<string, string>; add: Record<string, string>; remove: string[] };
  responseHeaders: { set: Record<string, string>; add: Record<string, string>; remove: string[] };
}

const isParam = (segment: string) => /^\{[^/{}]+\}$/.test(segment);
const reEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const segmentsOf = (path: string) => path.split('/').filter(Boolean);

function pathMatches(path: string, prefix: boolean): PathMatch[] {
  const segments = segmentsOf(path);
  if (!segments.some(isParam)) {
    const literal = `/${segments.join('/')}`;
    if (!prefix) return [{ type: 'exact', value: literal }];
    // Segment-wise: `/files` covers `/files` and `/files/…`, not `/filesystem`.
    return literal === '/' ? [{ type: 'prefix', value: '/' }] : [{ type: 'exact', value: literal }, { type: 'prefix', value: `${literal}/` }];
  }
  const body = segments.map((s) => (isParam(s) ? '[^/]+' : reEscape(s))).join('/');
  return [{ type: 'regex', value: `^/${body}${prefix ? '(/.*)?' : ''}$` }];
}

/**
 * The gateway's precedence as an order: segment by segment a literal before a parameter, an exact path before
 * a prefix over the same segments, then the API with more header and query conditions. Istio takes the first
 * matching route, so sorting the routes by this makes the mesh pick the API the gateway would.
 */
function specificity(api: MeshService['apis'][number]): number[] {
  const ranks: number[] = segmentsOf(api.path).map((s) => (isParam(s) ? 1 : 0));
  if (api.rest?.pathType === 'prefix') ranks.push(2);
  return ranks;
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const conditions = (api: MeshService['apis'][number]) => Object.keys(api.rest?.headers ?? {}).length + Object.keys(api.rest?.query ?? {}).length;

export function apiMatches(service: MeshService, notes: string[]): ApiMatch[] {
  const sorted = [...service.apis].sort(
    (a, b) => compareRanks(specificity(a), specificity(b)) || conditions(b) - conditions(a) || a.path.localeCompare(b.path) || a.methods.join().localeCompare(b.methods.join()),
  );
  return sorted.map((api) => {
    const rest = api.rest;
    const prefix = rest?.pathType === 'prefix';
    const literal = !segmentsOf(api.path).some(isParam);
    let rewrite: ApiMatch['rewrite'] = null;
    if (rest?.rewrite && 'stripPrefix' in rest.rewrite && literal) rewrite = { type: prefix ? 'prefix' : 'full', value: '/' };
    else if (rest?.rewrite) notes.push(`API ${api.name} (${api.path}) rewrites its path ${'template' in rest.rewrite ? `to ${rest.rewrite.template}` : 'by stripping a prefix with parameters'}, which the mesh routes cannot say: its calls reach the upstream with the path as called.`);
    if (rest && Object.keys(rest.addQuery).length) notes.push(`API ${api.name} (${api.path}) adds query parameters (${Object.keys(rest.addQuery).join(', ')}), which the mesh routes cannot add.`);
    return {
      name: api.name,
      methods: [...api.methods].sort(),
      paths: pathMatches(api.path, prefix),
      headers: rest?.headers ?? {},
      query: rest?.query ?? {},
      rewrite,
      requestHeaders: rest?.requestHeaders ?? { set: {}, add: {}, remove: [] },
      responseHeaders: rest?.responseHeaders ?? { set: {}, add: {}, remove: [] },
    };
  });
}

/**
 * The headers Tollgate reads a consumer's credential from, which the HTTP ext_authz check must be sent:
 * `authorization` (Bearer keys and JWTs), `x-api-key`, the service's own key header, what identifies and
 * traces the call, and the client's address (without it per-IP limits would count the ingress pod: the check
 * believes it from the ingress, a trusted proxy, ADR 0035). A key in the query string needs nothing: the check
 * carries the path and query.
 */
export function credentialHeaders(service: MeshService): string[] {
  const own = service.rest?.keyLocations.header?.toLowerCase();
  return [...new Set(['authorization', 'x-api-key', ...(own ? [own] : []), 'x-request-id', 'traceparent', 'tracestate', 'x-forwarded-for', 'x-envoy-external-address'])];
}
