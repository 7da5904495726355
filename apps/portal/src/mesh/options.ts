import { z } from 'zod';

/**
 * The query of `GET /api/services/{id}/mesh`. Everything the manifests name outside Tollgate (the ingress
 * Gateway, the namespaces, Tollgate's own Service and the ext_authz provider) is a parameter with a default,
 * because only the operator knows the cluster; the defaults are the names the docs use (ADR 0031).
 */

/** An RFC 1123 label: what Kubernetes takes as a namespace or a Service name. */
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'use 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen');
/** A DNS name (an RFC 1123 subdomain): a Service host, a hostname. */
const dnsName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'use a lowercase DNS name (tollgate-gateway.tollgate.svc.cluster.local)');
const port = z.coerce.number().int().min(1).max(65_535);
const labelSelector = z
  .string()
  .regex(/^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*(,[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*)*$/, 'use key=value pairs separated by commas (istio=ingressgateway)')
  .transform((text) => Object.fromEntries(text.split(',').map((pair) => pair.split('=') as [string, string])));

export const meshQuerySchema = z.object({
  target: z.enum(['istio', 'gateway-api']),
  format: z.enum(['json', 'yaml']).optional(),
  /**
   * `authorizer`: the ingress routes to the upstreams and asks Tollgate's ext_authz service about each call.
   * `proxy`: the ingress sends the service's hosts to the Tollgate gateway, which forwards (the only mode for AI services).
   */
  mode: z.enum(['authorizer', 'proxy']).optional(),
  /** Where the VirtualService, DestinationRules and HTTPRoutes go. */
  namespace: dnsLabel.default('default'),
  /** The ingress Gateway the routes attach to, `namespace/name`; the CUSTOM and JWT policies go in its namespace. */
  gateway: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'use namespace/name (istio-system/istio-ingressgateway)')
    .default('istio-system/istio-ingressgateway'),
  /** The labels of the ingress gateway's pods, which the AuthorizationPolicy and RequestAuthentication select. */
  gatewaySelector: labelSelector.default({ istio: 'ingressgateway' }),
  /** The extensionProviders name the AuthorizationPolicy names. */
  provider: dnsName.default('tollgate-ext-authz'),
  /** Which ext_authz protocol the meshConfig entry describes: envoyExtAuthzHttp or envoyExtAuthzGrpc. */
  authorizer: z.enum(['http', 'grpc']).default('http'),
  /** The Tollgate gateway's Service, as the mesh reaches it. */
  tollgateService: dnsName.default('tollgate-gateway.tollgate.svc.cluster.local'),
  tollgatePort: port.default(8081),
  /** The port of Tollgate's ext_authz listener; default the gateway's own port for HTTP, 9191 for gRPC. */
  authzPort: port.optional(),
  /**
   * The provider's `failOpen`: `false` (the default) refuses every call while Tollgate cannot answer (Envoy's
   * 403, or `statusOnError`); `true` lets them through unchecked, and the access log counts them as such.
   */
  failOpen: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** `als`: the ingress streams its access log to the gateway, which completes each check's record from it (ADR 0036). */
  accessLog: z.enum(['als', 'none']).default('als'),
  /** The extensionProviders name of that access log service, and the gateway's port for it (the gRPC check's). */
  accessLogProvider: dnsName.default('tollgate-access-log'),
  accessLogPort: port.default(9191),
  /** The HTTP check's path prefix: Envoy sends the client's path under it. */
  authzPathPrefix: z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, 'use a path starting with /').default('/ext-authz'),
  /** A host the mesh serves the service on, besides the service's own hosts (proxy mode; required when it has none). */
  host: dnsName.optional(),
});

export const meshQueryKeys = Object.keys(meshQuerySchema.shape);

export type MeshQuery = z.infer<typeof meshQuerySchema>;
export type MeshTarget = MeshQuery['target'];
export type MeshMode = NonNullable<MeshQuery['mode']>;

/** The query, resolved: the mode chosen and the ext_authz port filled in. */
export interface MeshOptions extends Omit<MeshQuery, 'format' | 'mode' | 'authzPort' | 'gateway'> {
  mode: MeshMode;
  authzPort: number;
  gateway: { namespace: string; name: string };
}

export function resolveOptions(query: MeshQuery, mode: MeshMode): MeshOptions {
  const { format: _format, mode: _mode, gateway, authzPort, ...rest } = query;
  const [namespace, name] = gateway.split('/') as [string, string];
  return { ...rest, mode, gateway: { namespace, name }, authzPort: authzPort ?? (query.authorizer === 'grpc' ? 9191 : query.tollgatePort) };
}
