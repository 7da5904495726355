import type { ServiceRestSettings } from '@tollgate/db';
import type { MeshOptions } from './options';
import { destinationOf, duration, labelsFor, objectName, routeTimeoutMs, weightedDestinations, type K8sObject, type MeshManifests, type MeshService } from './model';
import { apiMatches, type ApiMatch } from './paths';

/**
 * Gateway API objects for one service (ADR 0031): HTTPRoutes (v1), and a ReferenceGrant (v1beta1) in each
 * other namespace a route sends calls to, without which the Gateway refuses a cross-namespace backend.
 */
const gatewayApi = 'gateway.networking.k8s.io/v1';
const gatewayApiBeta = 'gateway.networking.k8s.io/v1beta1';
/** The CRD's limits: at most 16 rules per route and 8 matches per rule. */
const maxRules = 16;
const maxMatches = 8;

type BackendRef = { name: string; namespace?: string; port: number; group?: string; kind?: string };

/**
 * A Kubernetes Service by its cluster DNS name (`pets.shop.svc.cluster.local`, `pets.shop.svc`) or its short
 * name (`pets`, in the route's namespace); any other host is an Istio `Hostname` backend (a ServiceEntry's
 * host), which only Istio's Gateway API implementation understands.
 */
function backendRef(host: string, port: number, options: MeshOptions, notes: string[]): BackendRef {
  const service = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?$/.exec(host);
  if (service) return { name: service[1]!, ...(service[3] !== options.namespace ? { namespace: service[3]! } : {}), port };
  if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(host)) return { name: host, port };
  notes.push(`${host} is not a cluster Service name: its HTTPRoute backend is an Istio Hostname (give it a ServiceEntry); other Gateway API implementations need a Service for it.`);
  return { group: 'networking.istio.io', kind: 'Hostname', name: host, port };
}

const headerModifier = (rules: ApiMatch['requestHeaders']) => {
  const pairs = (record: Record<string, string>) => Object.entries(record).map(([name, value]) => ({ name, value }));
  const modifier = {
    ...(Object.keys(rules.set).length ? { set: pairs(rules.set) } : {}),
    ...(Object.keys(rules.add).length ? { add: pairs(rules.add) } : {}),
    ...(rules.remove.length ? { remove: rules.remove } : {}),
  };
  return Object.keys(modifier).length ? modifier : null;
};

const pathMatchTypes = { exact: 'Exact', prefix: 'PathPrefix', regex: 'RegularExpression' } as const;

function routeRules(service: MeshService, rest: ServiceRestSettings, options: MeshOptions, notes: string[]) {
  const backendRefs = weightedDestinations(rest, notes).map((d) => ({ ...backendRef(d.host, d.port, options, notes), weight: d.weight }));
  const timeout = routeTimeoutMs(rest);
  const mirrorOf = rest.traffic.mirror;
  const mirrorNode = mirrorOf ? rest.upstreams.find((u) => u.name === mirrorOf.upstream)?.nodes.find((n) => n.weight > 0) : undefined;
  let mirror: BackendRef | null = null;
  if (mirrorOf && mirrorNode && mirrorOf.percent === 100) {
    const d = destinationOf(mirrorNode.url);
    mirror = backendRef(d.host, d.port, options, notes);
  } else if (mirrorOf && mirrorNode) {
    // A partial mirror is only in Gateway API's experimental channel (v1.2+); an older CRD would drop the
    // percentage and mirror every call, so none is written rather than more than was asked for.
    notes.push(`The traffic policy mirrors ${mirrorOf.percent}% of calls to ${mirrorOf.upstream}; standard Gateway API mirrors all or nothing, so the HTTPRoute has no mirror (use target=istio, or add a RequestMirror filter with percent on Gateway API v1.2+).`);
  }
  const rules: Array<Record<string, unknown>> = [];
  for (const api of apiMatches(service, notes)) {
    const matches = api.paths.flatMap((p) =>
      api.methods.map((method) => ({
        path: { type: pathMatchTypes[p.type], value: p.value },
        method,
        ...(Object.keys(api.headers).length ? { headers: Object.entries(api.headers).map(([name, value]) => ({ type: 'Exact', name, value })) } : {}),
        ...(Object.keys(api.query).length ? { queryParams: Object.entries(api.query).map(([name, value]) => ({ type: 'Exact', name, value })) } : {}),
      })),
    );
    const request = headerModifier(api.requestHeaders);
    const response = headerModifier(api.responseHeaders);
    const filters = [
      ...(request ? [{ type: 'RequestHeaderModifier', requestHeaderModifier: request }] : []),
      ...(response ? [{ type: 'ResponseHeaderModifier', responseHeaderModifier: response }] : []),
      ...(mirror ? [{ type: 'RequestMirror', requestMirror: { backendRef: mirror } }] : []),
    ];
    // A rewrite names its match's kind, so each kind of path match gets its own rule.
    for (const kind of ['exact', 'prefix', 'regex'] as const) {
      const ofKind = matches.filter((m) => m.path.type === pathMatchTypes[kind]);
      const rewrite =
        api.rewrite && kind !== 'regex'
          ? [{ type: 'URLRewrite', urlRewrite: { path: kind === 'prefix' ? { type: 'ReplacePrefixMatch', replacePrefixMatch: api.rewrite.value } : { type: 'ReplaceFullPath', replaceFullPath: api.rewrite.value } } }]
          : [];
      // The CRD's CEL rule: a ReplacePrefixMatch rewrite takes exactly one PathPrefix match in its rule.
      const perRule = rewrite.length && kind === 'prefix' ? 1 : maxMatches;
      for (let i = 0; i < ofKind.length; i += perRule) {
        rules.push({
          matches: ofKind.slice(i, i + perRule),
          ...(filters.length || rewrite.length ? { filters: [...filters, ...rewrite] } : {}),
          backendRefs,
          ...(timeout !== null ? { timeouts: { request: duration(timeout) } } : {}),
        });
      }
    }
  }
  return { rules, backends: [...backendRefs, ...(mirror ? [mirror] : [])] };
}

/** Cross-namespace backends need the other namespace's consent: one ReferenceGrant there per route namespace. */
function referenceGrants(service: MeshService, backends: BackendRef[], options: MeshOptions): K8sObject[] {
  const namespaces = [...new Set(backends.flatMap((b) => (b.namespace && !b.kind ? [b.namespace] : [])))].sort();
  return namespaces.map((namespace) => ({
    apiVersion: gatewayApiBeta,
    kind: 'ReferenceGrant',
    metadata: { name: objectName('tollgate', service.slug, 'from', options.namespace), namespace, labels: labelsFor(service.slug) },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: options.namespace }], to: [{ group: '', kind: 'Service' }] },
  }));
}

function httpRoutes(service: MeshService, hostnames: string[], rules: Array<Record<string, unknown>>, options: MeshOptions, notes: string[]): K8sObject[] {
  const parentRefs = [{ name: options.gateway.name, namespace: options.gateway.namespace }];
  const chunks: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < rules.length; i += maxRules) chunks.push(rules.slice(i, i + maxRules));
  if (chunks.length > 1) notes.push(`The service needs ${rules.length} route rules; an HTTPRoute holds ${maxRules}, so they are split over ${chunks.length} HTTPRoutes (Gateway API orders matches by specificity, not by route).`);
  return chunks.map((chunk, i) => ({
    apiVersion: gatewayApi,
    kind: 'HTTPRoute',
    metadata: { name: objectName('tollgate', service.slug, ...(i ? [String(i + 1)] : [])), namespace: options.namespace, labels: labelsFor(service.slug) },
    spec: { parentRefs, hostnames, rules: chunk },
  }));
}

const policyNote =
  'Gateway API has no standard external authorization: with Istio, also apply the AuthorizationPolicy (action CUSTOM) and the meshConfig entry from target=istio&mode=authorizer, selecting the Gateway\u2019s pods.';

/** Authorizer mode: the Gateway routes to the upstreams (matches, weights, mirror, timeouts). */
export function gatewayApiAuthorizer(service: MeshService, rest: ServiceRestSettings, options: MeshOptions, notes: string[]): Pick<MeshManifests, 'items' | 'meshConfig'> {
  const { rules, backends } = routeRules(service, rest, options, notes);
  notes.push(policyNote);
  return { items: [...referenceGrants(service, backends, options), ...httpRoutes(service, rest.hosts, rules, options, notes)], meshConfig: null };
}

/** Proxy mode: every path of the hosts goes to the Tollgate gateway's Service (a second past its own bound, as for Istio). */
export function gatewayApiProxy(service: MeshService, hosts: string[], options: MeshOptions, notes: string[]): Pick<MeshManifests, 'items' | 'meshConfig'> {
  const tollgate = backendRef(options.tollgateService, options.tollgatePort, options, notes);
  const timeout = service.rest ? routeTimeoutMs(service.rest) : null;
  const rule = {
    matches: [{ path: { type: 'PathPrefix', value: '/' } }],
    backendRefs: [tollgate],
    ...(timeout !== null ? { timeouts: { request: duration(timeout + 1000) } } : {}),
  };
  return { items: [...referenceGrants(service, [tollgate], options), ...httpRoutes(service, hosts, [rule], options, notes)], meshConfig: null };
}
